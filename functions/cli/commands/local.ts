// `stammkunde local [--campaigns <dir>] [--port <n>]`: the embedded runtime on the real clock,
// kept running. dynalite + aws-ses-v2-local (its web UI at its root shows every mail sent), the
// campaigns of a folder published, a tick every wall-clock minute, and one HTTP endpoint:
// - the EventBridge PutEvents API (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents` on `POST /`),
//   so a shop backend's @aws-sdk/client-eventbridge code runs unchanged with `endpoint` set here;
// - `POST /events`: one entry or an array, as an envelope (`id`, `detail-type`, `detail`) or in
//   PutEvents spelling (`Source`, `DetailType`, `Detail`);
// - the customer endpoint (functions/track/app.ts: /u, /p, /confirm, /c), where every mail's
//   links point, so the double opt-in and unsubscribe links work on the laptop;
// - `GET /profiles/:customerId` shows what ingest made of them; `POST /tick` runs a tick now.
// Ctrl-C (SIGINT) or SIGTERM stops the HTTP server, the consumers and the servers cleanly.
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { parseShopEvent, SHOP_EVENT_SOURCE } from '#core/events';
import { loadShopInfo } from '../../compile/compile-template';
import { prepareCampaigns, type SkippedCampaign } from '#local/replay';
import { createRuntime, type Runtime } from '#local/runtime';
import { realClock } from '#local/sim-clock';
import { entryBytes, PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_ENTRY_BYTES, type BusEvent, type PutEventsEntry, type PutEventsResultEntry } from '#local/bus';
import type { Context } from 'hono';
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
  if ('DetailType' in entry || 'Detail' in entry || 'Source' in entry) {
    // The README's PutEvents spelling; Detail as a JSON string (as the SDK sends it) or an object.
    const e = entry as { Source?: unknown; DetailType?: unknown; Detail?: unknown; Time?: unknown };
    const result = await runtime.bus.putEvents([
      {
        Source: typeof e.Source === 'string' ? e.Source : SHOP_EVENT_SOURCE,
        DetailType: String(e.DetailType ?? ''),
        Detail: typeof e.Detail === 'string' ? e.Detail : JSON.stringify(e.Detail ?? null),
        ...(typeof e.Time === 'string' ? { Time: e.Time } : {}),
      },
    ]);
    return result.Entries[0]!;
  }
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

const amzJson = (c: Context, status: number, body: unknown) =>
  c.body(JSON.stringify(body), status as 200, { 'Content-Type': 'application/x-amz-json-1.1' });
const amzError = (c: Context, type: string, message: string) => amzJson(c, 400, { __type: type, message });

/**
 * EventBridge PutEvents over AWS JSON 1.1, as @aws-sdk/client-eventbridge sends it: up to 10
 * entries and 256 KB per request, answered per entry with FailedEntryCount. Signatures are not
 * checked (any local credentials do). `Time` arrives as epoch seconds.
 */
const putEventsApi = async (c: Context, runtime: Runtime) => {
  const target = c.req.header('x-amz-target');
  if (target !== 'AWSEvents.PutEvents') return amzError(c, 'UnknownOperationException', `${target ?? 'no X-Amz-Target'}: only AWSEvents.PutEvents is served here`);
  let body: { Entries?: unknown };
  try {
    body = (await c.req.json()) as { Entries?: unknown };
  } catch {
    return amzError(c, 'SerializationException', 'the request body is not JSON');
  }
  if (!Array.isArray(body.Entries) || body.Entries.length === 0 || body.Entries.length > PUT_EVENTS_MAX_ENTRIES) {
    return amzError(c, 'ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${PUT_EVENTS_MAX_ENTRIES}`);
  }
  const entries: PutEventsEntry[] = (body.Entries as Record<string, unknown>[]).map((e) => ({
    ...(typeof e.Source === 'string' ? { Source: e.Source } : {}),
    ...(typeof e.DetailType === 'string' ? { DetailType: e.DetailType } : {}),
    ...(typeof e.Detail === 'string' ? { Detail: e.Detail } : {}),
    ...(typeof e.Time === 'number' ? { Time: new Date(e.Time * 1000) } : typeof e.Time === 'string' ? { Time: e.Time } : {}),
    ...(Array.isArray(e.Resources) ? { Resources: e.Resources.map(String) } : {}),
    ...(typeof e.EventBusName === 'string' ? { EventBusName: e.EventBusName } : {}),
  }));
  if (entries.reduce((sum, e) => sum + entryBytes(e), 0) > PUT_EVENTS_MAX_ENTRY_BYTES) {
    return amzError(c, 'ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  return amzJson(c, 200, await runtime.bus.putEvents(entries));
};

/** The customer endpoint's paths, answered by the runtime's track app. */
const TRACK_PREFIXES = ['/u', '/p', '/confirm', '/c'] as const;

export const createLocalApp = (runtime: Runtime): Hono => {
  const app = new Hono();
  app.get('/', (c) =>
    c.json({ service: 'stammkunde local', endpoints: ['POST / (EventBridge PutEvents, AWS JSON 1.1)', 'POST /events', 'GET /profiles/:customerId', 'POST /tick', '/u /p /confirm /c (mail links)'] }),
  );
  app.post('/', (c) => putEventsApi(c, runtime));
  // c.env carries Node's request, where the track app reads the caller's address.
  for (const prefix of TRACK_PREFIXES) app.all(`${prefix}/*`, (c) => runtime.track.fetch(c.req.raw, c.env));
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
  // The port first: a busy port fails before anything starts, and the mail links can name it.
  let serveApp: Hono | undefined;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: (request, env) => (serveApp ? serveApp.fetch(request, env) : new Response('starting', { status: 503 })), port: options.port, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'EADDRINUSE' ? `port ${options.port} is busy: stop what uses it or pick another with --port` : `cannot listen on port ${options.port}: ${error.message}`)),
    );
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  let runtime: Runtime;
  try {
    runtime = await createRuntime({
    clock,
    backend: 'local-aws',
    idNamespace: `local-${clock.now().toISOString()}`,
    shop,
    from: shop.email ?? 'newsletter@shop.example',
    unsubscribeBaseUrl: url,
    keyRing: localKeyRing(),
    doubleOptIn: true,
    templatesDir,
    clientIp: (c) => {
      try {
        return getConnInfo(c).remote.address;
      } catch {
        return undefined;
      }
    },
    onSent: (sent) => log(`sent ${sent.campaignId} (${sent.occurrenceId}) to customer ${sent.customerId}: ${sent.messageId}`),
    });
  } catch (error) {
    await closeServer();
    throw error;
  }
  try {
    await runtime.publish(prepared.set);
    runtime.startLive({ onTickError: (error) => log(`tick failed: ${error instanceof Error ? error.message : String(error)}`) });
    serveApp = createLocalApp(runtime);
    let stopped: Promise<void> | undefined;
    return {
      url,
      sesUrl: runtime.aws!.sesEndpoint,
      runtime,
      published: prepared.published.map((p) => p.campaign.id),
      skipped: prepared.skipped,
      stop: () =>
        (stopped ??= (async () => {
          await closeServer();
          await runtime.stop();
        })()),
    };
  } catch (error) {
    await closeServer();
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
      console.log(`  shop events:   EventBridge PutEvents at ${local.url} (set the SDK's endpoint), or POST ${local.url}/events`);
      console.log(`  mail links:    ${local.url}/u|p|confirm|c/<token> (unsubscribe, preferences, double opt-in, clicks)`);
      console.log(`  profiles:      GET  ${local.url}/profiles/<customerId>`);
      console.log(`  sent mails:    ${local.sesUrl}/  (aws-ses-v2-local web UI)`);
      if (local.runtime.aws) console.log(`  report:        npx stammkunde report --table ${local.runtime.aws.tableName} --endpoint ${local.runtime.aws.dynamoEndpoint} --from <YYYY-MM> --to <YYYY-MM>`);
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
