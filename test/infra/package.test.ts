// The package as a shop installs it: `npm pack`, unpacked into a shop's node_modules, the
// construct imported through the exports map and synthesized.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('package: installed in a shop app', () => {
  it('imports stammkunde/construct from node_modules and synthesizes its eight functions', async () => {
    const shop = mkdtempSync(join(tmpdir(), 'stammkunde-shop-'));
    const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', shop], { encoding: 'utf8' });
    const tarball = (JSON.parse(packed) as { filename: string; files: { path: string }[] }[])[0]!;
    expect(tarball.files.map((f) => f.path)).not.toContain('package-lock.json');
    const installed = join(shop, 'node_modules', 'stammkunde');
    mkdirSync(installed, { recursive: true });
    await run('tar', ['-xzf', join(shop, tarball.filename), '-C', installed, '--strip-components=1']);
    // The package's own dependencies, as npm would install them beside it.
    symlinkSync(resolve('node_modules'), join(installed, 'node_modules'), 'dir');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/infra/fixtures/installed-package-app.ts', shop], { encoding: 'utf8' });
    const result = JSON.parse(stdout) as { entry: string; functions: number };
    expect(result.entry.startsWith(installed)).toBe(true);
    expect(result.functions).toBe(8);
  }, 120_000);
});
