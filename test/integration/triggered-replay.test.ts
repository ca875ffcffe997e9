// End to end on the embedded runtime (memory twins, simulated clock): a first order, delivered
// twice by the bus, produces exactly one welcome mail, three days after the order.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayOk } from '#test/fixtures/replay';

let dir: string;

const envelope = (id: string, type: string, time: string, detail: unknown) => JSON.stringify({ id, source: 'shop', 'detail-type': type, time, detail });
const order = (id: string, orderId: string, placedAt: string) =>
  envelope(id, 'OrderPlaced', placedAt, { customerId: 'c-1', orderId, placedAt, totalCents: 3000, currency: 'EUR', items: [{ sku: 'k1', name: 'Espresso', quantity: 1, priceCents: 3000 }] });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stammkunde-triggered-'));
  await mkdir(join(dir, 'campaigns'));
  await copyFile('campaigns/welcome-first-order.json', join(dir, 'campaigns', 'welcome-first-order.json'));
  await copyFile('campaigns/order-thank-you-nps.json', join(dir, 'campaigns', 'order-thank-you-nps.json'));
  await copyFile('campaigns/winback-120-days.json', join(dir, 'campaigns', 'winback-120-days.json'));
  const lines = [
    envelope('reg-1', 'CustomerRegistered', '2025-01-02T08:00:00Z', {
      customerId: 'c-1', email: 'jana@example.com', firstName: 'Jana', formality: 'informal', locale: 'de-DE', timeZone: 'Europe/Berlin',
      consent: { marketing: true, at: '2025-01-02T08:00:00Z', source: 'checkout' },
    }),
    order('ord-evt-1', 'o-1', '2025-01-05T10:00:00Z'),
    // The bus delivers the same event again (same id), and a second order follows.
    order('ord-evt-1', 'o-1', '2025-01-05T10:00:00Z'),
    order('ord-evt-2', 'o-2', '2025-01-06T11:00:00Z'),
    // The first order goes back in full: its thank-you/NPS request 14 days later is dropped.
    envelope('ref-1', 'OrderRefunded', '2025-01-09T09:00:00Z', { customerId: 'c-1', orderId: 'o-1', refundId: 'r-1', refundedAt: '2025-01-09T09:00:00Z', amountCents: 3000 }),
  ];
  await writeFile(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('triggered campaigns on the embedded runtime', () => {
  it('sends exactly one welcome mail three days after the first order, though the event came twice', async () => {
    const result = await replayOk({ campaigns: join(dir, 'campaigns'), events: join(dir, 'events.jsonl'), from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-20T00:00:00Z') });
    const welcome = result.outbox.filter((l) => l.campaignId === 'welcome-first-order');
    expect(welcome.map((l) => [l.customerId, l.at, l.occurrenceId])).toEqual([['c-1', '2025-01-08T10:00:00.000Z', 'welcome-first-order:c-1:once']]);
    expect(result.skipped.map((s) => s.kind)).not.toContain('triggered');
  });

  it('drops the thank-you request of a refunded order at send time and sends the other order\'s', async () => {
    const result = await replayOk({ campaigns: join(dir, 'campaigns'), events: join(dir, 'events.jsonl'), from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-25T00:00:00Z') });
    const nps = result.outbox.filter((l) => l.campaignId === 'order-thank-you-nps');
    expect(nps.map((l) => [l.occurrenceId, l.at, l.subject])).toEqual([['order-thank-you-nps:c-1:o.o-2', '2025-01-20T11:00:00.000Z', 'Danke für deine Bestellung – wie zufrieden bist du?']]);
  });

  it("removes the first order's win-back check when the second order comes, and sends one win-back 120 days and 9 hours after the last", async () => {
    const options = { campaigns: join(dir, 'campaigns'), events: join(dir, 'events.jsonl'), from: new Date('2025-01-01T00:00:00Z') };
    let pending: string[] = [];
    await replayOk({ ...options, to: new Date('2025-03-01T00:00:00Z'), inspect: async (runtime) => void (pending = await runtime.delivery.dueDeliveryIdsOf('c-1')) });
    expect(pending.filter((id) => id.startsWith('winback-120-days'))).toEqual(['winback-120-days:c-1:w.o-2']);
    const result = await replayOk({ ...options, to: new Date('2025-06-01T00:00:00Z') });
    const winback = result.outbox.filter((l) => l.campaignId === 'winback-120-days');
    // o-2 on 6 January 11:00Z + 120 days + 9 hours: 6 May 20:00Z, 22:00 in Berlin, inside quiet hours: 08:00 local.
    expect(winback.map((l) => [l.occurrenceId, l.at])).toEqual([['winback-120-days:c-1:w.o-2', '2025-05-07T06:00:00.000Z']]);
  });
});
