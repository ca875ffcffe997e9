// The send Lambda's bundle contains no mjml (DESIGN §5): MJML is compiled at publish time and
// send renders pre-parsed Liquid only. esbuild bundles the handler with the settings
// NodejsFunction uses, and its metafile lists every input file that went into the bundle.
import { describe, expect, it } from 'vitest';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_MAIN_FIELDS, BUNDLE_TARGET, PROJECT_ROOT } from '../../infra/constructs/stammkunde-function';

const bundleInputs = async (entry: string): Promise<string[]> => {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    mainFields: BUNDLE_MAIN_FIELDS,
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  return Object.keys((result.metafile as Metafile).inputs);
};

/** mjml itself and its mjml-* packages (mjml-core, mjml-parser-xml, ...). */
const isMjml = (input: string): boolean => /(^|\/)node_modules\/mjml(-[a-z0-9-]+)?\//.test(input);

describe('infra: send bundle', () => {
  it('bundles the send handler without any mjml module', async () => {
    const inputs = await bundleInputs('functions/send/handler.ts');
    expect(inputs).toContain('functions/send/handler.ts');
    expect(inputs.filter(isMjml)).toEqual([]);
  }, 60_000);

  it('detects mjml in a bundle that imports it (the template compiler), so the check above can fail', async () => {
    const inputs = await bundleInputs('functions/compile/compile-template.ts');
    expect(inputs.filter(isMjml).length).toBeGreaterThan(0);
  }, 60_000);
});
