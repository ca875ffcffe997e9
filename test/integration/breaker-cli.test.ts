// `stammkunde status`, `campaigns` and `resume --breaker` against a table on dynalite.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoBreakerStore } from '#adapters/dynamo-feedback-store';
import { DEFAULT_BREAKER_CONFIG, tripped } from '#core/delivery/breaker';
import { runStatus } from '#cli/commands/status';
import { runCampaigns } from '#cli/commands/campaigns';
import { runLiftBreaker } from '#cli/commands/pause';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws('breaker-cli-test');
});
afterAll(() => aws.stop());

describe('cli: the reputation circuit breaker', () => {
  it('shows a tripped breaker with its reason in status and campaigns, and lifts it on resume --breaker', async () => {
    const table = 'breaker-cli-1';
    await createTable(aws.dynamoEndpoint, table);
    const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
    const at = new Date('2026-12-01T08:20:00Z');
    await createDynamoBreakerStore({ client, tableName: table }).putBreaker(tripped('bounce rate 4.19% (21 of 501 mails) above 4.00% over the last 501 mails', at, DEFAULT_BREAKER_CONFIG), undefined);
    const later = new Date('2026-12-01T09:00:00Z');
    const status = await runStatus({ table }, { documentClient: client }, later);
    expect(status[1]).toBe(
      'reputation circuit breaker: TRIPPED since 2026-12-01 08:20 UTC: bounce rate 4.19% (21 of 501 mails) above 4.00% over the last 501 mails; marketing paused (transactional flows); test batch from 2026-12-02 08:20 UTC or `stammkunde resume --breaker`',
    );
    expect((await runCampaigns({ table }, { documentClient: client }, later))[0]).toMatch(/^reputation circuit breaker: TRIPPED since/);
    expect(await runLiftBreaker({ table }, { documentClient: client }, later)).toMatch(/^reputation circuit breaker lifted/);
    expect((await runStatus({ table }, { documentClient: client }, later))[1]).toBe('reputation circuit breaker: closed, marketing mail flows (lifted 2026-12-01 09:00 UTC by person)');
    expect(await runLiftBreaker({ table }, { documentClient: client }, later)).toBe('reputation circuit breaker is not tripped; nothing to lift');
  });

  it('fails resume without an id or --breaker in one line, without a stack trace', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/stammkunde.mjs', 'resume', '--table', 't'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('close', (c) => resolve({ code: c, stderr: err }));
    });
    expect({ code, stderr }).toEqual({ code: 1, stderr: 'stammkunde: resume needs a campaign or occurrence id (or --breaker)\n' });
  }, 60_000);
});
