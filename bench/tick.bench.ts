// Tick cost with the example campaigns published (newsletter, birthday, Easter, Advent): a tick
// on a minute when nothing is due, against the 00:00Z tick of a birthday peak (the date's
// birthdays read from the birthday index and turned into due deliveries by the audience worker).
// Counted in store calls (what DynamoDB bills) for 10,000 and 100,000 profiles: the quiet tick
// must not grow with the profiles. (The in-memory twin's birthday "index" filters in memory, so
// its wall time grows where DynamoDB's Query would not; the call count is the figure.)
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { preparePublish } from '../functions/compile/publish-set';
import { publishSet } from '#core/publish';
import { runTick, DEFAULT_TICK_CONFIG } from '#core/delivery/tick';
import { createAudienceWorker, DEFAULT_AUDIENCE_CONFIG } from '#core/delivery/audience';
import { compilePublishedAudience, profilePortsFrom } from '#core/delivery/seams';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import { aProfile } from '#test/fixtures/profile';

/** Counts every method call on an object (a store port). */
const counted = <T extends object>(target: T): { port: T; calls: () => number; reset: () => void } => {
  let calls = 0;
  const port = new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
  return { port, calls: () => calls, reset: () => (calls = 0) };
};

const PEAK_DAY = '06-11';

const measure = async (profiles: number): Promise<void> => {
  const customers = createMemoryStore();
  for (let i = 0; i < profiles; i++) {
    // 5 % share the peak day, the rest spread over the year (never on it).
    const peak = i % 20 === 0;
    const birthday = peak ? `--${PEAK_DAY}` : `--${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`;
    const profile = aProfile({
      customerId: `c${i}`,
      email: `c${i}@example.com`,
      timeZone: ['Europe/Berlin', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Tokyo'][i % 4]!,
      birthday: birthday === `--${PEAK_DAY}` || !birthday.endsWith(PEAK_DAY) ? birthday : '--01-01',
      consent: { status: 'confirmed', confirmedAt: '2026-01-01T00:00:00.000Z' },
    });
    await customers.applyAtomically(profile.customerId, 'seed', () => ({ profile, ownEvents: [] }));
  }
  const delivery = createMemoryDeliveryStore();
  const prepared = await preparePublish(['campaigns'], { templatesDir: 'templates', publishedAt: new Date('2026-01-01T00:00:00Z') });
  if (!prepared.ok) throw new Error(prepared.problems.join('\n'));
  await publishSet(delivery, prepared.set);

  const store = counted(delivery);
  const people = counted(profilePortsFrom(customers));
  const audienceQueue = new MemoryWorkQueue<AudienceShard>();
  const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
  const deps = { store: store.port, audienceQueue, sendQueue, config: DEFAULT_TICK_CONFIG };
  const audience = createAudienceWorker({ store: store.port, scanner: people.port, birthdays: people.port, sendQueue, audienceQueue, compileAudience: compilePublishedAudience, config: DEFAULT_AUDIENCE_CONFIG });

  const tickAt = async (label: string, iso: string) => {
    await delivery.advanceTickWatermark(new Date(Date.parse(iso) - 60_000));
    store.reset();
    people.reset();
    const started = performance.now();
    const result = await runTick(deps, new Date(iso));
    let due = 0;
    for (const { body } of audienceQueue.drain()) due += (await audience(body)).dueDeliveries ?? 0;
    const ms = performance.now() - started;
    console.log(
      `${profiles.toLocaleString('en')} profiles, ${label}: ${store.calls()} delivery-store calls, ${people.calls()} profile reads, ` +
        `${result.shardsQueued} audience messages, ${due} due deliveries, ${ms.toFixed(1)} ms`,
    );
  };
  await tickAt('quiet minute (nothing due)', '2026-06-03T13:37:00Z');
  // 2026-06-10T00:00Z prepares the birthdays of 11 June (UTC+14 reaches it at 10:00Z).
  await tickAt(`birthday peak (${PEAK_DAY})`, '2026-06-10T00:00:00Z');
};

export async function run(): Promise<void> {
  await measure(10_000);
  await measure(100_000);
}
