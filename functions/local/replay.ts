// Replay: a marketer's campaigns against a shop's history on the embedded runtime with a simulated
// clock. Loads and validates the campaigns (refusing with validate's lines), compiles their
// templates once, feeds the events at their times through bus -> events queue -> ingest, ticks at
// every minute where something can be due, lets tick -> audience -> send run through their
// queues, and collects one outbox line per mail accepted. Same inputs, same bytes: the clock, the
// message ids, the claim owners and the order of the output lines are all deterministic.
//
// Skipping ahead: a year has 525,600 minutes, but tick can only act at a minute where something
// is due: a delivered campaign's schedule (cron in its time zone, or a one-off instant, from tick's
// own dueTimes, the same DST rule), a seasonal campaign's preparation (seasonalDueTimes, the same
// code tick runs), or a due delivery anyone put into the store (seasonal mail at each zone's local
// send time, quiet hours, triggered delays: the runtime's nextDueMinute). So the simulated clock
// jumps from one such minute to the next and runs tick exactly there (again while tick reports a
// backlog); between them only events are fed.
import { open, readFile, stat } from 'node:fs/promises';
import { SingleBar, Presets } from 'cli-progress';
import type { Campaign, Schedule } from '#core/campaign';
import type { PublishedCampaign } from '#core/delivery-store';
import type { Outcome, Tally } from '#core/delivery/outcomes';
import { dueTimes } from '#core/delivery/occurrence';
import { seasonalDueTimes } from '#core/delivery/seasonal';
import { shopDeliveryOf } from '#core/delivery/local-time';
import { parseShopEvent, SHOP_EVENT_SOURCE } from '#core/events';
import type { PublishSet } from '#core/publish';
import { loadShopInfo } from '../compile/compile-template';
import { preparePublish } from '../compile/publish-set';
import type { BusEvent } from './bus';
import { createRuntime, DELIVERED_KINDS, type Backend, type Runtime, type SentMail } from './runtime';
import { referralStats } from '#core/referral-program';
import { referralCodeCandidate, rejectionReasons, type RejectionReason } from '#core/referral';
import type { MemoryCouponStore } from '#adapters/memory-coupon-store';
import { customerOf, earlyWorkers, replayOnWorkers, ShareWorkers, workersFor } from './replay-shards';
import type { LocalAws } from './servers';
import { SimClock } from './sim-clock';
import { NO_CAMPAIGN, formatCouponStats, type CouponStats } from '#core/coupon-redemption';
import { couponSpecOf } from '#core/delivery/coupon-step';
import { createResponder, type ResponseCounts, type ResponseSimulation } from './responses';

export interface ReplayOptions {
  campaigns: string;
  /** events.jsonl: one EventBridge envelope per line (id, source, detail-type, time, detail). */
  events: string;
  /** Optional customers.jsonl: CustomerRegistered details (or envelopes), registered at `from`. */
  customers?: string;
  from: Date;
  to: Date;
  /** @default 'memory' (see runtime.ts for why) */
  backend?: Backend;
  /** Servers to use with backend 'local-aws' (tests); otherwise started and stopped here. */
  aws?: LocalAws;
  /** Folder with layouts/, partials/, locales/, shop.json. @default 'templates' */
  templatesDir?: string;
  /**
   * Treat consent given in an event as confirmed by the double opt-in right after its day is
   * ingested (the confirm link is not built yet, and a shop's history rarely holds the clicks).
   * @default true
   */
  confirmConsent?: boolean;
  /** Called with the runtime before it stops (e.g. the demo reads the profiles). */
  inspect?: (runtime: Runtime) => Promise<void>;
  /** Show a progress bar on this stream (the CLI passes stdout when it is a TTY). */
  progress?: NodeJS.WriteStream;
  /**
   * Simulated customer responses (clicks through the track app, orders after a click, coupon
   * redemptions; functions/local/responses.ts). The demo's only: a replay of a shop's real history
   * must not invent behaviour. @default none
   */
  respond?: ResponseSimulation;
  /**
   * Worker threads to split the customers over (replay-shards.ts), each with its own runtime; the
   * outbox is the same bytes as on one. @default up to 4 (the cores) from 2,000 customers on, with
   * the memory backend and no `inspect`; otherwise 1
   */
  workers?: number;
  /**
   * Keep each mail's HTML for `html` (the demo's pages). Off by default: a replay is its outbox
   * lines, and the HTML of 10,000 customers' year (175,000 mails) ran out of heap. @default false
   */
  keepHtml?: boolean;
}

/** One line of the outbox file. */
export interface OutboxLine {
  at: string;
  to: string;
  customerId: string;
  campaignId: string;
  occurrenceId: string;
  subject: string;
  headers: Record<string, string>;
  text: string;
  couponCode?: string;
  rewardId?: string;
}

export interface BadLine {
  file: string;
  line: number;
  reason: string;
}

export interface CampaignReport {
  campaignId: string;
  kind: Campaign['kind'];
  occurrences: number;
  /** Recipients the send path reached a final answer for. */
  recipients: number;
  sent: number;
  /** Refused by a send-time gate: suppressed, no consent, topic unsubscribed. */
  suppressed: number;
  capped: number;
  /** Failed or uncertain (rendering, SES rejection, ambiguous SES answer). */
  failed: number;
  /** In an A/B test's holdout: recorded, not mailed (core/experiments.ts). */
  heldOut: number;
}

export interface SkippedCampaign {
  campaignId: string;
  kind: Campaign['kind'];
  reason: string;
}

export type ReplayResult =
  | { ok: false; problems: string[] }
  | {
      ok: true;
      /** The outbox lines, sorted by time, campaign, occurrence, customer (parsed on first use). */
      readonly outbox: OutboxLine[];
      /** How many mails the outbox holds. */
      mails: number;
      /** The outbox as written: one JSON line per mail, in `outbox` order (joined on first use; writeOutbox streams it). */
      readonly outboxText: string;
      /** Writes the outbox file (outboxText's bytes) without building it as one string. */
      writeOutbox: (file: string) => Promise<void>;
      /** The HTML of each outbox line (same order), for the demo's pages. */
      html: string[];
      campaigns: CampaignReport[];
      skipped: SkippedCampaign[];
      badLines: BadLine[];
      events: { read: number; fed: number; afterWindow: number };
      /** Tick minutes run (by the busiest share, when split). */
      ticks: number;
      /** Shares the customers were split into, each on its own runtime: the first in this thread, the others in worker threads (1: not split). */
      workers: number;
      deadLettered: { events: number; audience: number; send: number };
      /** Coupon redemptions per campaign with a coupon, then unknown codes (core/coupon-redemption.ts). */
      coupons: CouponStats[];
      seconds: number;
      /** The referral program over the replay (core/referral-program.ts). */
      referrals: ReferralSummary;
      /** What the simulated responses did (only with `respond`). */
      responses?: ResponseCounts;
    };

/** Conversions, rewards and rejected conversions by reason, summed over the referral campaigns. */
export interface ReferralSummary {
  invitations: number;
  clicks: number;
  conversions: number;
  issued: number;
  revoked: number;
  rejected: Partial<Record<RejectionReason, number>>;
}

const summarizeReferrals = async (runtime: Runtime, campaignIds: readonly string[]): Promise<ReferralSummary> => {
  const summary: ReferralSummary = { invitations: 0, clicks: 0, conversions: 0, issued: 0, revoked: 0, rejected: {} };
  for (const campaignId of campaignIds) {
    for (const counts of Object.values(await referralStats({ referrals: runtime.referrals, deliveries: runtime.delivery }, campaignId, undefined))) {
      summary.invitations += counts.invitations ?? 0;
      summary.clicks += counts.clicks ?? 0;
      summary.conversions += counts.conversions ?? 0;
      summary.issued += counts.issued ?? 0;
      summary.revoked += counts.revoked ?? 0;
      for (const reason of rejectionReasons) {
        const n = counts[`rejected.${reason}`];
        if (n) summary.rejected[reason] = (summary.rejected[reason] ?? 0) + n;
      }
    }
  }
  return summary;
};

/** A fixed key: replay links must be byte-identical between runs (never used for real mail). */
const REPLAY_SIGNING_KEY = { id: 'replay', secret: 'stammkunde-replay-signing-key-not-for-production' };

const GATED: readonly Outcome[] = ['suppressed', 'noConsent', 'unsubscribed'];
const FINAL: readonly Outcome[] = ['sent', ...GATED, 'capped', 'missing', 'failed', 'uncertain', 'holdout'];

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The tick minutes in (from, to] where a schedule is due: tick's own dueTimes, rounded up to the minute. */
export const scheduleMinutes = (schedule: Schedule, from: Date, to: Date): number[] =>
  dueTimes(schedule, from, to, Number.MAX_SAFE_INTEGER).map((at) => Math.ceil(at.getTime() / 60_000) * 60_000);

interface ParsedLines {
  events: BusEvent[];
  bad: BadLine[];
}

const toBusEvent = (raw: { id: string; source: string; 'detail-type': string; time: string; detail: unknown }): BusEvent => ({
  version: '0',
  id: raw.id,
  'detail-type': raw['detail-type'],
  source: raw.source,
  account: '000000000000',
  time: raw.time,
  region: 'local',
  resources: [],
  detail: raw.detail,
});

/** Parses a JSON-lines file of envelopes; each bad line is reported with its number and reason. */
export const parseEventLines = (file: string, text: string, wrapDetail?: (detail: unknown, line: number) => unknown): ParsedLines => {
  const events: BusEvent[] = [];
  const bad: BadLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const source = lines[i]!.trim();
    if (source === '') continue;
    const line = i + 1;
    let raw: unknown;
    try {
      raw = JSON.parse(source);
    } catch (error) {
      bad.push({ file, line, reason: `not JSON: ${(error as Error).message}` });
      continue;
    }
    if (wrapDetail && (typeof raw !== 'object' || raw === null || !('detail-type' in raw))) raw = wrapDetail(raw, line);
    const parsed = parseShopEvent(raw);
    if (parsed.kind === 'rejected') {
      bad.push({ file, line, reason: parsed.reason });
      continue;
    }
    if (parsed.kind === 'ignored') {
      bad.push({ file, line, reason: `detail-type: "${parsed.detailType}" is not a shop event` });
      continue;
    }
    const envelope = raw as { id: string; source: string; 'detail-type': string; time: string; detail: unknown };
    if (envelope.source !== SHOP_EVENT_SOURCE) {
      bad.push({ file, line, reason: `source: must be "${SHOP_EVENT_SOURCE}", got "${envelope.source}"` });
      continue;
    }
    events.push(toBusEvent(envelope));
  }
  return { events, bad };
};

const headerObject = (headers: readonly { name: string; value: string }[]): Record<string, string> =>
  Object.fromEntries(headers.map((h) => [h.name, h.value]));

const toOutboxLine = (sent: SentMail): OutboxLine => ({
  at: sent.at.toISOString(),
  to: sent.mail.to,
  customerId: sent.customerId,
  campaignId: sent.campaignId,
  occurrenceId: sent.occurrenceId,
  subject: sent.mail.subject,
  headers: headerObject(sent.mail.headers),
  text: sent.mail.text,
  ...rewardOf(sent),
  ...(sent.mail.couponCode ? { couponCode: sent.mail.couponCode } : {}),
});

/** The reward a mail shows (the send path's SES tag `reward`), for the outbox line. */
const rewardOf = (sent: SentMail): { rewardId?: string } => {
  const tag = sent.mail.tags.find((t) => t.name === 'reward');
  return tag ? { rewardId: tag.value } : {};
};

export type PreparedCampaigns =
  | { ok: false; problems: string[] }
  | { ok: true; set: PublishSet; published: PublishedCampaign[]; skipped: SkippedCampaign[] };

/**
 * Loads, validates and compiles a campaigns folder exactly as `stammkunde publish` does
 * (compile/publish-set.ts), so nothing runs here that publish would refuse. `set` is what gets
 * published into the runtime's table; `published` the campaigns the delivery path sends today
 * (delivered kinds, active), the others come back as skipped.
 */
export const prepareCampaigns = async (dir: string, options: { templatesDir: string; publishedAt: Date }): Promise<PreparedCampaigns> => {
  const prepared = await preparePublish([dir], options);
  if (!prepared.ok) return prepared;
  if (prepared.set.campaigns.length === 0) return { ok: false, problems: [`${dir}: (root): no campaign files found`] };
  const skipped: SkippedCampaign[] = [];
  const published: PublishedCampaign[] = [];
  for (const p of prepared.set.campaigns) {
    const { campaign } = p;
    if (!DELIVERED_KINDS.includes(campaign.kind)) skipped.push({ campaignId: campaign.id, kind: campaign.kind, reason: `delivery of ${campaign.kind} campaigns is not built yet` });
    else if (campaign.status !== 'active') skipped.push({ campaignId: campaign.id, kind: campaign.kind, reason: `status is ${campaign.status}` });
    else published.push(p);
  }
  return { ok: true, set: prepared.set, published, skipped };
};

/** What a worker needs of the inputs: the compiled campaigns and its customers' events. */
export type ShareInputs = Pick<ReplayInputs, 'set' | 'published' | 'feed'>;

/** What a replay reads before it runs: the campaigns as publish compiles them, and the fed events. */
interface ReplayInputs {
  set: PublishSet;
  published: PublishedCampaign[];
  skipped: SkippedCampaign[];
  /** Customers first (registered at `from`), then the events up to `to` in time order (stable). */
  feed: BusEvent[];
  badLines: BadLine[];
  read: number;
  afterWindow: number;
}

const loadInputs = async (options: ReplayOptions): Promise<{ ok: false; problems: string[] } | ({ ok: true } & ReplayInputs)> => {
  const { from, to } = options;
  if (!(from.getTime() < to.getTime())) return { ok: false, problems: [`--from ${from.toISOString()} must be before --to ${to.toISOString()}`] };
  const prepared = await prepareCampaigns(options.campaigns, { templatesDir: options.templatesDir ?? 'templates', publishedAt: from });
  if (!prepared.ok) return prepared;
  const read = async (flag: string, file: string): Promise<string | { problem: string }> =>
    readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => ({ problem: `${flag} ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}` }));
  const eventsText = await read('--events', options.events);
  const customersText = options.customers ? await read('--customers', options.customers) : '';
  const unreadable = [eventsText, customersText].flatMap((t) => (typeof t === 'string' ? [] : [t.problem]));
  if (unreadable.length > 0) return { ok: false, problems: unreadable };

  const badLines: BadLine[] = [];
  let customerEvents: BusEvent[] = [];
  if (options.customers) {
    const parsed = parseEventLines(options.customers, customersText as string, (detail, line) => ({
      id: `customers-${line}`,
      source: SHOP_EVENT_SOURCE,
      'detail-type': 'CustomerRegistered',
      time: from.toISOString(),
      detail,
    }));
    customerEvents = parsed.events;
    badLines.push(...parsed.bad);
  }
  const parsedEvents = parseEventLines(options.events, eventsText as string);
  badLines.push(...parsedEvents.bad);
  const inWindow = parsedEvents.events
    .map((event, index) => ({ event, index }))
    .filter(({ event }) => timeOf(event) <= to.getTime())
    .sort((a, b) => timeOf(a.event) - timeOf(b.event) || a.index - b.index)
    .map(({ event }) => event);
  return {
    ok: true,
    set: prepared.set,
    published: prepared.published,
    skipped: prepared.skipped,
    feed: [...customerEvents, ...inWindow],
    badLines,
    read: parsedEvents.events.length + customerEvents.length + badLines.length,
    afterWindow: parsedEvents.events.length - inWindow.length,
  };
};

const timeOf = (e: BusEvent) => Date.parse(e.time);

/**
 * What one runtime's replay gives, before the outbox is sorted and the reports are summed: the
 * whole replay's, or one worker's share (replay-shards.ts), which the parent adds up.
 */
export interface ReplayParts {
  outbox: OutboxEntry[];
  /** The occurrences of the non-triggered campaigns, with their outcome counts. */
  occurrences: { campaignId: string; occurrenceId: string; stats: Tally }[];
  coupons: CouponStats[];
  referrals: ReferralSummary;
  responses?: ResponseCounts;
  ticks: number;
  fed: number;
  deadLettered: { events: number; audience: number; send: number };
  /** Coupon code -> holder, and referral codes made at a later attempt: what a split replay checks. */
  couponHolders: [string, string][];
  laterReferralCodes: number;
}

/** Every UTC midnight in (from, to]: tick announces expiring coupons on the first tick of a day, so a replay ticks there. */
const midnightsIn = (from: Date, to: Date): number[] => {
  const out: number[] = [];
  for (let t = Math.floor(from.getTime() / DAY_MS) * DAY_MS + DAY_MS; t <= to.getTime(); t += DAY_MS) out.push(t);
  return out;
};
const DAY_MS = 86_400_000;

/** Where a replay reports how far it got: a progress bar, or a worker's messages to its parent. */
export interface ProgressSink {
  start(total: number, day: string): void;
  update(done: number, day: string): void;
  stop(): void;
}

/** A progress bar on a terminal stream (`stammkunde replay` on a TTY). */
export const progressBar = (stream: NodeJS.WriteStream): ProgressSink => {
  const bar = new SingleBar({ stream, format: 'replay [{bar}] {percentage}% | {value}/{total} events and ticks | {day}' }, Presets.shades_classic);
  return { start: (total, day) => bar.start(total, 0, { day }), update: (done, day) => bar.update(done, { day }), stop: () => bar.stop() };
};

/** Runs the inputs through one runtime: the whole replay, or (`share`) one worker's customers, with what a split checks. */
const replayParts = async (options: ReplayOptions, inputs: ReplayInputs, share = false, bar: ProgressSink | undefined = options.progress ? progressBar(options.progress) : undefined): Promise<ReplayParts> => {
  const { from, to } = options;
  const templatesDir = options.templatesDir ?? 'templates';
  const { set, published } = inputs;
  const feed = [...inputs.feed];

  const shop = await loadShopInfo({ templatesDir });
  const shopCountry = shopDeliveryOf(shop).country;
  const tickMinutes = [
    ...new Set([
      ...published.flatMap(({ campaign }) =>
        'schedule' in campaign
          ? scheduleMinutes(campaign.schedule, from, to)
          : campaign.kind === 'seasonal'
            ? seasonalDueTimes(campaign.id, campaign.occasion, from, to, shopCountry).map((d) => Math.ceil(d.at.getTime() / 60_000) * 60_000)
            : [],
      ),
      // On AWS tick runs every minute; here the first tick of a UTC day is at its midnight, so
      // CouponExpiring goes out at the same time whoever else the replay holds.
      ...midnightsIn(from, to),
    ]),
  ].sort((a, b) => a - b);

  const outbox: OutboxEntry[] = [];
  const slab = new LineSlab();
  const clock = new SimClock(from);
  const linkBase = `${shop.url.replace(/\/+$/, '')}/stammkunde`;
  const runtime = await createRuntime({
    clock,
    backend: options.backend ?? 'memory',
    ...(options.aws ? { aws: options.aws } : {}),
    idNamespace: 'replay',
    shop,
    from: shop.email ?? 'newsletter@shop.example',
    unsubscribeBaseUrl: linkBase,
    keyRing: { current: REPLAY_SIGNING_KEY, accepted: [REPLAY_SIGNING_KEY] },
    // Replay publishes once, before its first event, so a campaign read once stays current: the
    // default 60 s cache expired between most due minutes and re-read (cloned) the compiled templates.
    send: { campaignCacheMs: Number.POSITIVE_INFINITY },
    // An outbox without HTML never reads it: rendered only when kept (on local AWS, SES reads it).
    html: options.keepHtml === true || (options.backend ?? 'memory') !== 'memory' ? 'eager' : 'onRead',
    onSent: (sent) => {
      const line = toOutboxLine(sent);
      outbox.push({ at: line.at, campaignId: line.campaignId, occurrenceId: line.occurrenceId, customerId: line.customerId, json: slab.add(JSON.stringify(line)), html: options.keepHtml === true ? sent.mail.html : '' });
      responder?.sent(sent);
    },
  });
  const responder = options.respond
    ? createResponder({
        shares: options.respond,
        track: runtime.track,
        linkBase,
        coupons: new Map(published.flatMap(({ campaign }) => {
          const spec = couponSpecOf(campaign);
          return spec ? [[campaign.id, { validDays: spec.validDays, minimumOrderCents: spec.minimumOrderCents }] as const] : [];
        })),
        currency: 'EUR',
        untilMs: to.getTime(),
      })
    : undefined;
  /** Answers the mails just sent: clicks now, orders put into the feed at their time (after `next`). */
  const respond = async (next: number): Promise<void> => {
    if (!responder) return;
    for (const event of await responder.respond()) {
      const t = timeOf(event);
      let lo = next;
      let hi = feed.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (timeOf(feed[mid]!) <= t) lo = mid + 1;
        else hi = mid;
      }
      feed.splice(lo, 0, event);
    }
  };
  try {
    await runtime.publish(set);
    bar?.start(feed.length + tickMinutes.length, from.toISOString().slice(0, 10));
    let next = 0;
    let progressed = 0;
    /**
     * Feeds the events up to `until` one instant at a time, each drained through ingest. Stops
     * early (returns true) when a fed event put a due delivery before `until` (a triggered delay,
     * say), so that minute is ticked first.
     */
    const feedUntil = async (until: number, dueBefore?: () => boolean): Promise<boolean> => {
      while (next < feed.length && timeOf(feed[next]!) <= until) {
        if (dueBefore?.()) return true;
        // Each instant's events at that instant: ingest's clock is the event's own time, whoever
        // else the replay holds (so a split replay gives the same bytes, replay-shards.ts).
        const first = feed[next]!;
        const day = first.time.slice(0, 10);
        const at = timeOf(first);
        if (at > clock.now().getTime()) await clock.advanceTo(at);
        let end = next;
        while (end < feed.length && timeOf(feed[end]!) === at) end++;
        const consenting = new Set<string>();
        for (let i = next; i < end; i++) {
          const event = feed[i]!;
          await runtime.bus.publish(event);
          const detail = event.detail as { customerId?: string; consent?: { marketing?: boolean } };
          if (detail.consent?.marketing === true && detail.customerId) consenting.add(detail.customerId);
        }
        progressed += end - next;
        next = end;
        await runtime.settle();
        if (options.confirmConsent ?? true) for (const customerId of [...consenting].sort()) await runtime.confirmConsent(customerId);
        await respond(next);
        bar?.update(progressed, day);
      }
      return dueBefore?.() ?? false;
    };
    // The next minute to tick: the next schedule/preparation minute or the next due delivery,
    // whichever comes first (due deliveries appear as the replay runs, so this is asked each time).
    let ticks = 0;
    let last = from.getTime();
    let scheduled = 0;
    for (;;) {
      while (scheduled < tickMinutes.length && tickMinutes[scheduled]! <= last) scheduled++;
      const candidates = [tickMinutes[scheduled], runtime.nextDueMinute(last)].filter((m): m is number => m !== undefined && m <= to.getTime());
      const target = candidates.length > 0 ? Math.min(...candidates) : to.getTime();
      const earlier = () => {
        const due = runtime.nextDueMinute(last);
        return due !== undefined && due < target;
      };
      if (await feedUntil(target, earlier)) continue;
      if (candidates.length === 0) break;
      const minute = target;
      if (minute > clock.now().getTime()) await clock.advanceTo(minute);
      ticks++;
      while ((await runtime.tick()).backlog) await runtime.settle();
      await runtime.settle();
      await respond(next);
      last = minute;
      if (minute === tickMinutes[scheduled]) bar?.update(++progressed, new Date(minute).toISOString().slice(0, 10));
    }
    if (to.getTime() > clock.now().getTime()) await clock.advanceTo(to);
    await runtime.settle();
    bar?.stop();
    await options.inspect?.(runtime);

    const occurrences: ReplayParts['occurrences'] = [];
    for (const p of published) {
      if (p.campaign.kind === 'triggered') continue;
      for (const o of await runtime.delivery.listOccurrences(p.campaign.id)) occurrences.push({ campaignId: p.campaign.id, occurrenceId: o.occurrenceId, stats: o.stats });
    }
    const coupons = runtime.coupons as Partial<MemoryCouponStore>;
    const referralIds = published.filter((p) => p.campaign.kind === 'referral').map((p) => p.campaign.id);
    let laterReferralCodes = 0;
    if (share) {
      for (const customerId of new Set(inputs.feed.map(customerOf))) {
        if (customerId === undefined) continue;
        const code = await runtime.referrals.codeOf(customerId);
        if (code !== undefined && code !== referralCodeCandidate(customerId, 0)) laterReferralCodes++;
      }
    }
    return {
      outbox,
      occurrences,
      coupons: await replayCouponStats(runtime, published),
      referrals: await summarizeReferrals(runtime, referralIds),
      ...(responder ? { responses: { ...responder.counts } } : {}),
      ticks,
      fed: feed.length,
      deadLettered: { events: runtime.queues.eventsDlq.size, audience: runtime.queues.audienceDlq.size, send: runtime.queues.sendDlq.size },
      couponHolders: share && coupons.all ? coupons.all().map((c) => [c.code, c.customerId]) : [],
      laterReferralCodes,
    };
  } finally {
    bar?.stop();
    await runtime.stop();
  }
};

/** Sorts the outbox and sums the parts into the result. */
const assemble = (inputs: ReplayInputs, parts: readonly ReplayParts[], started: number, workers: number): Extract<ReplayResult, { ok: true }> => {
  const outbox = parts.flatMap((p) => p.outbox);
  // Field by field, without building key arrays: 100,000 mails sort in about 1.7 million comparisons.
  outbox.sort((a, b) => cmp(a.at, b.at) || cmp(a.campaignId, b.campaignId) || cmp(a.occurrenceId, b.occurrenceId) || cmp(a.customerId, b.customerId));
  const reports: CampaignReport[] = [];
  for (const p of inputs.published) {
    const campaignId = p.campaign.id;
    if (p.campaign.kind === 'triggered') {
      // Follow-ups have one occurrence per customer and re-entry key, created by no tick, so
      // the store lists none: counted from the outbox (sent only; gates and cancels not shown).
      const lines = outbox.filter((o) => o.campaignId === campaignId);
      const sent = lines.length;
      reports.push({ campaignId, kind: p.campaign.kind, occurrences: new Set(lines.map((o) => o.occurrenceId)).size, recipients: sent, sent, suppressed: 0, capped: 0, failed: 0, heldOut: 0 });
      continue;
    }
    const occurrences = parts.flatMap((part) => part.occurrences.filter((o) => o.campaignId === campaignId));
    const total = (outcomes: readonly Outcome[]) => occurrences.reduce((sum, o) => sum + outcomes.reduce((s, k) => s + (o.stats[k] ?? 0), 0), 0);
    reports.push({
      campaignId,
      kind: p.campaign.kind,
      occurrences: new Set(occurrences.map((o) => o.occurrenceId)).size,
      recipients: total(FINAL),
      sent: total(['sent']),
      suppressed: total(GATED),
      capped: total(['capped']),
      failed: total(['failed', 'uncertain']),
      heldOut: total(['holdout']),
    });
  }
  let lines: OutboxLine[] | undefined;
  let text: string | undefined;
  const counts = addedUp(parts.map(({ fed, deadLettered, coupons, referrals, responses }) => ({ fed, deadLettered, coupons, referrals, responses })));
  return {
    ok: true,
    get outbox() {
      return (lines ??= outbox.map((o) => JSON.parse(o.json.toString('utf8')) as OutboxLine));
    },
    mails: outbox.length,
    get outboxText() {
      return (text ??= Buffer.concat(outbox.flatMap((o) => [o.json, NEWLINE])).toString('utf8'));
    },
    writeOutbox: (file) => writeOutboxFile(file, outbox),
    html: outbox.map((o) => o.html),
    campaigns: reports,
    skipped: inputs.skipped,
    badLines: inputs.badLines,
    events: { read: inputs.read, fed: counts.fed, afterWindow: inputs.afterWindow },
    ticks: Math.max(...parts.map((p) => p.ticks)),
    workers,
    deadLettered: counts.deadLettered,
    coupons: counts.coupons,
    seconds: (performance.now() - started) / 1000,
    referrals: counts.referrals,
    ...(counts.responses ? { responses: counts.responses } : {}),
  };
};

/**
 * The parts' counts added up field by field, however deep (coupon stats per campaign in the same
 * order in every part, refusals and rejections by reason); strings (campaign ids) from the first.
 */
const addedUp = <T>(parts: readonly T[]): T => parts.reduce((total, part) => addCounts(total, part) as T);
const addCounts = (a: unknown, b: unknown): unknown => {
  if (typeof a === 'number' || typeof b === 'number') return ((a as number | undefined) ?? 0) + ((b as number | undefined) ?? 0);
  if (Array.isArray(a) && Array.isArray(b)) return a.map((x, i) => addCounts(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const out: Record<string, unknown> = { ...a };
    for (const [key, value] of Object.entries(b)) out[key] = addCounts((a as Record<string, unknown>)[key], value);
    return out;
  }
  return a ?? b;
};

/** Runs a replay. Invalid campaigns give `ok: false` with validate's problem lines. */
export const runReplay = async (options: ReplayOptions): Promise<ReplayResult> => {
  const started = performance.now();
  const pool = new ShareWorkers();
  try {
    // A big events file: the workers load the engine while this thread compiles and parses.
    pool.ensure(earlyWorkers(options, await stat(options.events).then((s) => s.size, () => 0)));
    const inputs = await loadInputs(options);
    if (!inputs.ok) return inputs;
    const workers = workersFor(options, inputs);
    if (workers > 1) {
      const bar = options.progress ? progressBar(options.progress) : undefined;
      const split = await replayOnWorkers(options, inputs, pool, workers, bar).finally(() => bar?.stop());
      if (split) return assemble(inputs, split, started, workers);
    }
    await pool.close();
    return assemble(inputs, [await replayParts(options, inputs)], started, 1);
  } finally {
    await pool.close();
  }
};

/** One worker's share (functions/local/replay-shards.ts): its customers' events, through a runtime of its own. */
export const replayShare = (options: ReplayOptions, inputs: ShareInputs, progress?: ProgressSink): Promise<ReplayParts> =>
  replayParts(options, { ...inputs, skipped: [], badLines: [], read: 0, afterWindow: 0 }, true, progress);

/**
 * A sent mail's outbox line, kept as its JSON's UTF-8 bytes in a shared slab (outside the JS heap:
 * 100,000 mails of text as objects kept the garbage collector marking and moving ~600 MB), with
 * the fields it is sorted by.
 */
export interface OutboxEntry {
  at: string;
  campaignId: string;
  occurrenceId: string;
  customerId: string;
  json: Buffer;
  html: string;
}

const NEWLINE = Buffer.from('\n');
const SLAB_BYTES = 8 * 1024 * 1024;

/** Appends strings as UTF-8 into 8 MB slabs and hands back each one's bytes (a view, no copy). */
class LineSlab {
  private buffer = Buffer.allocUnsafe(SLAB_BYTES);
  private used = 0;
  add(s: string): Buffer {
    // Room for the worst case (3 bytes per UTF-16 unit), so the string is encoded in one pass.
    const most = s.length * 3;
    if (this.used + most > this.buffer.length) {
      this.buffer = Buffer.allocUnsafe(Math.max(SLAB_BYTES, most));
      this.used = 0;
    }
    const start = this.used;
    this.used += this.buffer.write(s, start, 'utf8');
    return this.buffer.subarray(start, this.used);
  }
}

/** The outbox file: each line and its newline, written in 1 MB batches. */
const writeOutboxFile = async (file: string, entries: readonly OutboxEntry[]): Promise<void> => {
  const handle = await open(file, 'w');
  try {
    let batch: Buffer[] = [];
    let size = 0;
    for (const entry of entries) {
      batch.push(entry.json, NEWLINE);
      size += entry.json.length + 1;
      if (size >= 1024 * 1024) {
        await handle.writev(batch);
        batch = [];
        size = 0;
      }
    }
    if (batch.length > 0) await handle.writev(batch);
  } finally {
    await handle.close();
  }
};

/** Redemptions of the campaigns with a coupon, and the orders whose code nobody issued. */
const replayCouponStats = async (runtime: Runtime, published: readonly PublishedCampaign[]): Promise<CouponStats[]> => {
  const ids = published.filter((p) => couponSpecOf(p.campaign) !== undefined).map((p) => p.campaign.id);
  return Promise.all([...ids, NO_CAMPAIGN].map((id) => runtime.coupons.couponStats(id)));
};

/** The summary the CLI prints (campaign and customer ids only, never addresses). */
export const formatReplaySummary = (result: Extract<ReplayResult, { ok: true }>): string => {
  const lines: string[] = [];
  lines.push(
    `replayed ${result.events.fed} events and ${result.ticks} ticks in ${result.seconds.toFixed(1)} s${result.workers > 1 ? ` in ${result.workers} shares` : ''}: ${result.mails} mails` +
      (result.events.afterWindow ? `, ${result.events.afterWindow} events after --to not fed` : ''),
  );
  const head = ['campaign', 'kind', 'occurrences', 'recipients', 'sent', 'suppressed', 'capped', 'failed', 'held out'];
  const rows = result.campaigns.map((c) => [c.campaignId, c.kind, ...[c.occurrences, c.recipients, c.sent, c.suppressed, c.capped, c.failed, c.heldOut].map(String)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => '  ' + r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  lines.push(fmt(head));
  for (const r of rows) lines.push(fmt(r));
  for (const s of result.skipped) lines.push(`  skipped ${s.campaignId} (${s.kind}): ${s.reason}`);
  if (result.badLines.length > 0) {
    lines.push(`${result.badLines.length} bad input lines skipped:`);
    for (const b of result.badLines.slice(0, 20)) lines.push(`  ${b.file}:${b.line}: ${b.reason}`);
    if (result.badLines.length > 20) lines.push(`  ... and ${result.badLines.length - 20} more`);
  }
  if (result.coupons.length > 1 || result.coupons.some((s) => s.redeemed + Object.values(s.refused).reduce((a, b) => a + (b ?? 0), 0) > 0)) {
    lines.push('coupons:');
    for (const line of formatCouponStats(result.coupons)) lines.push(`  ${line}`);
  }
  const r = result.referrals;
  const rejected = Object.entries(r.rejected).sort(([a], [b]) => (a < b ? -1 : 1));
  if (r.conversions + rejected.length > 0) {
    lines.push(
      `referrals: ${r.invitations} invitations, ${r.conversions} conversions, ${r.issued} rewards issued, ${r.revoked} revoked; rejected: ` +
        (rejected.length > 0 ? rejected.map(([reason, n]) => `${reason} ${n}`).join(', ') : 'none'),
    );
  }
  const sim = result.responses;
  if (sim) {
    lines.push(
      `simulated responses (demo only): ${sim.clicks} clicks, ${sim.ordersAfterClick} orders after a click, ` +
        `${sim.couponOrders} orders with a mailed coupon (${sim.lateCouponOrders} after it expired)`,
    );
  }
  const dl = result.deadLettered;
  if (dl.events + dl.audience + dl.send > 0) lines.push(`dead-lettered: events ${dl.events}, audience ${dl.audience}, send ${dl.send}`);
  return lines.join('\n');
};
