// Done-when of issue 8 (the clock): a replay of a daily 02:30 Europe/Berlin newsletter across both
// 2026 daylight-saving days gives every recipient exactly one mail per local day. The replay ticks
// with tick's own dueTimes, so it does what AWS does: 29 March at 03:00 CEST (02:30 does not
// exist), 25 October once, at the first 02:30 (CEST). Three local days per window: the send
// path's frequency cap (3 mails per 7 days) would cap a fourth.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { replayOk, type Done } from '#test/fixtures/replay';

let dir: string;
let campaigns: string;
let customers: string;
let events: string;
const people = ['berlin-1', 'berlin-2', 'berlin-3'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stammkunde-replay-dst-'));
  campaigns = join(dir, 'campaigns');
  await mkdir(join(campaigns, 'segments'), { recursive: true });
  const newsletter = JSON.parse(await readFile('campaigns/newsletter-monthly.json', 'utf8')) as Record<string, unknown>;
  delete newsletter.$schema;
  await writeFile(
    join(campaigns, 'newsletter-night.json'),
    JSON.stringify({ ...newsletter, id: 'newsletter-night', schedule: { type: 'cron', cron: '30 2 * * *', timeZone: 'Europe/Berlin' } }),
  );
  const segment = JSON.parse(await readFile('campaigns/segments/newsletter-readers.json', 'utf8')) as Record<string, unknown>;
  delete segment.$schema;
  await writeFile(join(campaigns, 'segments', 'newsletter-readers.json'), JSON.stringify(segment));
  customers = join(dir, 'customers.jsonl');
  await writeFile(
    customers,
    people
      .map((customerId) =>
        JSON.stringify({ customerId, email: `${customerId}@example.com`, locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: '2026-01-01T00:00:00Z', source: 'checkout' } }),
      )
      .join('\n') + '\n',
  );
  events = join(dir, 'events.jsonl');
  await writeFile(events, '');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const replay = (from: string, to: string): Promise<Done> => replayOk({ campaigns, events, customers, from: new Date(from), to: new Date(to) });

/** customerId -> Berlin local day -> mails that day. */
const mailsPerLocalDay = (result: Done): Map<string, Map<string, number>> => {
  const perCustomer = new Map<string, Map<string, number>>();
  for (const line of result.outbox) {
    const day = DateTime.fromISO(line.at, { zone: 'Europe/Berlin' }).toISODate()!;
    const days = perCustomer.get(line.customerId) ?? new Map<string, number>();
    days.set(day, (days.get(day) ?? 0) + 1);
    perCustomer.set(line.customerId, days);
  }
  return perCustomer;
};

describe('replay across the 2026 daylight-saving days (daily 02:30 Europe/Berlin)', () => {
  it.each([
    {
      night: 'around 29 March, that day at 03:00 CEST',
      from: '2026-03-27T12:00:00Z',
      to: '2026-03-30T12:00:00Z',
      days: ['2026-03-28', '2026-03-29', '2026-03-30'],
      occurrences: ['2026-03-28T01:30Z', '2026-03-29T01:00Z', '2026-03-30T00:30Z'],
    },
    {
      night: 'around 25 October, that day at the first 02:30 (CEST)',
      from: '2026-10-23T12:00:00Z',
      to: '2026-10-26T12:00:00Z',
      days: ['2026-10-24', '2026-10-25', '2026-10-26'],
      occurrences: ['2026-10-24T00:30Z', '2026-10-25T00:30Z', '2026-10-26T01:30Z'],
    },
  ])('sends every recipient one mail per local day $night', async ({ from, to, days, occurrences }) => {
    const result = await replay(from, to);
    const perCustomer = mailsPerLocalDay(result);
    expect([...perCustomer.keys()].sort()).toEqual(people);
    for (const customerId of people) expect(Object.fromEntries(perCustomer.get(customerId)!)).toEqual(Object.fromEntries(days.map((d) => [d, 1])));
    expect([...new Set(result.outbox.map((l) => l.occurrenceId))].sort()).toEqual(occurrences.map((o) => `newsletter-night:${o}`));
    expect(result.campaigns).toEqual([expect.objectContaining({ campaignId: 'newsletter-night', occurrences: 3, sent: 9 })]);
  });
});
