// Segment evaluations per second: a six-condition rule (tier, spend, last order window, language,
// category history, topic subscription) over 100,000 generated profiles. Goal: >= 2,000,000/s.
import { aProfile } from '#test/fixtures/profile';
import { compileRule } from '#core/segment';
import type { SegmentRule } from '#core/segment';
import type { Profile, Tier } from '#core/profile';

const rule: SegmentRule = {
  type: 'all',
  rules: [
    { type: 'tier', in: ['silver', 'gold'] },
    { type: 'number', field: 'orders.netSpendCents', op: 'gte', value: 5_000 },
    { type: 'time', field: 'orders.lastOrderAt', op: 'moreThanDaysAgo', days: 30 },
    { type: 'language', in: ['de'] },
    { type: 'orders', category: 'espresso' },
    { type: 'topic', topic: 'newsletter' },
  ],
};

const makeProfiles = (n: number, at: number): Profile[] => {
  const tiers: Tier[] = ['bronze', 'silver', 'gold'];
  const locales = ['de-DE', 'de-AT', 'en-GB', 'en-US'];
  const profiles: Profile[] = [];
  // A tiny LCG so the run is deterministic.
  let seed = 42;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  for (let i = 0; i < n; i++) {
    const last = new Date(at - Math.floor(rand() * 200) * 86_400_000).toISOString();
    profiles.push(aProfile({
      customerId: `c${i}`,
      email: `c${i}@example.com`,
      locale: locales[i % locales.length]!,
      consent: { status: rand() < 0.9 ? 'confirmed' : 'pending' },
      topics: rand() < 0.1 ? { newsletter: false } : {},
      orders: { count: 3, netSpendCents: Math.floor(rand() * 20_000), refundedCents: 0, averageOrderCents: 3_000, lastOrderAt: last, firstOrderAt: last },
      // Per-category counts of orders not fully refunded: what "ever bought in category X" reads.
      ...(rand() < 0.5 ? { categories: ['filter', 'espresso'], categoryOrders: { filter: 2, espresso: 1 } } : { categories: ['filter'], categoryOrders: { filter: 3 } }),
      points: 100,
      tier: tiers[i % 3]!,
      updatedAt: last,
    }));
  }
  return profiles;
};

export async function run(): Promise<void> {
  const at = Date.UTC(2026, 10, 23, 9, 0, 0);
  const profiles = makeProfiles(100_000, at);
  const predicate = compileRule(rule);
  let matched = 0;
  for (let r = 0; r < 3; r++) for (const p of profiles) if (predicate(p, at)) matched++; // warm-up
  const rounds = 20;
  matched = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < profiles.length; i++) if (predicate(profiles[i]!, at)) matched++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const heapAfter = process.memoryUsage().heapUsed;
  const evaluations = rounds * profiles.length;
  console.log(`six-condition rule: ${Math.round(evaluations / seconds).toLocaleString('en-US')} evaluations/s (${evaluations.toLocaleString('en-US')} in ${seconds.toFixed(3)} s, ${((matched / evaluations) * 100).toFixed(1)} % matched; goal >= 2,000,000/s)`);
  // An allocating predicate would show at least ~16 bytes per evaluation here (and GC pauses).
  console.log(`heap growth during the timed loop: ${((heapAfter - heapBefore) / evaluations).toFixed(2)} bytes/evaluation (${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB total, not proportional: JIT and background, not per profile)`);

  // Worst case: profiles that match, so all six conditions run every time.
  const matching = profiles.filter((p) => predicate(p, at));
  const worstRounds = Math.ceil(2_000_000 / Math.max(1, matching.length));
  let all = 0;
  const w0 = process.hrtime.bigint();
  for (let r = 0; r < worstRounds; r++) for (let i = 0; i < matching.length; i++) if (predicate(matching[i]!, at)) all++;
  const ws = Number(process.hrtime.bigint() - w0) / 1e9;
  console.log(`six-condition rule, every condition evaluated (matching profiles, scattered in the 100k heap): ${Math.round(all / ws).toLocaleString('en-US')} evaluations/s`);

  // The same profiles freshly loaded together, as the audience step gets them from one page.
  const page = matching.map((p) => structuredClone(p));
  for (const p of page) predicate(p, at);
  let inPage = 0;
  const p0 = process.hrtime.bigint();
  for (let r = 0; r < worstRounds; r++) for (let i = 0; i < page.length; i++) if (predicate(page[i]!, at)) inPage++;
  const ps = Number(process.hrtime.bigint() - p0) / 1e9;
  console.log(`six-condition rule, every condition evaluated (same profiles loaded together): ${Math.round(inPage / ps).toLocaleString('en-US')} evaluations/s`);

  const birthday = compileRule({ type: 'birthday', withinDays: 7 });
  const zones = ['Europe/Berlin', 'Pacific/Auckland', 'America/Los_Angeles', 'Asia/Kolkata'];
  const withBirthdays = profiles.map((p, i) => ({ ...p, timeZone: zones[i % zones.length]!, birthday: `--${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}` }));
  for (const p of withBirthdays) birthday(p, at);
  const t0 = process.hrtime.bigint();
  let hits = 0;
  for (let r = 0; r < 10; r++) for (const p of withBirthdays) if (birthday(p, at)) hits++;
  const s2 = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`birthday within 7 days (4 time zones): ${Math.round((10 * withBirthdays.length) / s2).toLocaleString('en-US')} evaluations/s (${hits} hits)`);
}
