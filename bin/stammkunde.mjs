#!/usr/bin/env node
// The `stammkunde` command: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../functions/cli/main.ts');
