// The demo's simulated customer responses (functions/local/responses.ts): clicks through the real
// track app, orders after a click, and orders with the mailed coupon codes (some after expiry).
// They appear in the demo and not in a plain replay of the same events, and two demo runs give the
// same bytes.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '#cli/commands/demo';
import type { Report } from '#core/report';
import { runtimeReport } from '#local/report';
import { runReplay, type OutboxLine, type ReplayResult } from '#local/replay';

const dirs: string[] = [];
let demo: DemoResult;
let again: DemoResult;
let report: Report;
let outbox: OutboxLine[];
let plain: Extract<ReplayResult, { ok: true }>;
let plainReport: Report | undefined;

const demoIn = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stammkunde-demo-responses-'));
  dirs.push(dir);
  return { dir, result: await runDemo({ customers: 150, seed: 11, outDir: dir }) };
};

beforeAll(async () => {
  const first = await demoIn();
  demo = first.result;
  report = JSON.parse(await readFile(join(first.dir, 'report.json'), 'utf8')) as Report;
  outbox = (await readFile(join(first.dir, 'outbox.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as OutboxLine);
  again = (await demoIn()).result;
  const replayed = await runReplay({
    campaigns: 'campaigns',
    events: join(first.dir, 'events.jsonl'),
    from: new Date('2025-01-01T00:00:00Z'),
    to: new Date('2026-01-01T00:00:00Z'),
    inspect: async (runtime) => {
      plainReport = await runtimeReport(runtime, { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') });
    },
  });
  if (!replayed.ok) throw new Error(replayed.problems.join('\n'));
  plain = replayed;
}, 240_000);

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const sum = (r: Report, field: 'clicked' | 'conversions' | 'revenueCents') => r.campaigns.reduce((s, c) => s + (c[field] ?? 0), 0);

describe('demo: simulated customer responses', () => {
  it('records clicks through the track app and attributes orders and revenue to campaigns', () => {
    expect(sum(report, 'clicked')).toBeGreaterThan(0);
    expect(sum(report, 'conversions')).toBeGreaterThan(0);
    expect(sum(report, 'revenueCents')).toBeGreaterThan(0);
    // A campaign without a coupon converts only through the last click.
    const newsletter = report.campaigns.find((c) => c.campaignId === 'newsletter-monthly')!;
    expect(newsletter.clicked).toBeGreaterThan(0);
    expect(newsletter.conversions).toBeGreaterThan(0);
    expect(demo.report).toMatch(/simulated responses \(demo only\): [1-9]\d* clicks, [1-9]\d* orders after a click, [1-9]\d* orders with a mailed coupon \([1-9]\d* after it expired\)/);
  });

  it('redeems mailed coupons and refuses the ones used after expiry, with the revenue on the coupon campaign', () => {
    expect(demo.report).toMatch(/ {2}winback-discount: redeemed [1-9]\d*, revenue [1-9][\d.]*; refused: alreadyRedeemed 0, expired \d+, otherCustomer 0, unknown 0/);
    const expired = [...demo.report.matchAll(/^ {2}[\w-]+: redeemed \d+, revenue [\d.]+; refused: alreadyRedeemed \d+, expired (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
    expect(expired).toBeGreaterThan(0);
    const discount = report.campaigns.find((c) => c.campaignId === 'winback-discount')!;
    expect(discount.conversions).toBeGreaterThan(0);
    expect(discount.revenueCents).toBeGreaterThan(0);
    expect(outbox.some((l) => l.couponCode !== undefined)).toBe(true);
  });

  it('is absent from a plain replay of the same events: no clicks, no redemptions, no simulated orders', () => {
    expect(plain.responses).toBeUndefined();
    expect(plainReport).toBeDefined();
    expect(sum(plainReport!, 'clicked')).toBe(0);
    expect(plain.coupons.every((s) => s.redeemed === 0 && (s.refused.expired ?? 0) === 0)).toBe(true);
    expect(plain.events.fed).toBeLessThan(Number(/replayed (\d+) events/.exec(demo.report)![1]));
  });

  it('gives the same outbox, report and summary on a second run', async () => {
    expect(again.mails).toBe(demo.mails);
    const [a, b] = await Promise.all(dirs.slice(0, 2).map((d) => Promise.all([readFile(join(d, 'outbox.jsonl'), 'utf8'), readFile(join(d, 'report.json'), 'utf8')])));
    expect(b![0]).toBe(a![0]);
    expect(b![1]).toBe(a![1]);
    const strip = (s: string) => s.replace(/ in [\d.]+ s/g, '').replace(/demo finished in [\d.]+ s/, '').replaceAll(dirs[1]!, dirs[0]!);
    expect(strip(again.report)).toBe(strip(demo.report));
  });
});
