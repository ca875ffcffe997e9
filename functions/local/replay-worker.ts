// One share of a split replay (replay-shards.ts), in its worker thread: started early, it loads
// the engine, then takes one task (its customers' events and the compiled campaigns), replays it
// through a runtime of its own and posts the parts back, the outbox bytes transferred, not copied.
import { parentPort } from 'node:worker_threads';
import { replayShare } from './replay';
import { packParts, shareProgress, type ShareTask, type WorkerMessage } from './replay-shards';

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

parentPort!.once('message', (task: ShareTask) => {
  const progress = task.progress ? shareProgress((done, total, day) => post({ kind: 'progress', done, total, day })) : undefined;
  void replayShare(task.options, task.inputs, progress).then((parts) => {
    const packed = packParts(parts);
    post({ kind: 'parts', parts: packed }, [packed.bytes.buffer as ArrayBuffer]);
  });
});
