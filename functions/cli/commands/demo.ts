// `stammkunde demo` (what `npm start` runs): generates the deterministic demo shop, puts its events
// on the in-process bus, which routes them with the shared routes into the events queue, whose
// consumer is the real ingest handler writing to dynalite - the same code as on AWS. Time is
// simulated: the shop's year is fed day by day. Then it prints the profiles by tier.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { defaultLoyaltyConfig } from '#core/loyalty';
import type { Profile, Tier } from '#core/profile';
import { tiers } from '#core/profile';
import type { CustomerStore } from '#core/store';
import { busFromRoutes, sequentialIds, type PutEventsEntry } from '#local/bus';
import { generateDemoShop, toJsonLines, type DemoEvent, type DemoShopSummary } from '#local/demo-shop';
import { Queue, queueTarget, type QueueStats } from '#local/queue';
import { startLocalAws } from '#local/servers';
import { SimClock } from '#local/sim-clock';
import { createIngestHandler } from '../../ingest/handler';

export interface IngestDemoOptions {
  customers?: number;
  seed?: number;
  /** Ingest batches in flight at once. */
  concurrency?: number;
}

export interface ExampleCustomer {
  customerId: string;
  locale: string;
  orders: number;
  netSpendCents: number;
  points: number;
}

export interface IngestDemoResult {
  shop: DemoShopSummary;
  from: string;
  to: string;
  profiles: number;
  tiers: { tier: Tier; count: number; examples: ExampleCustomer[] }[];
  buyers: number;
  repeatBuyers: number;
  repeatPurchaseRate: number;
  queue: QueueStats;
  deadLettered: number;
  ingestSeconds: number;
}

/** All profiles, read as four parallel scan segments (as the audience step will). */
const readAllProfiles = async (store: CustomerStore, segments = 4): Promise<Profile[]> => {
  const shards = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const items: Profile[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.scanProfiles(segment, segments, { limit: 500, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return items;
    }),
  );
  return shards.flat().sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
};

/** The demo's events grouped by UTC day, in time order (the simulated clock steps per day). */
const byDay = (events: readonly DemoEvent[]): DemoEvent[][] => {
  const days: DemoEvent[][] = [];
  let current = '';
  for (const event of events) {
    const day = event.time.slice(0, 10);
    if (day !== current) {
      days.push([]);
      current = day;
    }
    days[days.length - 1]!.push(event);
  }
  return days;
};

const toEntry = (event: DemoEvent): PutEventsEntry => ({
  Source: event.source,
  DetailType: event['detail-type'],
  Detail: JSON.stringify(event.detail),
  Time: event.time,
});

const examplesOf = (profiles: Profile[]): ExampleCustomer[] => {
  const sorted = [...profiles].sort((a, b) => b.orders.netSpendCents - a.orders.netSpendCents || (a.customerId < b.customerId ? -1 : 1));
  const picks = sorted.length <= 3 ? sorted : [sorted[0]!, sorted[Math.floor(sorted.length / 2)]!, sorted[sorted.length - 1]!];
  return picks.map((p) => ({ customerId: p.customerId, locale: p.locale, orders: p.orders.count, netSpendCents: p.orders.netSpendCents, points: p.points }));
};

/** Generates the demo shop and runs its year through bus, queue and the real ingest handler. */
export const runIngestDemo = async (options: IngestDemoOptions = {}): Promise<IngestDemoResult> => {
  const shop = generateDemoShop({ ...(options.customers ? { customers: options.customers } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const aws = await startLocalAws('stammkunde-demo');
  const client = createDocumentClient({ endpoint: aws.dynamoEndpoint, region: 'local' });
  try {
    const store = createDynamoStore({ client, tableName: aws.tableName });
    const clock = new SimClock(shop.from);
    const deadLetters = new Queue({ name: 'stammkunde-events-dlq', clock });
    const events = new Queue({ name: 'stammkunde-events', clock, visibilityTimeoutSeconds: 30, deadLetter: { queue: deadLetters, maxReceiveCount: 3 } });
    const bus = busFromRoutes('shop', { clock, ids: sequentialIds(`demo-bus:${shop.seed}`) });
    bus.connect('ingest', queueTarget(events));
    // Only warnings: a line per applied event would drown the report.
    const logger = new Logger({ serviceName: 'ingest', logLevel: 'WARN' });
    events.setConsumer(createIngestHandler({ store, loyalty: defaultLoyaltyConfig, clock, logger }), {
      batchSize: 10,
      concurrency: options.concurrency ?? 4,
      functionName: 'ingest',
    });

    const started = performance.now();
    for (const day of byDay(shop.events)) {
      const first = Date.parse(day[0]!.time);
      if (first > clock.now().getTime()) await clock.advanceTo(first);
      for (let i = 0; i < day.length; i += 10) {
        const result = await bus.putEvents(day.slice(i, i + 10).map(toEntry));
        if (result.FailedEntryCount > 0) throw new Error(`demo: PutEvents rejected ${result.FailedEntryCount} entries`);
      }
      await events.drain();
    }
    const ingestSeconds = (performance.now() - started) / 1000;

    const profiles = await readAllProfiles(store);
    const buyers = profiles.filter((p) => p.orders.count > 0).length;
    const repeatBuyers = profiles.filter((p) => p.orders.count > 1).length;
    return {
      shop: shop.summary,
      from: shop.from,
      to: shop.to,
      profiles: profiles.length,
      tiers: tiers.map((tier) => {
        const inTier = profiles.filter((p) => p.tier === tier);
        return { tier, count: inTier.length, examples: examplesOf(inTier) };
      }),
      buyers,
      repeatBuyers,
      repeatPurchaseRate: buyers === 0 ? 0 : repeatBuyers / buyers,
      queue: { ...events.stats },
      deadLettered: deadLetters.size,
      ingestSeconds,
    };
  } finally {
    client.destroy();
    await aws.stop();
  }
};

const euro = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' });
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The report `npm start` prints (customer ids only, never names or addresses). */
export const formatIngestDemo = (result: IngestDemoResult): string => {
  const lines: string[] = [];
  const s = result.shop;
  lines.push(`Stammkunde demo shop: ${s.customers} customers, ${s.events} events from ${result.from.slice(0, 10)} to ${result.to.slice(0, 10)}`);
  lines.push(`  ${Object.entries(s.byType).map(([type, n]) => `${type} ${n}`).join(', ')}`);
  lines.push(
    `Ingested through bus -> queue -> ingest handler -> DynamoDB (dynalite) in ${result.ingestSeconds.toFixed(1)} s: ` +
      `${result.queue.invocations} invocations, ${result.queue.deleted} messages, ${result.queue.failedItems + result.queue.failedBatches} retried, ${result.deadLettered} dead-lettered`,
  );
  lines.push('');
  lines.push(`Profiles by tier (${result.profiles} profiles; silver from ${euro.format(200)}, gold from ${euro.format(1000)} net spend in 12 months)`);
  for (const tier of result.tiers) {
    lines.push(`  ${tier.tier.padEnd(6)} ${String(tier.count).padStart(6)}  ${percent(result.profiles ? tier.count / result.profiles : 0).padStart(6)}`);
    for (const e of tier.examples) {
      lines.push(`           ${e.customerId}  ${e.locale.padEnd(5)}  ${String(e.orders).padStart(2)} orders  ${euro.format(e.netSpendCents / 100).padStart(10)} net  ${String(e.points).padStart(5)} points`);
    }
  }
  lines.push('');
  lines.push(`Repeat-purchase rate: ${percent(result.repeatPurchaseRate)} (${result.repeatBuyers} of ${result.buyers} buyers ordered more than once)`);
  return lines.join('\n');
};

const positiveInt = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
};

export const register = (program: Command): void => {
  program
    .command('demo')
    .description('generate the demo shop, ingest its year of events on the embedded runtime and print the profiles by tier')
    .option('--customers <n>', 'number of customers', positiveInt('customers'), 1000)
    .option('--seed <n>', 'seed of the demo shop', positiveInt('seed'))
    .option('--events-out <file>', 'also write the generated events as JSON lines (input for replay)')
    .action(async (opts: { customers: number; seed?: number; eventsOut?: string }) => {
      if (opts.eventsOut) {
        const shop = generateDemoShop({ customers: opts.customers, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
        await writeFile(opts.eventsOut, toJsonLines(shop.events));
        console.log(`wrote ${shop.events.length} events to ${opts.eventsOut}`);
      }
      const result = await runIngestDemo({ customers: opts.customers, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
      console.log(formatIngestDemo(result));
    });
};
