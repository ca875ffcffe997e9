// The report: JSON field names as issue 14 fixes them, funnels from occurrence stats and unique
// clicks (triggered campaigns from their rollup), the outcomes port filling conversions and
// revenue, the HTML page (escaped, no script, no external reference), the terminal table, and the
// weekly function storing both files and mailing a summary.
import { describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { createMemoryKpiStore } from '#adapters/memory-kpi-store';
import { createMemoryReportObjects } from '#adapters/s3-report-objects';
import { OutboxMailer } from '#adapters/outbox-mailer';
import { buildReport, kpiSourceOf, reportPeriod, type CampaignOutcomes, type FunnelSources } from '#core/report';
import type { KpiScope } from '#core/kpis';
import { reportHtml } from '../../functions/report/html';
import { reportTable } from '../../functions/report/table';
import { createReportHandler } from '../../functions/report/handler';
import { weeklyPeriod } from '../../functions/report/weekly';
import { publishExampleNewsletter } from './delivery-fixtures';
import { unsubscribesOf } from '../../functions/track/app';
import { readFile } from 'node:fs/promises';
import { Campaign } from '#core/campaign';

const BERLIN: KpiScope = { timeZone: 'Europe/Berlin', activeDays: 365 };

const setup = async (campaignId = 'newsletter') => {
  const deliveries = createMemoryDeliveryStore();
  const clicks = createMemoryClickStore();
  const kpis = createMemoryKpiStore();
  const published = await publishExampleNewsletter({ id: campaignId });
  await deliveries.putCampaign(published);
  const march = `${campaignId}:2026-03-02T08:00Z`;
  const april = `${campaignId}:2026-04-06T07:00Z`;
  for (const [occurrenceId, scheduledAt] of [[march, '2026-03-02T08:00:00.000Z'], [april, '2026-04-06T07:00:00.000Z']] as const) {
    await deliveries.createOccurrence({ occurrenceId, campaignId, scheduledAt, state: 'running', totalSegments: 1, createdAt: scheduledAt, stats: {} });
  }
  await deliveries.addStats(march, { sent: 10, delivered: 9, bounced: 1, complained: 1 });
  await deliveries.addStats(unsubscribesOf(campaignId), { optedOut: 2 });
  await deliveries.addStats(april, { sent: 5, delivered: 5 });
  for (const customerId of ['c1', 'c2']) await clicks.recordClick({ occurrenceId: march, customerId, campaignId, link: 0, atMs: 0 });
  await clicks.recordClick({ occurrenceId: march, customerId: 'c1', campaignId, link: 1, atMs: 0 });
  await kpis.addChanges(BERLIN, 0, new Map([['2026-03', { customers: 4, repeatCustomers: 1, activeCustomers: 4, orders: 5, revenueCents: 12_345, newCustomers: 4, npsResponses: 2, promoters: 1, detractors: 1 }], ['2026-04', { customers: 1, repeatCustomers: 1, retainedAtEnd: 4, orders: 2, revenueCents: 5_000, newCustomers: 1 }]]));
  const funnels: FunnelSources = { deliveries, clicks };
  return { deliveries, clicks, kpis, funnels, march, april };
};

describe('report: JSON', () => {
  it('has the issue\'s field names, rates in percent unrounded, nps null without answers', async () => {
    const { kpis, funnels } = await setup();
    const report = await buildReport({ kpis: kpiSourceOf({ store: kpis }), funnels }, { from: '2026-03', to: '2026-04', ...BERLIN });
    expect(Object.keys(report)).toEqual(['from', 'to', 'timeZone', 'activeDays', 'kpiSource', 'months', 'campaigns']);
    expect(report).toMatchObject({ from: '2026-03-01', to: '2026-04-30', timeZone: 'Europe/Berlin', kpiSource: 'aggregates' });
    expect(report.months[0]).toEqual({ month: '2026-03', customers: 4, repeatCustomers: 1, repeatPurchaseRate: 25, activeAtStart: 0, retainedAtEnd: 0, churnRate: null, npsResponses: 2, promoters: 1, passives: 0, detractors: 1, nps: 0, orders: 5, revenueCents: 12_345, newCustomers: 4, activeCustomers: 4 });
    expect(report.months[1]).toMatchObject({ month: '2026-04', customers: 5, repeatCustomers: 2, repeatPurchaseRate: 40, activeAtStart: 4, retainedAtEnd: 4, churnRate: 0, npsResponses: 0, nps: null });
  });

  it('counts the funnel per campaign and occurrence from the stats and the unique clicks; conversions stay null without attribution', async () => {
    const { funnels, march, april } = await setup();
    const report = await buildReport({ kpis: kpiSourceOf({ store: createMemoryKpiStore() }), funnels }, { from: '2026-03-01', to: '2026-04-30', ...BERLIN });
    expect(report.campaigns).toEqual([
      {
        campaignId: 'newsletter', kind: 'newsletter', sent: 15, delivered: 14, bounced: 1, complained: 1, clicked: 3, unsubscribed: 2, conversions: null, revenueCents: null,
        occurrences: [
          { occurrenceId: march, scheduledAt: '2026-03-02T08:00:00.000Z', sent: 10, delivered: 9, bounced: 1, complained: 1, clicked: 3, unsubscribed: null, conversions: null, revenueCents: null },
          { occurrenceId: april, scheduledAt: '2026-04-06T07:00:00.000Z', sent: 5, delivered: 5, bounced: 0, complained: 0, clicked: 0, unsubscribed: null, conversions: null, revenueCents: null },
        ],
      },
    ]);
  });

  it('leaves out occurrences outside the period (days in the report\'s zone)', async () => {
    const { funnels, march } = await setup();
    const report = await buildReport({ kpis: kpiSourceOf({ store: createMemoryKpiStore() }), funnels }, { from: '2026-03-01', to: '2026-03-31', ...BERLIN });
    expect(report.campaigns[0]!.occurrences.map((o) => o.occurrenceId)).toEqual([march]);
  });

  it('fills conversions, revenue and variants from the CampaignOutcomes port', async () => {
    const { funnels, march, april } = await setup();
    const asked: string[][] = [];
    const outcomes: CampaignOutcomes = {
      async outcomesOf(campaignId, occurrences) {
        asked.push([campaignId, ...occurrences.map((o) => o.occurrenceId)]);
        return {
          occurrences: new Map([[march, { conversions: 3, revenueCents: 9_000 }], [april, { conversions: 1, revenueCents: 1_500 }]]),
          variants: [{ variantId: 'A', holdout: false, assigned: 12, sent: 12, clicked: 3, conversions: 4, revenueCents: 10_500, lift: { percentPoints: 20, low: -5, high: 45, method: 'Newcombe-Wilson' } }, { variantId: 'holdout', holdout: true, assigned: 3, sent: 0, clicked: 0, conversions: 0, revenueCents: 0 }],
        };
      },
    };
    const report = await buildReport({ kpis: kpiSourceOf({ store: createMemoryKpiStore() }), funnels: { ...funnels, outcomes } }, { from: '2026-03', to: '2026-04', ...BERLIN });
    expect(asked).toEqual([['newsletter', march, april]]);
    expect(report.campaigns[0]).toMatchObject({ conversions: 4, revenueCents: 10_500, variants: [{ variantId: 'A' }, { variantId: 'holdout', holdout: true }] });
    expect(report.campaigns[0]!.occurrences.map((o) => [o.conversions, o.revenueCents])).toEqual([[3, 9_000], [1, 1_500]]);
  });

  it('reads a triggered campaign\'s funnel from its rollup, not from its per-customer occurrences', async () => {
    const { deliveries, funnels } = await setup();
    const welcome = Campaign.parse({ ...JSON.parse(await readFile('campaigns/welcome-first-order.json', 'utf8')), id: 'welcome' });
    await deliveries.putCampaign({ campaign: welcome, segments: {}, publishedAt: '2026-11-01T00:00:00.000Z' });
    await deliveries.addStats('welcome:c1:o1', { sent: 1 });
    await deliveries.addStats('welcome:c2:o2', { sent: 1, failed: 1 });
    const listed: string[] = [];
    const watched = { ...funnels, deliveries: { listCampaigns: () => deliveries.listCampaigns(), campaignStats: (id: string) => deliveries.campaignStats(id), listOccurrences: (id: string) => (listed.push(id), deliveries.listOccurrences(id)) } };
    const report = await buildReport({ kpis: kpiSourceOf({ store: createMemoryKpiStore() }), funnels: watched }, { from: '2026-03', to: '2026-04', ...BERLIN });
    expect(report.campaigns.find((c) => c.campaignId === 'welcome')).toMatchObject({ kind: 'triggered', sent: 2, occurrences: [] });
    expect(listed).toEqual(['newsletter']);
  });

  it('rejects a period that is not a date or month, naming the flag', () => {
    expect(() => reportPeriod({ from: '2026-13', to: '2026-12' })).toThrow(/--from "2026-13"/);
    expect(() => reportPeriod({ from: '2026-02-30', to: '2026-03-01' })).toThrow(/--from "2026-02-30" is not a calendar date/);
    expect(() => reportPeriod({ from: '2026-05', to: '2026-04' })).toThrow(/--from 2026-05-01 is after --to 2026-04-30/);
  });
});

describe('report: HTML and table', () => {
  it('escapes a hostile campaign id and loads nothing from outside (no script, no URL but data:)', async () => {
    // Publish refuses such an id; the page must not rely on that.
    const { kpis, funnels } = await setup();
    const built = await buildReport({ kpis: kpiSourceOf({ store: kpis }), funnels }, { from: '2026-03', to: '2026-04', ...BERLIN });
    const hostile = 'x"><script>alert(1)</script>';
    const report = { ...built, campaigns: built.campaigns.map((c) => ({ ...c, campaignId: hostile, occurrences: c.occurrences.map((o) => ({ ...o, occurrenceId: `${hostile}:${o.occurrenceId}` })) })) };
    for (const lang of ['de', 'en'] as const) {
      const html = reportHtml(report, { lang });
      expect(html).not.toContain('<script');
      expect(html).toContain('x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html.match(/(?:src|href)=/g) ?? []).toEqual([]);
      expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    }
  });

  it('shows German and English words, three SVG charts and the change against the previous month', async () => {
    const { kpis, funnels } = await setup();
    const report = await buildReport({ kpis: kpiSourceOf({ store: kpis }), funnels }, { from: '2026-03', to: '2026-04', ...BERLIN });
    const de = reportHtml(report, { lang: 'de' });
    const en = reportHtml(report, { lang: 'en' });
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('Wiederkaufrate');
    expect(de).toContain('Abwanderungsrate');
    expect(en).toContain('Repeat-purchase rate');
    expect(en.match(/<svg /g)).toHaveLength(4); // three monthly charts and the bars by campaign
    expect(en).toContain('▲ +15.0 pts vs previous month'); // repeat rate 25 % -> 40 %
  });

  it('prints a terminal table with rates to one decimal and "-" where there is no base', async () => {
    const { kpis, funnels } = await setup();
    const text = reportTable(await buildReport({ kpis: kpiSourceOf({ store: kpis }), funnels }, { from: '2026-03', to: '2026-04', ...BERLIN }));
    expect(text).toMatch(/^2026-03\s+4\s+1\s+25\.0\s+0\s+0\s+-\s+2\s+1\/0\/1\s+0\.0\s+5\s+123\.45\s+4\s+4$/m);
    expect(text).toMatch(/^newsletter\s+15\s+14\s+1\s+1\s+3\s+2\s+-\s+-$/m);
  });
});

describe('report: weekly function', () => {
  it('covers the twelve months up to yesterday in the report\'s zone', () => {
    expect(weeklyPeriod(new Date('2026-03-02T05:00:00Z'), 'Europe/Berlin')).toEqual({ from: '2025-04-01', to: '2026-03-01' });
    expect(weeklyPeriod(new Date('2026-03-01T23:30:00Z'), 'Europe/Berlin')).toEqual({ from: '2025-04-01', to: '2026-03-01' });
  });

  it('stores JSON and HTML under the last day and mails a summary with the link', async () => {
    const { kpis, funnels } = await setup();
    const objects = createMemoryReportObjects();
    const mailer = new OutboxMailer();
    const handler = createReportHandler(
      { kpis: kpiSourceOf({ store: kpis }), funnels, objects, timeZone: 'Europe/Berlin', activeDays: 365, lang: 'de', mail: { mailer, from: 'news@shop.example', to: 'marketing@shop.example' } },
      { logger: new Logger({ serviceName: 'report', logLevel: 'SILENT' }) },
    );
    const result = await handler({ scheduledTime: '2026-05-04T04:00:00Z' });
    expect(result).toEqual({ from: '2025-06-01', to: '2026-05-03', jsonKey: 'reports/2026-05-03/report.json', htmlKey: 'reports/2026-05-03/report.html', mailed: true });
    expect(JSON.parse(objects.objects.get(result.jsonKey)!.body).months).toHaveLength(12);
    expect(objects.objects.get(result.htmlKey)!.contentType).toBe('text/html; charset=utf-8');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'marketing@shop.example', subject: 'Stammkunden-Bericht: 2026-05-03' });
    expect(mailer.sent[0]!.text).toContain('memory://reports/reports/2026-05-03/report.html');
  });

  it('rejects an event whose scheduledTime is not a time', async () => {
    const handler = createReportHandler({ kpis: kpiSourceOf({ store: createMemoryKpiStore() }), funnels: (await setup()).funnels, objects: createMemoryReportObjects(), timeZone: 'UTC', activeDays: 365, lang: 'en' }, { logger: new Logger({ serviceName: 'report', logLevel: 'SILENT' }) });
    await expect(handler({ scheduledTime: 'monday' })).rejects.toThrow(/scheduledTime/);
  });
});
