// A replay worker thread (replay-shards.ts): registers tsx, as bin/stammkunde.mjs does, then
// replays its share of the customers and posts the parts back.
import { register } from 'tsx/esm/api';

register();
await import('./replay-worker.ts');
