// `cdk synth --quiet` stays quiet: esbuild's per-file report is off unless asked for
// (-c stammkunde:verboseBundling=true). CDK's own "Bundling asset ..." line per function remains.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const synth = async (mode: 'quiet' | 'verbose') => {
  const out = mkdtempSync(join(tmpdir(), 'stammkunde-bundle-'));
  const { stderr } = await run(process.execPath, ['--import', 'tsx', 'test/infra/fixtures/one-function-app.ts', out, mode], { encoding: 'utf8' });
  return stderr.split('\n').filter((line) => line.trim() !== '');
};

describe('infra: bundling output', () => {
  it('prints only the CDK bundling line per function by default and esbuild\'s report when asked', async () => {
    expect(await synth('quiet')).toEqual(['Bundling asset One/Tick/Function/Code/Stage...']);
    expect((await synth('verbose')).length).toBeGreaterThan(1);
  }, 120_000);
});
