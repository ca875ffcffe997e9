// `stammkunde report` on a table (dynalite, as `--endpoint` reaches the one of `stammkunde local`):
// the hand-computed fixture ingested through the real ingest handler and DynamoDB stores comes
// back to the last customer from the kept counters; another --active-days is computed from every
// profile (and says so) until --rebuild keeps counters for it; bad flags fail in one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoKpiStore } from '#adapters/dynamo-kpi-store';
import { createIngestHandler } from '../../functions/ingest/handler';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { MonthCalendar } from '#core/kpis';
import type { Report } from '#core/report';
import { runReport, type ReportFlags } from '#cli/commands/report';
import { EXPECTED, FIXTURE, SCOPE, record } from '#test/fixtures/retention';

let aws: LocalAws;
const flags = (over: Partial<ReportFlags> = {}): ReportFlags => ({
  table: aws.tableName, endpoint: aws.dynamoEndpoint, region: 'local', from: '2026-01', to: '2026-04', timeZone: SCOPE.timeZone, activeDays: SCOPE.activeDays, format: 'json', lang: 'en', ...over,
});

beforeAll(async () => {
  aws = await startLocalAws('report-cli-test');
  const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
  const ingest = createIngestHandler({
    store: createDynamoStore({ client, tableName: aws.tableName }),
    loyalty: defaultLoyaltyConfig,
    logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }),
    kpis: { store: createDynamoKpiStore({ client, tableName: aws.tableName }), calendar: new MonthCalendar(SCOPE.timeZone, SCOPE.activeDays) },
  });
  const result = await ingest({ Records: FIXTURE.map(record) });
  expect(result.batchItemFailures).toEqual([]);
  client.destroy();
}, 60_000);
afterAll(() => aws.stop());

describe('cli: report', () => {
  it('reports the fixture from the counters ingest kept on the table, as JSON', async () => {
    const log: string[] = [];
    const { text } = await runReport(flags(), {}, (line) => log.push(line));
    const report = JSON.parse(text) as Report;
    expect(report.kpiSource).toBe('aggregates');
    expect(report.months).toEqual(EXPECTED);
    expect(log).toEqual([]);
  });

  it('computes another window from every profile and says so, until --rebuild keeps counters for it', async () => {
    const log: string[] = [];
    const scanned = JSON.parse((await runReport(flags({ activeDays: 365 }), {}, (line) => log.push(line))).text) as Report;
    expect(scanned.kpiSource).toBe('profiles');
    expect(log.join('\n')).toMatch(/no counters are kept for Europe\/Berlin, 365 days: computed from every profile/);
    // W = 365: D's January order keeps D active through April, so March loses nobody.
    expect(scanned.months[2]).toMatchObject({ month: '2026-03', activeAtStart: 2, retainedAtEnd: 2, churnRate: 0 });
    const rebuilt = JSON.parse((await runReport(flags({ activeDays: 365, rebuild: true }), {}, () => undefined)).text) as Report;
    expect(rebuilt.kpiSource).toBe('aggregates');
    expect(rebuilt.months).toEqual(scanned.months);
  });

  it('prints a terminal table when no format is given', async () => {
    const table = await runReport(flags({ format: undefined as never }), {}, () => undefined);
    expect(table.text).toMatch(/^2026-02\s+2\s+1\s+50\.0\s+3\s+2\s+33\.3\s+3\s+2\/1\/0\s+66\.7\s+1\s+-60\.00\s+0\s+2$/m);
  });

  it('fails in one line naming the flag for a bad period or zone', async () => {
    await expect(runReport(flags({ from: '2026-13' }))).rejects.toThrow(/^--from "2026-13" must be a date "YYYY-MM-DD" or a month "YYYY-MM"$/);
    await expect(runReport(flags({ timeZone: 'Mars/Base' }))).rejects.toThrow(/Mars\/Base/);
  });
});
