// The Lambda bundles are minified, and their source maps still lead a stack trace back to the
// TypeScript source: esbuild bundles a handler with the options NodejsFunction uses, and Node
// runs it with --enable-source-maps (the NODE_OPTIONS every StammkundeFunction sets).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { functionBundleOptions, PROJECT_ROOT } from '../../infra/constructs/stammkunde-function';

const run = promisify(execFile);
let dir: string;
let zodLocales: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stammkunde-bundle-'));
  // send: all code (tick and audience also carry date-holidays' calendar data, which no minifier shrinks).
  const result = await build({ ...functionBundleOptions('send'), outdir: dir, metafile: true });
  zodLocales = Object.values(result.metafile.outputs)
    .flatMap((output) => Object.entries(output.inputs))
    .filter(([path, input]) => /node_modules\/zod\/v4\/locales\//.test(path) && input.bytesInOutput > 0)
    .map(([path]) => path.replace(/^.*\/locales\//, ''));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs the bundled handler without its environment, so config parsing throws, and prints the stack. */
const stackOf = async (nodeOptions: string[]): Promise<string> => {
  const script = `import(${JSON.stringify(pathToFileURL(join(dir, 'handler.mjs')).href)}).then((m) => m.handler({ Records: [] })).catch((e) => console.log(e.stack));`;
  const { stdout } = await run(process.execPath, [...nodeOptions, '--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '' } });
  return stdout;
};

describe('infra: minified bundles with source maps', () => {
  it('writes a minified bundle with a linked source map', { timeout: 60_000 }, async () => {
    const code = await readFile(join(dir, 'handler.mjs'), 'utf8');
    expect(code.trimEnd().split('\n').at(-1)).toBe('//# sourceMappingURL=handler.mjs.map');
    // Minified: well under half of the same bundle unminified.
    const plain = await build({ ...functionBundleOptions('send'), minify: false, write: false, outdir: dir });
    const plainCode = plain.outputFiles.find((file) => file.path.endsWith('.mjs'))!;
    expect(Buffer.byteLength(code)).toBeLessThan(plainCode.contents.length / 2);
    expect((await stat(join(dir, 'handler.mjs.map'))).size).toBeGreaterThan(0);
  });

  it("leaves zod's unused locales out (import * as z), keeping only English", () => {
    expect(zodLocales).toEqual(['en.js']);
  });

  it('maps a stack trace of the minified bundle to the .ts line that threw', async () => {
    const source = await readFile(join(PROJECT_ROOT, 'functions/core/delivery/env.ts'), 'utf8');
    const throwLine = source.split('\n').findIndex((line) => line.includes('throw new Error(`${name} config')) + 1;
    expect(throwLine).toBeGreaterThan(0);
    const mapped = await stackOf(['--enable-source-maps']);
    expect(mapped).toMatch(/send config: TABLE_NAME/);
    expect(mapped).toMatch(new RegExp(`functions/core/delivery/env\\.ts:${throwLine}:\\d+`));
    // Without the flag the same trace points into the bundle only, so the check above can fail.
    const raw = await stackOf([]);
    expect(raw).toMatch(/handler\.mjs:\d+:\d+/);
    expect(raw).not.toMatch(/env\.ts/);
  }, 60_000);
});
