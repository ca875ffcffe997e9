// One share of a split replay (replay-shards.ts), in its worker thread: started early, it loads
// the engine, then takes one task (its customers' events and the compiled campaigns), replays it
// through a runtime of its own and posts the parts back, the outbox bytes transferred, not copied.
import { parentPort } from 'node:worker_threads';
import { replayShare, type ProgressSink } from './replay';
import { packParts, type ShareTask, type WorkerMessage } from './replay-shards';

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

parentPort!.once('message', (task: ShareTask) => {
  // Progress once per replayed day (a message per instant would be tens of thousands).
  let total = 0;
  let lastDay = '';
  const progress: ProgressSink | undefined = task.progress
    ? {
        start: (all, day) => post({ kind: 'progress', done: 0, total: (total = all), day }),
        update: (done, day) => {
          if (day === lastDay) return;
          lastDay = day;
          post({ kind: 'progress', done, total, day });
        },
        stop: () => undefined,
      }
    : undefined;
  void replayShare(task.options, task.inputs, progress).then((parts) => {
    const packed = packParts(parts);
    post({ kind: 'parts', parts: packed }, [packed.bytes.buffer as ArrayBuffer]);
  });
});
