// `stammkunde local [--campaigns <dir>] [--port <n>]`: the embedded runtime on the real clock,
// kept running. dynalite + aws-ses-v2-local (its web UI at its root shows every mail sent), the
// campaigns of a folder published, a tick every wall-clock minute, and an HTTP endpoint for the
// shop: `POST /events` takes one EventBridge envelope or an array of them and puts them on the
// in-process bus (which routes them to the events queue and ingest, as on AWS). `GET
// /profiles/:customerId` shows what ingest made of them; `POST /tick` runs a tick now.
// Ctrl-C (SIGINT) or SIGTERM stops the HTTP server, the consumers and the servers cleanly.
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { parseShopEvent, SHOP_EVENT_SOURCE } from '#core/events';
import { loadShopInfo } from '../../compile/compile-template';
import { prepareCampaigns, type SkippedCampaign } from '#local/replay';
import { createRuntime, type Runtime } from '#local/runtime';
import { realClock } from '#local/sim-clock';
import type { BusEvent, PutEventsResultEntry } from '#local/bus';
import type { SigningKeyRing } from '#core/tokens';

export interface LocalOptions {
  campaigns: string;
  /** 0 picks a free port. */
  port: number;
  templatesDir?: string;
  /** Where to report sent mails and tick errors. @default console.log */
  log?: (line: string) => void;
}

export interface LocalInstance {
  url: string;
  sesUrl: string;
  runtime: Runtime;
  published: string[];
  skipped: SkippedCampaign[];
  stop(): Promise<void>;
}

/** A random-enough signing key per process: links from `local` are for looking at, not keeping. */
const localKeyRing = (): SigningKeyRing => {
  const key = { id: 'local', secret: `local-${process.pid}-${Math.random().toString(36).slice(2)}-not-for-production` };
  return { current: key, accepted: [key] };
};

/**
 * One entry of POST /events: an envelope with an id is published as is (the id is what makes a
 * repeat harmless); one without is stamped by PutEvents. Invalid entries fail in their slot.
 */
const putEntry = async (runtime: Runtime, raw: unknown): Promise<PutEventsResultEntry> => {
  const entry = raw as { id?: unknown; source?: unknown; 'detail-type'?: unknown; time?: unknown; detail?: unknown } | null;
  if (typeof entry !== 'object' || entry === null) return { ErrorCode: 'InvalidArgument', ErrorMessage: '(root): must be an object' };
  if (entry.id === undefined) {
    const result = await runtime.bus.putEvents([
      {
        Source: typeof entry.source === 'string' ? entry.source : SHOP_EVENT_SOURCE,
        DetailType: String(entry['detail-type'] ?? ''),
        Detail: JSON.stringify(entry.detail ?? null),
        ...(typeof entry.time === 'string' ? { Time: entry.time } : {}),
      },
    ]);
    return result.Entries[0]!;
  }
  const withTime = { source: SHOP_EVENT_SOURCE, time: runtime.clock.now().toISOString(), ...entry };
  const parsed = parseShopEvent(withTime);
  if (parsed.kind === 'rejected') return { ErrorCode: 'InvalidArgument', ErrorMessage: parsed.reason };
  if (parsed.kind === 'ignored') return { ErrorCode: 'InvalidArgument', ErrorMessage: `detail-type: "${parsed.detailType}" is not a shop event` };
  const event: BusEvent = {
    version: '0',
    id: String(withTime.id),
    'detail-type': String(withTime['detail-type']),
    source: String(withTime.source),
    account: '000000000000',
    time: String(withTime.time),
    region: 'local',
    resources: [],
    detail: withTime.detail,
  };
  await runtime.bus.publish(event);
  return { EventId: event.id };
};

export const createLocalApp = (runtime: Runtime): Hono => {
  const app = new Hono();
  app.get('/', (c) => c.json({ service: 'stammkunde local', endpoints: ['POST /events', 'GET /profiles/:customerId', 'POST /tick'] }));
  app.post('/events', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'body: not JSON' }, 400);
    }
    const entries = Array.isArray(body) ? body : [body];
    if (entries.length === 0) return c.json({ error: 'body: no events' }, 400);
    const results: PutEventsResultEntry[] = [];
    for (const entry of entries) results.push(await putEntry(runtime, entry));
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    return c.json({ FailedEntryCount: failed, Entries: results }, failed === results.length ? 400 : 200);
  });
  app.get('/profiles/:customerId', async (c) => {
    const profile = await runtime.customers.getProfile(c.req.param('customerId'));
    return profile ? c.json(profile) : c.json({ error: 'no such customer' }, 404);
  });
  app.post('/tick', async (c) => c.json(await runtime.tick()));
  return app;
};

/** Starts the live runtime and the HTTP endpoint. Throws with validate's lines for bad campaigns. */
export const startLocal = async (options: LocalOptions): Promise<LocalInstance> => {
  const log = options.log ?? ((line: string) => console.log(line));
  const templatesDir = options.templatesDir ?? 'templates';
  const clock = realClock();
  const prepared = await prepareCampaigns(options.campaigns, { templatesDir, publishedAt: clock.now() });
  if (!prepared.ok) throw new Error(`the campaigns are invalid:\n${prepared.problems.join('\n')}`);
  const shop = await loadShopInfo({ templatesDir });
  const runtime = await createRuntime({
    clock,
    backend: 'local-aws',
    idNamespace: `local-${clock.now().toISOString()}`,
    shop,
    from: shop.email ?? 'newsletter@shop.example',
    unsubscribeBaseUrl: `${shop.url.replace(/\/+$/, '')}/stammkunde`,
    keyRing: localKeyRing(),
    onSent: (sent) => log(`sent ${sent.campaignId} (${sent.occurrenceId}) to customer ${sent.customerId}: ${sent.messageId}`),
  });
  try {
    await runtime.publish(prepared.set);
    runtime.startLive({ onTickError: (error) => log(`tick failed: ${error instanceof Error ? error.message : String(error)}`) });
    const app = createLocalApp(runtime);
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: options.port, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const { port } = server.address() as AddressInfo;
    let stopped: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      sesUrl: runtime.aws!.sesEndpoint,
      runtime,
      published: prepared.published.map((p) => p.campaign.id),
      skipped: prepared.skipped,
      stop: () =>
        (stopped ??= (async () => {
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await runtime.stop();
        })()),
    };
  } catch (error) {
    await runtime.stop();
    throw error;
  }
};

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0..65535, got "${value}"`);
  return n;
};

export const register = (program: Command): void => {
  program
    .command('local')
    .description('run Stammkunde on this machine with the real clock: local DynamoDB and SES, an endpoint for shop events')
    .option('--campaigns <dir>', 'campaign, segment and reward catalog files', 'campaigns')
    .option('--port <n>', 'port of the events endpoint', port, 3000)
    .option('--templates <dir>', 'templates folder', 'templates')
    .action(async (opts: { campaigns: string; port: number; templates: string }) => {
      const local = await startLocal({ campaigns: opts.campaigns, port: opts.port, templatesDir: opts.templates });
      console.log(`Stammkunde runs locally (Ctrl-C stops it)`);
      console.log(`  shop events:   POST ${local.url}/events  (an EventBridge envelope or an array)`);
      console.log(`  profiles:      GET  ${local.url}/profiles/<customerId>`);
      console.log(`  sent mails:    ${local.sesUrl}/  (aws-ses-v2-local web UI)`);
      console.log(`  campaigns:     ${local.published.join(', ') || 'none'} published; ticks every minute`);
      for (const s of local.skipped) console.log(`  skipped ${s.campaignId} (${s.kind}): ${s.reason}`);
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          console.log('stopping...');
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          void local.stop().then(resolve);
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
      console.log('stopped');
    });
};
