// Replay on the embedded runtime: determinism, bad input lines, skipped kinds, invalid campaigns,
// and the end-to-end newsletter on dynalite + aws-ses-v2-local (byte-identical to the in-memory
// twins). Small seeded demo shops keep each replay to a few seconds.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoShop, toJsonLines } from '#local/demo-shop';
import { runReplay } from '#local/replay';
import { startLocalAws, type LocalAws } from '#local/servers';
import { demoShopFiles, replayOk, type Done } from '#test/fixtures/replay';

const shop = generateDemoShop({ customers: 40, seed: 7 });
const files = demoShopFiles(shop, 'stammkunde-replay-');
const from = new Date(shop.from);
// Three monthly newsletters: Jan 1 (nobody registered yet), Feb 1 and Mar 1 (09:00 Berlin).
const to = new Date('2025-03-15T00:00:00Z');

const replay = (overrides: Partial<Parameters<typeof runReplay>[0]> = {}): Promise<Done> => replayOk({ campaigns: 'campaigns', events: files.events, from, to, ...overrides });

describe('replay: determinism', () => {
  it('writes the same bytes when the same inputs are replayed twice', async () => {
    const first = await replay();
    const second = await replay();
    expect(first.outbox.length).toBeGreaterThan(10);
    expect(second.outboxText).toBe(first.outboxText);
  });

  it('streams the outbox file byte for byte as outboxText, one JSON line per mail', async () => {
    const result = await replay();
    const file = join(files.dir, 'outbox.jsonl');
    await result.writeOutbox(file);
    const written = await readFile(file, 'utf8');
    expect(written).toBe(result.outboxText);
    expect(result.mails).toBe(result.outbox.length);
    expect(written.split('\n').slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual(result.outbox);
  });

  it('sorts the outbox by time, then campaign, then customer', async () => {
    const { outbox } = await replay();
    const keys = outbox.map((l) => `${l.at}|${l.campaignId}|${l.occurrenceId}|${l.customerId}`);
    expect(keys).toEqual([...keys].sort());
    const newsletters = outbox.filter((l) => l.campaignId === 'newsletter-monthly');
    expect(new Set(newsletters.map((l) => l.occurrenceId))).toEqual(new Set(['newsletter-monthly:2025-02-01T08:00Z', 'newsletter-monthly:2025-03-01T08:00Z']));
  });
});

describe('replay: input', () => {
  it('reports bad lines with their number and reason, skips them and goes on', async () => {
    const good = toJsonLines(shop.events).trimEnd().split('\n');
    const lines = [
      good[0]!,
      '{"id": "broken", ',
      JSON.stringify({ id: 'x1', source: 'shop', 'detail-type': 'OrderPlaced', time: '2025-01-05T10:00:00Z', detail: { customerId: 'c-1' } }),
      JSON.stringify({ id: 'x2', source: 'shop', 'detail-type': 'CouponPrinted', time: '2025-01-05T10:00:00Z', detail: {} }),
      JSON.stringify({ ...JSON.parse(good[1]!), id: 'x3', source: 'elsewhere' }),
      '',
      ...good.slice(1),
    ];
    const file = join(files.dir, 'bad-events.jsonl');
    await writeFile(file, lines.join('\n') + '\n');
    const result = await replay({ events: file });
    expect(result.badLines.map((b) => [b.line, b.file])).toEqual([
      [2, file],
      [3, file],
      [4, file],
      [5, file],
    ]);
    expect(result.badLines[0]!.reason).toMatch(/^not JSON/);
    expect(result.badLines[1]!.reason).toMatch(/detail\.orderId/);
    expect(result.badLines[2]!.reason).toContain('CouponPrinted');
    expect(result.badLines[3]!.reason).toContain('source');
    const inWindow = shop.events.filter((e) => Date.parse(e.time) <= to.getTime()).length;
    expect(result.events).toEqual({ read: shop.events.length + 4, fed: inWindow, afterWindow: shop.events.length - inWindow });
    expect(result.outboxText).toBe((await replay()).outboxText);
  });

  it('registers the customers of a customers file at --from', async () => {
    const file = join(files.dir, 'customers.jsonl');
    const detail = { customerId: 'walk-in-1', email: 'walk-in@example.com', locale: 'en-GB', timeZone: 'Europe/London', consent: { marketing: true, at: '2024-12-01T00:00:00Z', source: 'shop-till' } };
    await writeFile(file, `${JSON.stringify(detail)}\nnot json\n`);
    const result = await replay({ customers: file });
    expect(result.badLines).toEqual([{ file, line: 2, reason: expect.stringMatching(/^not JSON/) }]);
    expect(result.outbox.filter((l) => l.customerId === 'walk-in-1' && l.campaignId === 'newsletter-monthly').map((l) => l.occurrenceId)).toEqual([
      'newsletter-monthly:2025-01-01T08:00Z',
      'newsletter-monthly:2025-02-01T08:00Z',
      'newsletter-monthly:2025-03-01T08:00Z',
    ]);
  });
});

describe('replay: campaigns', () => {
  it('delivers every campaign kind of the examples, referral included, and skips none', async () => {
    const result = await replay();
    expect(result.skipped).toEqual([]);
    expect(result.campaigns.map((c) => c.campaignId)).toEqual([
      'birthday', 'christmas-advent', 'coupon-expiring-reminder', 'easter', 'gold-tier', 'newsletter-monthly', 'order-thank-you-nps', 'referral-friends', 'spring-roast-ab', 'welcome-first-order', 'winback-120-days', 'winback-discount',
    ]);
  });

  it('counts occurrences, recipients and sent mails per campaign', async () => {
    const result = await replay();
    const report = result.campaigns.find((c) => c.campaignId === 'newsletter-monthly');
    const newsletterMails = result.outbox.filter((l) => l.campaignId === 'newsletter-monthly').length;
    expect(report).toMatchObject({ campaignId: 'newsletter-monthly', occurrences: 3, sent: newsletterMails, capped: 0, failed: 0 });
    expect(report!.recipients).toBe(report!.sent + report!.suppressed);
  });

  it('rejects invalid campaigns with the lines validate prints', async () => {
    const bad = join(files.dir, 'bad-campaigns');
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, 'news.json'), JSON.stringify({ kind: 'newsletter', id: 'news', status: 'active' }));
    const result = await runReplay({ campaigns: bad, events: files.events, from, to });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.length).toBeGreaterThan(0);
    expect(result.problems.every((line) => line.startsWith(`${join(bad, 'news.json')}: `))).toBe(true);
  });
});

describe('replay: end to end on dynalite and aws-ses-v2-local', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws('stammkunde-replay-test');
    await fetch(`${aws.sesEndpoint}/clear-store`, { method: 'POST' });
  }, 30_000);
  afterAll(async () => {
    await aws?.stop();
  });

  it('sends the newsletter to the demo shop with one-click unsubscribe headers, as the in-memory twins do', async () => {
    // The newsletter alone: triggered follow-ups tick at each due minute, and each tick reads up
    // to a day of due-delivery buckets, too slow on dynalite for a unit of this size.
    const campaigns = join(files.dir, 'newsletter-only');
    await mkdir(join(campaigns, 'segments'), { recursive: true });
    await copyFile('campaigns/newsletter-monthly.json', join(campaigns, 'newsletter-monthly.json'));
    await copyFile('campaigns/segments/newsletter-readers.json', join(campaigns, 'segments', 'newsletter-readers.json'));
    const onAws = await replay({ backend: 'local-aws', aws, campaigns });
    expect(onAws.outbox.length).toBeGreaterThan(10);
    for (const line of onAws.outbox) {
      expect(line.headers['List-Unsubscribe']).toMatch(/^<https:\/\/kaffee-morgenrot\.example\/stammkunde\/u\/[\w.-]+>$/);
      expect(line.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(line.text).toContain(line.headers['List-Unsubscribe']!.slice(1, -1));
    }
    const { emails } = (await (await fetch(`${aws.sesEndpoint}/store`)).json()) as { emails: { destination: { to: string[] } }[] };
    expect(emails.map((e) => e.destination.to[0]).sort()).toEqual(onAws.outbox.map((l) => l.to).sort());
    expect(onAws.outboxText).toBe((await replay({ campaigns })).outboxText);
  }, 120_000);
});
