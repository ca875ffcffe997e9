// Browser tests of the customer endpoint's pages in Debian's headless Chromium (/usr/bin/chromium,
// driven by playwright-core; nothing is downloaded). Not part of `npm test`, which must run on a
// machine with only `npm ci`; .ci/run installs chromium and runs them after it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
