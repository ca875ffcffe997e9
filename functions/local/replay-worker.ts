// One share of a split replay (replay-shards.ts), in its worker thread: its customers' events
// through a runtime of its own; the parts go back with the outbox bytes transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { replayShare } from './replay';
import { packParts, type ShareTask } from './replay-shards';

const task = workerData as ShareTask;
const packed = packParts(await replayShare(task.options, task.inputs));
parentPort!.postMessage(packed, [packed.bytes.buffer as ArrayBuffer]);
