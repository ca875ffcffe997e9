// `stammkunde demo` (what `npm start` runs): generates the deterministic demo shop (a year of a
// seeded 1,000-customer shop), writes it as events.jsonl, and replays the shipped campaigns/ over
// that year on the embedded runtime (functions/local/replay.ts: bus -> events queue -> ingest,
// tick -> audience -> send, simulated clock). Prints the shop, the profiles by tier and the
// replay summary, and writes out/demo/{events,outbox}.jsonl, index.html (every mail, linked)
// and the mails' HTML gzip-compressed in mails/<chunk>.js with a small viewer (view.html?n=<n>):
// a year of personal mails is ~35 KB of HTML each (200 MB as files), ~4 KB compressed; script
// tags load from file:// where fetch would not, and browsers inflate with DecompressionStream.
//
// `runIngestDemo` (`demo --ingest-only`) is the earlier ingest-only run against dynalite.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
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
import { formatReplaySummary, runReplay, type OutboxLine } from '#local/replay';
import type { Backend } from '#local/runtime';
import { DEMO_RESPONSES } from '#local/responses';
import { SimClock } from '#local/sim-clock';
import { createIngestHandler } from '../../ingest/handler';
import { DateTime } from 'luxon';
import type { Report } from '#core/report';
import { runtimeReport } from '#local/report';
import { funnelTable, kpiCards, REPORT_STYLE, reportHtml } from '../../report/html';
import { reportTable } from '../../report/table';
import { positiveInt } from '#cli/flags';

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

export interface DemoOptions {
  customers?: number;
  seed?: number;
  /** @default 'out/demo' */
  outDir?: string;
  /** @default 'campaigns' */
  campaignsDir?: string;
  /** @default 'templates' */
  templatesDir?: string;
  backend?: Backend;
  progress?: NodeJS.WriteStream;
}

export interface DemoResult {
  report: string;
  outDir: string;
  mails: number;
  seconds: number;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A mail's send time in the recipient's zone ("2026-03-01 09:00 CET"), the zone its schedule followed. */
const localSendTime = (at: string, zone: string | undefined): string => {
  const local = DateTime.fromISO(at, { zone: zone ?? 'UTC' });
  return (local.isValid ? local : DateTime.fromISO(at, { zone: 'UTC' })).toFormat('yyyy-MM-dd HH:mm ZZZZ');
};

/**
 * The dashboard (index.html): the last month's KPI cards with a link to the full report, the
 * campaigns with their funnel counts, then one row per mail (local send time, campaign,
 * customer, subject) linking to its HTML. Without a report only the mail list is shown.
 */
export const demoIndexHtml = (title: string, lines: readonly OutboxLine[], dashboard?: { report: Report; zones: ReadonlyMap<string, string> }): string => {
  const rows = lines
    .map(
      (l, i) =>
        `<tr><td title="${escapeHtml(`${l.at.slice(0, 16).replace('T', ' ')} UTC`)}">${escapeHtml(localSendTime(l.at, dashboard?.zones.get(l.customerId)))}</td><td>${escapeHtml(l.campaignId)}</td><td>${escapeHtml(l.customerId)}</td>` +
        `<td><a href="view.html?n=${i + 1}">${escapeHtml(l.subject)}</a></td></tr>`,
    )
    .join('\n');
  const summary = dashboard
    ? `${kpiCards(dashboard.report.months, 'en')}<p><a href="report.html">The full report: trends, funnels and revenue by campaign</a></p>` +
      `<h2>Campaigns</h2>${funnelTable(dashboard.report.campaigns, 'en')}<h2>Mails</h2>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>${REPORT_STYLE}</style>
</head><body><main>
<h1>${escapeHtml(title)}</h1>
${summary}<p>${lines.length} mails. Each link opens the mail as the recipient sees it; out/demo/outbox.jsonl has headers and text.</p>
<div class="scroll"><table><thead><tr><th>sent (recipient's local time)</th><th>campaign</th><th>customer</th><th>subject</th></tr></thead><tbody>
${rows}
</tbody></table></div></main></body></html>
`;
};

/** Mails per compressed chunk file. */
export const MAILS_PER_CHUNK = 100;

/** mails/<k>.js: registers the gzip+base64 HTML of mails k*100+1 .. k*100+100. */
export const mailChunkScript = (chunk: number, htmls: readonly string[]): string =>
  `stammkundeMails(${chunk}, ${JSON.stringify(htmls.map((html) => gzipSync(html).toString('base64')))});\n`;

/** The viewer: view.html?n=<n> shows mail n (1-based, the index's order) in an iframe. */
export const VIEW_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stammkunde demo mail</title>
<style>body{margin:0;font-family:system-ui,sans-serif}nav{padding:.5rem 1rem;background:#eee}iframe{border:0;width:100%;height:calc(100vh - 3rem)}</style>
</head><body>
<nav><a href="index.html">all mails</a> | <a id="prev">previous</a> | <a id="next">next</a> | mail <span id="n"></span></nav>
<iframe id="mail" sandbox="allow-popups"></iframe>
<script>
const n = Math.max(1, Number(new URLSearchParams(location.search).get('n')) || 1);
document.getElementById('n').textContent = n;
document.getElementById('prev').href = 'view.html?n=' + Math.max(1, n - 1);
document.getElementById('next').href = 'view.html?n=' + (n + 1);
window.stammkundeMails = async (chunk, mails) => {
  const packed = mails[(n - 1) % ${MAILS_PER_CHUNK}];
  if (packed === undefined) { document.getElementById('mail').srcdoc = 'no such mail'; return; }
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  document.getElementById('mail').srcdoc = await new Response(stream).text();
};
const script = document.createElement('script');
script.src = 'mails/' + Math.floor((n - 1) / ${MAILS_PER_CHUNK}) + '.js';
document.body.appendChild(script);
</script></body></html>
`;

/** Generates the demo shop, replays the example campaigns over its year and writes the outputs. */
export const runDemo = async (options: DemoOptions = {}): Promise<DemoResult> => {
  const started = performance.now();
  const outDir = options.outDir ?? join('out', 'demo');
  const shop = generateDemoShop({ ...(options.customers ? { customers: options.customers } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  await rm(join(outDir, 'mails'), { recursive: true, force: true });
  await mkdir(join(outDir, 'mails'), { recursive: true });
  const eventsFile = join(outDir, 'events.jsonl');
  await writeFile(eventsFile, toJsonLines(shop.events));

  let profiles: Profile[] = [];
  let report: Report | undefined;
  const result = await runReplay({
    campaigns: options.campaignsDir ?? 'campaigns',
    events: eventsFile,
    from: new Date(shop.from),
    to: new Date(shop.to),
    ...(options.templatesDir ? { templatesDir: options.templatesDir } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
    // Simulated clicks, orders and coupon redemptions (functions/local/responses.ts): the demo's only.
    respond: DEMO_RESPONSES,
    // Every mail's HTML, for the viewer pages (mails/<chunk>.js).
    keepHtml: true,
    inspect: async (runtime) => {
      profiles = await readAllProfiles(runtime.customers);
      report = await runtimeReport(runtime, { from: new Date(shop.from), to: new Date(shop.to) });
    },
  });
  if (!result.ok) throw new Error(`the example campaigns are invalid:\n${result.problems.join('\n')}`);

  await result.writeOutbox(join(outDir, 'outbox.jsonl'));
  const title = `Stammkunde demo: ${result.outbox.length} mails to ${shop.summary.customers} customers, ${shop.from.slice(0, 10)} to ${shop.to.slice(0, 10)}`;
  const zones = new Map(profiles.map((p) => [p.customerId, p.timeZone]));
  await writeFile(join(outDir, 'index.html'), demoIndexHtml(title, result.outbox, report ? { report, zones } : undefined));
  if (report) {
    await writeFile(join(outDir, 'report.html'), reportHtml(report, { lang: 'de', shopName: 'Demo-Shop' }));
    await writeFile(join(outDir, 'report.en.html'), reportHtml(report, { lang: 'en', shopName: 'demo shop' }));
    await writeFile(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  }
  await writeFile(join(outDir, 'view.html'), VIEW_HTML);
  for (let i = 0; i < result.html.length; i += MAILS_PER_CHUNK) {
    await writeFile(join(outDir, 'mails', `${i / MAILS_PER_CHUNK}.js`), mailChunkScript(i / MAILS_PER_CHUNK, result.html.slice(i, i + MAILS_PER_CHUNK)));
  }

  const s = shop.summary;
  const buyers = profiles.filter((p) => p.orders.count > 0).length;
  const repeatBuyers = profiles.filter((p) => p.orders.count > 1).length;
  const lines: string[] = [];
  lines.push(`Stammkunde demo shop: ${s.customers} customers, ${s.events} events from ${shop.from.slice(0, 10)} to ${shop.to.slice(0, 10)} (seed ${shop.seed})`);
  lines.push(`  ${Object.entries(s.byType).map(([type, n]) => `${type} ${n}`).join(', ')}`);
  lines.push(`Profiles by tier (${profiles.length} profiles):`);
  for (const tier of tiers) {
    const n = profiles.filter((p) => p.tier === tier).length;
    lines.push(`  ${tier.padEnd(6)} ${String(n).padStart(6)}  ${percent(profiles.length ? n / profiles.length : 0).padStart(6)}`);
  }
  lines.push(`Repeat-purchase rate: ${percent(buyers ? repeatBuyers / buyers : 0)} (${repeatBuyers} of ${buyers} buyers ordered more than once)`);
  lines.push('');
  lines.push(formatReplaySummary(result));
  if (report) lines.push('', reportTable(report).trimEnd());
  lines.push('');
  lines.push(`wrote ${eventsFile}, ${join(outDir, 'outbox.jsonl')}, ${join(outDir, 'report.html')} and ${join(outDir, 'index.html')} (open it in a browser: the KPIs, the campaigns and the ${result.mails} mails)`);
  const seconds = (performance.now() - started) / 1000;
  lines.push(`demo finished in ${seconds.toFixed(1)} s`);
  return { report: lines.join('\n'), outDir, mails: result.mails, seconds };
};

export const register = (program: Command): void => {
  program
    .command('demo')
    .description('generate the demo shop, replay the example campaigns over its year and write out/demo (outbox, index.html)')
    .option('--customers <n>', 'number of customers', positiveInt('--customers'), 1000)
    .option('--seed <n>', 'seed of the demo shop', positiveInt('--seed'))
    .option('--out <dir>', 'output folder', join('out', 'demo'))
    .option('--backend <name>', 'memory (in-memory twins) or local-aws (dynalite + local SES)', 'memory')
    .option('--ingest-only', 'only ingest the year into dynalite and print the profiles by tier')
    .action(async (opts: { customers: number; seed?: number; out: string; backend: string; ingestOnly?: boolean }) => {
      const seed = opts.seed !== undefined ? { seed: opts.seed } : {};
      if (opts.ingestOnly) {
        console.log(formatIngestDemo(await runIngestDemo({ customers: opts.customers, ...seed })));
        return;
      }
      if (opts.backend !== 'memory' && opts.backend !== 'local-aws') throw new Error(`--backend must be memory or local-aws, got "${opts.backend}"`);
      const result = await runDemo({
        customers: opts.customers,
        ...seed,
        outDir: opts.out,
        backend: opts.backend,
        ...(process.stdout.isTTY ? { progress: process.stdout } : {}),
      });
      console.log(result.report);
    });
};
