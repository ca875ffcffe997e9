// The demo `npm start` runs, on a small seeded shop: it writes the events, the outbox, the index
// page with one row per mail, and compressed mail pages the viewer can inflate.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAILS_PER_CHUNK, runDemo, type DemoResult } from '#cli/commands/demo';
import type { OutboxLine } from '#local/replay';

let dir: string;
let result: DemoResult;
let outbox: OutboxLine[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stammkunde-demo-'));
  result = await runDemo({ customers: 120, seed: 5, outDir: dir });
  outbox = (await readFile(join(dir, 'outbox.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as OutboxLine);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('demo', () => {
  it('sends the monthly newsletter over the year and reports it', () => {
    expect(result.mails).toBe(outbox.length);
    // Twelve occurrences; on 1 January nobody has registered yet, so mails come from eleven.
    expect(new Set(outbox.filter((l) => l.campaignId === 'newsletter-monthly').map((l) => l.occurrenceId)).size).toBe(11);
    expect(result.report).toMatch(/newsletter-monthly\s+newsletter\s+12\s+\d+\s+\d+/);
    expect(result.report).not.toContain('skipped');
  });

  it('sends referral invitations with the current reward and prints conversions and rejections by reason', () => {
    const invitations = outbox.filter((l) => l.campaignId === 'referral-friends');
    expect(invitations.length).toBeGreaterThan(0);
    expect(invitations.every((l) => l.rewardId !== undefined && /\/r\/[2-9A-HJKMNP-Z]{8}\b/.test(l.text))).toBe(true);
    // Quarterly: 15 January, April, July and October.
    expect(result.report).toMatch(/referral-friends\s+referral\s+4\s+\d+/);
    expect(new Set(invitations.map((l) => /:\d{4}-(\d\d-\d\d)T/.exec(l.occurrenceId)?.[1]))).toEqual(new Set(['01-15', '04-15', '07-15', '10-15']));
    expect(result.report).toMatch(/referrals: [1-9]\d* invitations, \d+ conversions, \d+ rewards issued, \d+ revoked; rejected: .*selfReferral \d+/);
    expect(result.report).toMatch(/rejected: .*alreadyCustomer \d+/);
  });

  it('sends birthday, Easter and Advent greetings, one per recipient and occasion-year, with a summary row each', () => {
    for (const [campaignId, occurrenceId] of [['easter', 'easter:2025'], ['christmas-advent', 'christmas-advent:2025']] as const) {
      const lines = outbox.filter((l) => l.campaignId === campaignId);
      expect(lines.length).toBeGreaterThan(0);
      expect(new Set(lines.map((l) => l.occurrenceId))).toEqual(new Set([occurrenceId]));
      expect(new Set(lines.map((l) => l.customerId)).size).toBe(lines.length);
      expect(result.report).toMatch(new RegExp(`${campaignId}\\s+seasonal\\s+1\\s+\\d+`));
    }
    const birthdays = outbox.filter((l) => l.campaignId === 'birthday');
    expect(birthdays.length).toBeGreaterThan(0);
    expect(new Set(birthdays.map((l) => `${l.occurrenceId}|${l.customerId}`)).size).toBe(birthdays.length);
    expect(result.report).toMatch(/birthday\s+seasonal\s+\d+\s+\d+/);
    expect(result.report).toContain('Profiles by tier (120 profiles)');
  });

  it('sends welcome, thank-you and win-back follow-ups, each with a row in the report', () => {
    const by = (id: string) => outbox.filter((l) => l.campaignId === id).length;
    for (const id of ['welcome-first-order', 'order-thank-you-nps', 'winback-120-days']) {
      expect(by(id)).toBeGreaterThan(0);
      expect(result.report).toMatch(new RegExp(`${id}\\s+triggered\\s+\\d+\\s+${by(id)}\\s+${by(id)}`));
    }
  });

  it('sends the monthly win-back discount and coupons on birthday, win-back and gold-tier mails, each code issued once and reminded of at most once', () => {
    const discount = outbox.filter((l) => l.campaignId === 'winback-discount');
    expect(discount.length).toBeGreaterThan(0);
    // Monthly on the 8th: twelve occurrences, never one a week.
    expect(result.report).toMatch(/winback-discount\s+discount\s+12\s+\d+/);
    expect(new Set(discount.map((l) => /:\d{4}-\d\d-(\d\d)T/.exec(l.occurrenceId)?.[1]))).toEqual(new Set(['08']));
    for (const id of ['winback-discount', 'birthday', 'winback-120-days']) {
      const lines = outbox.filter((l) => l.campaignId === id);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line.couponCode).toMatch(/^[A-Z]+-[2-9A-HJKMNP-Z]{8}$/);
        expect(line.text).toContain(line.couponCode);
      }
    }
    const reminder = (l: (typeof outbox)[number]) => l.campaignId === 'coupon-expiring-reminder';
    const codes = outbox.flatMap((l) => (l.couponCode && !reminder(l) ? [l.couponCode] : []));
    expect(new Set(codes).size).toBe(codes.length);
    // coupon-expiring-reminder shows a code mailed before to the same customer, once per code.
    const reminders = outbox.filter(reminder);
    expect(reminders.length).toBeGreaterThan(0);
    expect(new Set(reminders.map((l) => l.couponCode)).size).toBe(reminders.length);
    for (const line of reminders) {
      const first = outbox.find((l) => !reminder(l) && l.couponCode === line.couponCode);
      expect(first).toMatchObject({ customerId: line.customerId });
      expect(line.text).toContain(line.couponCode);
    }
    expect(outbox.filter((l) => l.campaignId === 'newsletter-monthly').every((l) => l.couponCode === undefined)).toBe(true);
    // The demo's simulated customers redeem some mailed codes (demo-responses.test.ts); the demo
    // shop's own orders use the shop's own codes (WELCOME10, ...): redemption counts them as unknown.
    expect(result.report).toMatch(/coupons:\n(?: {2}.*\n)* {2}winback-discount: redeemed \d+, revenue [\d.]+; refused: alreadyRedeemed 0, expired \d+, otherCustomer 0, unknown 0\n/);
    expect(result.report).toMatch(/ {2}\(unknown codes\): redeemed 0, revenue 0\.00; refused: alreadyRedeemed 0, expired 0, otherCustomer 0, unknown [1-9]\d*/);
  });

  it('lists every mail on the index page with a link to the viewer', async () => {
    const index = await readFile(join(dir, 'index.html'), 'utf8');
    expect(index.match(/<a href="view\.html\?n=\d+">/g)).toHaveLength(outbox.length);
    expect(index).toContain(`view.html?n=${outbox.length}"`);
    expect(index).not.toContain(outbox[0]!.to);
  });

  it('runs the spring A/B test: its variants are mailed, its holdout is not, and the report shows both with the lift', async () => {
    const mails = outbox.filter((l) => l.campaignId === 'spring-roast-ab');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { campaigns: { campaignId: string; variants?: { variantId: string; holdout: boolean; assigned: number; sent: number; lift?: { method: string } }[] }[] };
    const variants = report.campaigns.find((c) => c.campaignId === 'spring-roast-ab')!.variants!;
    expect(variants.map((v) => v.variantId)).toEqual(['news', 'story', 'holdout']);
    expect(variants[0]!.sent + variants[1]!.sent).toBe(mails.length);
    const holdout = variants[2]!;
    expect(holdout.sent).toBe(0);
    expect(holdout.assigned).toBeGreaterThan(0);
    expect(result.report).toMatch(new RegExp(`spring-roast-ab\\s+newsletter\\s+1\\s+\\d+\\s+${mails.length}\\s+\\d+\\s+\\d+\\s+\\d+\\s+${holdout.assigned}`));
    expect(variants[0]!.lift?.method).toBe('newcombe-hybrid-score');
  });

  it('stores each mail compressed in a chunk the viewer loads by number', async () => {
    const chunks = (await readdir(join(dir, 'mails'))).sort();
    expect(chunks).toHaveLength(Math.ceil(outbox.length / MAILS_PER_CHUNK));
    const script = await readFile(join(dir, 'mails', '0.js'), 'utf8');
    const match = /^stammkundeMails\(0, (\[.*\])\);\n$/s.exec(script);
    expect(match).not.toBeNull();
    const packed = JSON.parse(match![1]!) as string[];
    const first = gunzipSync(Buffer.from(packed[0]!, 'base64')).toString('utf8');
    expect(first).toMatch(/^<!doctype html>/i);
    expect(first).toContain(outbox[0]!.headers['List-Unsubscribe']!.slice(1, -1));
    expect(await readFile(join(dir, 'view.html'), 'utf8')).toContain("new DecompressionStream('gzip')");
  });
});
