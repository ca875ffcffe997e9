// A replay split over worker threads (functions/local/replay-shards.ts) against the same replay on
// one runtime: the demo shop's year with every example campaign and the demo's simulated
// responses (clicks, orders, coupon redemptions, referrals), so friends and referrers, coupons
// and triggered follow-ups all cross the split if anything can.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateDemoShop, toJsonLines } from '#local/demo-shop';
import { runReplay } from '#local/replay';
import { DEMO_RESPONSES } from '#local/responses';
import { demoShopFiles, replayOk, type Done } from '#test/fixtures/replay';

const shop = generateDemoShop({ customers: 160, seed: 11 });
const files = demoShopFiles(shop, 'stammkunde-replay-workers-');

const replay = (workers: number): Promise<Done> =>
  replayOk({ campaigns: 'campaigns', events: files.events, from: new Date(shop.from), to: new Date(shop.to), respond: DEMO_RESPONSES, workers });

describe('replay on worker threads', () => {
  it('writes the same outbox bytes and the same counts on 1, 2 and 3 workers', async () => {
    const one = await replay(1);
    expect(one.workers).toBe(1);
    expect(one.mails).toBeGreaterThan(1000);
    // The year has what could cross a split: referral conversions, coupon orders, triggered mail.
    expect(one.referrals.conversions).toBeGreaterThan(0);
    expect(one.responses!.couponOrders).toBeGreaterThan(0);
    expect(one.campaigns.find((c) => c.campaignId === 'coupon-expiring-reminder')!.sent).toBeGreaterThan(0);
    for (const workers of [2, 3]) {
      const split = await replay(workers);
      expect(split.workers).toBe(workers);
      expect(split.outboxText).toBe(one.outboxText);
      expect(split.campaigns).toEqual(one.campaigns);
      expect(split.coupons).toEqual(one.coupons);
      expect(split.referrals).toEqual(one.referrals);
      expect(split.responses).toEqual(one.responses);
      expect(split.deadLettered).toEqual({ events: 0, audience: 0, send: 0 });
      const file = join(files.dir, `outbox-${workers}.jsonl`);
      await split.writeOutbox(file);
      expect(await readFile(file, 'utf8')).toBe(one.outboxText);
    }
  }, 120_000);

  it('shows one progress bar for all workers, up to every event and tick of both', async () => {
    const written: string[] = [];
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    stream.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const result = await runReplay({ campaigns: 'campaigns', events: files.events, from: new Date(shop.from), to: new Date(shop.to), workers: 2, progress: stream as unknown as NodeJS.WriteStream });
    expect(result.ok && result.workers).toBe(2);
    const shown = written.join('');
    expect(shown).toContain('replay [');
    expect(shown).toMatch(/100% \| (\d+)\/\1 events and ticks/);
  }, 60_000);

  it('stops the workers it started when there is nothing to split (one customer)', async () => {
    const first = (shop.events[0]!.detail as { customerId: string }).customerId;
    const one = shop.events.filter((e) => (e.detail as { customerId?: string }).customerId === first);
    const file = join(files.dir, 'one.jsonl');
    await writeFile(file, toJsonLines(one));
    const result = await runReplay({ campaigns: 'campaigns', events: file, from: new Date(shop.from), to: new Date(shop.to), workers: 2 });
    expect(result.ok && result.workers).toBe(1);
    expect(result.ok && result.mails).toBeGreaterThan(0);
  }, 60_000);

  it('runs on one runtime where a split cannot work: inspect of the runtime, local AWS servers', async () => {
    let inspected = 0;
    const result = await runReplay({ campaigns: 'campaigns', events: files.events, from: new Date(shop.from), to: new Date('2025-03-01T00:00:00Z'), workers: 2, inspect: async () => void inspected++ });
    expect(result.ok && result.workers).toBe(1);
    expect(inspected).toBe(1);
  }, 60_000);
});
