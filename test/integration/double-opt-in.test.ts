import { afterAll, beforeAll, describe, it } from 'vitest';
import { startLocalAws, type LocalAws } from '#local/servers';
import { runDoubleOptInScenario } from '../unit/double-opt-in-scenario';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws('double-opt-in-test');
});
afterAll(() => aws.stop());

describe('double opt-in on dynalite and the local SES', () => {
  it('confirms through the mailed link, sends a newsletter, and after the one-click POST sends nothing more', async () => {
    await runDoubleOptInScenario('local-aws', aws);
  }, 120_000);
});
