// Lambda bundle sizes: every functions/<name>/handler.ts bundled by esbuild with the options
// NodejsFunction uses (infra/constructs/stammkunde-function.ts: minified, source map, AWS SDK
// inside), next to the same bundle unminified. Sizes are what Lambda loads on a cold start.
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { functionBundleOptions, PROJECT_ROOT } from '../infra/constructs/stammkunde-function';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0).padStart(5)} KB`;

const bundleSizes = async (folder: string, minify: boolean) => {
  const result = await build({ ...functionBundleOptions(folder), minify, write: false, outdir: join(PROJECT_ROOT, 'cdk.out', 'bench-bundles') });
  const size = (ext: string) => result.outputFiles.find((file) => file.path.endsWith(ext))?.contents.length ?? 0;
  return { code: size('.mjs'), map: size('.mjs.map') };
};

export const run = async (): Promise<void> => {
  const folders = (await readdir(join(PROJECT_ROOT, 'functions'), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && existsSync(join(PROJECT_ROOT, 'functions', entry.name, 'handler.ts')))
    .map((entry) => entry.name)
    .sort();
  console.log('function   minified   unminified   source map (minified)');
  for (const folder of folders) {
    const minified = await bundleSizes(folder, true);
    const plain = await bundleSizes(folder, false);
    console.log(`${folder.padEnd(9)} ${kb(minified.code)}   ${kb(plain.code)}     ${kb(minified.map)}`);
  }
};
