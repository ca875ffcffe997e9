// Issue 11 (seasonal): a replay of Easter 2027 and the birthday campaign for customers around the
// world. Each gets the Easter mail at 09:00 on their own Easter morning (Kiritimati a day before
// Los Angeles; Berlin on the night clocks go forward), an invalid or missing zone falls back to the
// shop's (Europe/Berlin) instead of dropping the customer, 29 February birthdays come on
// 28 February in 2027, and nobody gets a second mail however often tick runs again.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayOptions } from '#local/replay';
import { replayOk, type Done } from '#test/fixtures/replay';
import type { SimClock } from '#local/sim-clock';

let dir: string;
let campaigns: string;
let customers: string;
let events: string;

const person = (customerId: string, timeZone: string | undefined, birthday?: string) => ({
  customerId,
  email: `${customerId}@example.com`,
  locale: 'de-DE',
  ...(timeZone ? { timeZone } : {}),
  ...(birthday ? { birthday } : {}),
  consent: { marketing: true, at: '2026-12-01T00:00:00Z', source: 'checkout' },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stammkunde-replay-seasonal-'));
  campaigns = join(dir, 'campaigns');
  await mkdir(join(campaigns, 'segments'), { recursive: true });
  for (const file of ['easter.json', 'birthday.json', 'segments/newsletter-readers.json']) {
    const json = JSON.parse(await readFile(join('campaigns', file), 'utf8')) as Record<string, unknown>;
    delete json.$schema;
    await writeFile(join(campaigns, file), JSON.stringify(json));
  }
  customers = join(dir, 'customers.jsonl');
  const people = [
    person('kiritimati', 'Pacific/Kiritimati'),
    person('los-angeles', 'America/Los_Angeles'),
    person('berlin', 'Europe/Berlin', '1990-03-28'),
    person('mars', 'Mars/Olympus'),
    person('nowhere', undefined),
    person('leap', 'Europe/Berlin', '2000-02-29'),
  ];
  await writeFile(customers, people.map((p) => JSON.stringify(p)).join('\n') + '\n');
  events = join(dir, 'events.jsonl');
  await writeFile(events, '');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const replay = (inspect?: ReplayOptions['inspect']): Promise<Done> =>
  replayOk({ campaigns, events, customers, from: new Date('2027-01-01T00:00:00Z'), to: new Date('2027-04-05T00:00:00Z'), ...(inspect ? { inspect } : {}) });

let first: Done;
beforeAll(async () => {
  first = await replay();
}, 60_000);

const sendsOf = (result: Done, campaignId: string) =>
  Object.fromEntries(result.outbox.filter((l) => l.campaignId === campaignId).map((l) => [l.customerId, l.at]));

describe('seasonal replay: Easter 2027 at each recipient’s local 09:00', () => {
  it('sends Kiritimati its Easter mail on its own Easter morning, a day before Los Angeles, and Berlin after clocks went forward', () => {
    const easter = sendsOf(first, 'easter');
    expect(easter.kiritimati).toBe('2027-03-27T19:00:00.000Z');
    expect(easter['los-angeles']).toBe('2027-03-28T16:00:00.000Z');
    // 28 March 2027 is also the night Europe/Berlin goes from CET to CEST: 09:00 CEST is 07:00Z.
    expect(easter.berlin).toBe('2027-03-28T07:00:00.000Z');
  });

  it("sends customers with an invalid or missing time zone at 09:00 in the shop's zone instead of dropping them", () => {
    const easter = sendsOf(first, 'easter');
    expect(easter.mars).toBe('2027-03-28T07:00:00.000Z');
    expect(easter.nowhere).toBe('2027-03-28T07:00:00.000Z');
  });

  it('uses one occurrence for the occasion-year and one mail per recipient', () => {
    const lines = first.outbox.filter((l) => l.campaignId === 'easter');
    expect(lines).toHaveLength(6);
    expect(new Set(lines.map((l) => l.occurrenceId))).toEqual(new Set(['easter:2027']));
    expect(new Set(lines.map((l) => l.customerId)).size).toBe(6);
  });

  it('sends a 29 February birthday on 28 February 2027 and a birthday at its local send time', () => {
    const birthdays = sendsOf(first, 'birthday');
    expect(birthdays).toEqual({ leap: '2027-02-28T07:00:00.000Z', berlin: '2027-03-28T06:00:00.000Z' });
    expect(first.outbox.find((l) => l.campaignId === 'birthday')?.occurrenceId).toBe('birthday:2027');
  });

  it('is deterministic: the same inputs give the same outbox bytes', async () => {
    expect((await replay()).outboxText).toBe(first.outboxText);
  });

  it('sends no second mail when ticks run again and the deliveries are put again (a crashed tick repeated)', async () => {
    const again = await replay(async (runtime) => {
      for (const customerId of ['kiritimati', 'los-angeles', 'berlin', 'mars', 'nowhere', 'leap']) {
        const at = new Date(runtime.clock.now().getTime() + 60_000).toISOString();
        await runtime.delivery.putDueDelivery({ deliveryId: `easter:2027#${customerId}`, dueAt: at, occurrenceId: 'easter:2027', campaignId: 'easter', customerId });
      }
      // A day of hourly ticks: at 00:00Z Berlin is in its quiet hours, so its repeats wait for 08:00.
      for (let i = 0; i < 25; i++) {
        await (runtime.clock as SimClock).advanceTo(runtime.clock.now().getTime() + 3_600_000);
        await runtime.tick();
        await runtime.settle();
      }
      const stats = (await runtime.delivery.getOccurrence('easter:2027'))?.stats;
      expect(stats?.alreadySent).toBe(6);
    });
    expect(again.outbox.filter((l) => l.campaignId === 'easter')).toHaveLength(6);
    expect(again.outboxText).toBe(first.outboxText);
  });
});
