// One share of a split replay (replay-shards.ts), in its worker thread: started early, it loads
// the engine, then takes one task (its customers' events and the compiled campaigns), replays it
// through a runtime of its own and posts the parts back, the outbox bytes transferred, not copied.
import { parentPort } from 'node:worker_threads';
import { replayShare } from './replay';
import { packParts, type ShareTask } from './replay-shards';

parentPort!.once('message', (task: ShareTask) => {
  void replayShare(task.options, task.inputs).then((parts) => {
    const packed = packParts(parts);
    parentPort!.postMessage(packed, [packed.bytes.buffer as ArrayBuffer]);
  });
});
