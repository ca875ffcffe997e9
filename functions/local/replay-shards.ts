// A replay split over worker threads: the customers are divided into shares, each share replays
// its customers' events through its own runtime in its own thread (replay-worker.ts), and the
// parent adds the parts up (replay.ts assemble). The outbox is the same bytes as on one runtime,
// because nothing a customer's mail depends on is shared with customers of another share:
// - profiles, frequency caps, quiet hours, coupons and the ledger are per customer;
// - a referral joins friend and referrer: both go to the same share (the referrer found by the
//   code of attempt 0, which is what a replay's referral code is unless two customers' candidates
//   collide: then the replay is not split);
// - occurrences come from the same schedules in every share (their counts are added up);
// - tick runs at every UTC midnight (replay.ts), so CouponExpiring does not wait for whatever
//   other customers happen to be due.
// After the run the parent checks what the split cannot see in advance: a coupon code used by an
// order in another share than its holder's, a code issued twice, or a referral code made at a later
// attempt. Any of them (none in the demo shop) and the replay runs again on one runtime.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PublishedCampaign } from '#core/delivery-store';
import { normalizeReferralCode, referralCodeCandidate } from '#core/referral';
import { normalizeCode } from '#core/coupons';
import { couponSpecOf } from '#core/delivery/coupon-step';
import type { BusEvent } from './bus';
import { replayShare, type OutboxEntry, type ProgressSink, type ReplayOptions, type ReplayParts, type ShareInputs } from './replay';

/** From this many customers on, a replay is split by default (below it, thread start-up outweighs the gain). */
export const SPLIT_FROM_CUSTOMERS = 2_000;
/** Most worker threads a replay starts by default. */
export const MAX_DEFAULT_WORKERS = 4;

/** The customer an event is about (every shop detail-type names one). */
export const customerOf = (event: BusEvent): string | undefined => {
  const id = (event.detail as { customerId?: unknown } | null)?.customerId;
  return typeof id === 'string' ? id : undefined;
};

/**
 * Workers for a replay that is `big` enough to split: 1 where a split cannot work (local AWS
 * servers, `inspect` of one runtime), else `--workers`, else the cores (at most 4) when big.
 */
const workersWhen = (options: ReplayOptions, big: boolean): number => {
  if ((options.backend ?? 'memory') !== 'memory' || options.aws || options.inspect) return 1;
  if (options.workers !== undefined) return Math.max(1, Math.floor(options.workers));
  return big ? Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_WORKERS)) : 1;
};

/** How many workers a replay runs on, once its events are read. */
export const workersFor = (options: ReplayOptions, inputs: { feed: readonly BusEvent[] }): number =>
  workersWhen(options, new Set(inputs.feed.map(customerOf)).size >= SPLIT_FROM_CUSTOMERS);

/**
 * The customers of each share: referral friends with their referrers (union-find over the codes in
 * the events), the groups dealt largest first to the share with the fewest events so far.
 * Undefined when the split would not be exact (an event without a customer, colliding codes).
 */
export const planShares = (feed: readonly BusEvent[], count: number): string[][] | undefined => {
  const parent = new Map<string, string>();
  const weight = new Map<string, number>();
  for (const event of feed) {
    const customerId = customerOf(event);
    if (customerId === undefined) return undefined;
    if (!parent.has(customerId)) parent.set(customerId, customerId);
    weight.set(customerId, (weight.get(customerId) ?? 0) + 1);
  }
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let at = id; at !== root; ) {
      const up = parent.get(at)!;
      parent.set(at, root);
      at = up;
    }
    return root;
  };
  const codeOwner = new Map<string, string>();
  for (const customerId of parent.keys()) {
    const code = referralCodeCandidate(customerId, 0);
    if (codeOwner.has(code)) return undefined;
    codeOwner.set(code, customerId);
  }
  for (const event of feed) {
    const raw = (event.detail as { referralCode?: unknown }).referralCode;
    const code = typeof raw === 'string' ? normalizeReferralCode(raw) : undefined;
    const referrer = code === undefined ? undefined : codeOwner.get(code);
    if (referrer === undefined) continue;
    const [a, b] = [find(customerOf(event)!), find(referrer)];
    if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
  }
  const groups = new Map<string, { customers: string[]; weight: number }>();
  for (const customerId of parent.keys()) {
    const root = find(customerId);
    let group = groups.get(root);
    if (!group) groups.set(root, (group = { customers: [], weight: 0 }));
    group.customers.push(customerId);
    group.weight += 1 + weight.get(customerId)!;
  }
  const shares = Array.from({ length: count }, () => ({ customers: [] as string[], weight: 0 }));
  const ordered = [...groups.entries()].sort(([ra, a], [rb, b]) => b.weight - a.weight || (ra < rb ? -1 : 1));
  for (const [, group] of ordered) {
    const lightest = shares.reduce((best, share) => (share.weight < best.weight ? share : best));
    lightest.customers.push(...group.customers);
    lightest.weight += group.weight;
  }
  return shares.map((s) => s.customers);
};

/** What a worker is given: the replay's switches, the compiled campaigns and its customers' events (nothing compiled or parsed twice). */
export interface ShareTask {
  options: Pick<ReplayOptions, 'campaigns' | 'events' | 'from' | 'to' | 'templatesDir' | 'confirmConsent' | 'respond' | 'keepHtml'>;
  inputs: ShareInputs;
  /** Post progress messages (once per replayed day). */
  progress?: boolean;
}

/** What a worker posts: its progress, then its parts. */
export type WorkerMessage = { kind: 'progress'; done: number; total: number; day: string } | { kind: 'parts'; parts: PackedParts };

/** A worker's parts as posted: the outbox lines' bytes in one transferred buffer. */
export interface PackedParts extends Omit<ReplayParts, 'outbox'> {
  keys: [string, string, string, string][];
  lengths: Uint32Array;
  bytes: Uint8Array;
  html: string[];
}

export const packParts = (parts: ReplayParts): PackedParts => {
  const { outbox, ...rest } = parts;
  const lengths = Uint32Array.from(outbox, (o) => o.json.length);
  const bytes = new Uint8Array(lengths.reduce((n, l) => n + l, 0));
  let at = 0;
  for (const o of outbox) {
    bytes.set(o.json, at);
    at += o.json.length;
  }
  return { ...rest, keys: outbox.map((o) => [o.at, o.campaignId, o.occurrenceId, o.customerId]), lengths, bytes, html: outbox.map((o) => o.html) };
};

const unpackParts = (packed: PackedParts): ReplayParts => {
  const { keys, lengths, bytes, html, ...rest } = packed;
  const outbox: OutboxEntry[] = [];
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    const [sentAt, campaignId, occurrenceId, customerId] = keys[i]!;
    outbox.push({ at: sentAt, campaignId, occurrenceId, customerId, json: Buffer.from(bytes.buffer, bytes.byteOffset + at, lengths[i]!), html: html[i]! });
    at += lengths[i]!;
  }
  return { ...rest, outbox };
};

const WORKER = new URL('./replay-worker.mjs', import.meta.url);

/**
 * The worker threads of a split replay, started before the inputs are read so that loading the
 * engine in each (about 2 s) overlaps the parent's compile and parse. Each takes one task. The
 * parent thread replays the first share itself (it has the engine loaded already, and its part
 * needs no packing), so a split into N shares starts N - 1 threads.
 */
export class ShareWorkers {
  private readonly workers: Worker[] = [];
  /** Starts the threads for `shares` shares: one fewer, the parent runs one (none below 2 shares: a split needs two). */
  ensure(shares: number): void {
    // No execArgv of ours: the worker registers tsx itself (replay-worker.mjs), whoever started us.
    while (shares > 1 && this.workers.length < shares - 1) this.workers.push(new Worker(WORKER, { execArgv: [] }));
  }
  /** Runs one share on worker `index`; its progress (events and ticks done of its total, its day) goes to `progress`. */
  run(index: number, task: ShareTask, progress?: (done: number, total: number, day: string) => void): Promise<ReplayParts> {
    const worker = this.workers[index];
    if (!worker) throw new Error(`replay worker ${index} was not started`);
    return new Promise((resolve, reject) => {
      let done = false;
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'progress') return progress?.(message.done, message.total, message.day);
        done = true;
        resolve(unpackParts(message.parts));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (!done) reject(new Error(`replay worker stopped (exit code ${code}) before it answered`));
      });
      worker.postMessage({ ...task, progress: progress !== undefined });
    });
  }
  /** Stops every worker (those that answered have ended already). */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}

/** Bytes of events from which a replay starts its workers before it has read them (about 2,000 customers of the demo shop). */
export const EARLY_START_BYTES = 1_500_000;

/** Workers worth starting before the inputs are read: as many as `workersFor` will likely ask for. */
export const earlyWorkers = (options: ReplayOptions, eventsBytes: number): number => workersWhen(options, eventsBytes >= EARLY_START_BYTES);

const usesPool = (published: readonly PublishedCampaign[]): boolean => published.some((p) => couponSpecOf(p.campaign)?.pool !== undefined);

/**
 * Replays the shares on `count` workers. Undefined when the replay must run on one runtime after
 * all: a coupon pool (one draw counter for everyone), no split possible, or a code that crossed it.
 */
export const replayOnWorkers = async (options: ReplayOptions, inputs: ShareInputs, workers: ShareWorkers, count: number, bar?: ProgressSink): Promise<ReplayParts[] | undefined> => {
  if (usesPool(inputs.published)) return undefined;
  const shares = planShares(inputs.feed, count)?.filter((s) => s.length > 0);
  if (!shares || shares.length < 2) return undefined;
  const { campaigns, events, from, to, templatesDir, confirmConsent, respond, keepHtml } = options;
  const shared: ShareTask['options'] = { campaigns, events, from, to, ...(templatesDir ? { templatesDir } : {}), ...(confirmConsent !== undefined ? { confirmConsent } : {}), ...(respond ? { respond } : {}), ...(keepHtml !== undefined ? { keepHtml } : {}) };
  workers.ensure(shares.length);
  // One bar for all: the sum of the workers' progress, at the day of the one furthest behind.
  const seen = shares.map(() => ({ done: 0, total: 0, day: '' }));
  let started = false;
  const progress = bar
    ? (i: number) => (done: number, total: number, day: string) => {
        seen[i] = { done, total, day };
        if (seen.some((s) => s.total === 0)) return;
        const behind = seen.reduce((min, s) => (s.day < min ? s.day : min), seen[0]!.day);
        if (!started) bar.start(seen.reduce((n, s) => n + s.total, 0), behind);
        started = true;
        bar.update(seen.reduce((n, s) => n + s.done, 0), behind);
      }
    : undefined;
  const tasks = shares.map((customers): ShareTask => {
    const mine = new Set(customers);
    return { options: shared, inputs: { set: inputs.set, published: inputs.published, feed: inputs.feed.filter((event) => mine.has(customerOf(event)!)) } };
  });
  // The worker threads get their shares first; then this thread replays the first one itself.
  const others = tasks.slice(1).map((task, i) => workers.run(i, task, progress?.(i + 1)));
  const first = progress?.(0);
  const parts = await Promise.all([replayShare(tasks[0]!.options, tasks[0]!.inputs, first ? shareProgress(first) : undefined), ...others]);
  return splitHeld(inputs.feed, shares, parts) ? parts : undefined;
};

/** Progress of a share, passed on once per replayed day (a message per instant would be tens of thousands). */
export const shareProgress = (report: (done: number, total: number, day: string) => void): ProgressSink => {
  let total = 0;
  let lastDay = '';
  return {
    start: (all, day) => report(0, (total = all), day),
    update: (done, day) => {
      if (day === lastDay) return;
      lastDay = day;
      report(done, total, day);
    },
    stop: () => undefined,
  };
};

/** True when no code crossed the split: each coupon issued once, used only in its holder's share, referral codes of attempt 0. */
const splitHeld = (feed: readonly BusEvent[], shares: readonly string[][], parts: readonly ReplayParts[]): boolean => {
  if (parts.some((p) => p.laterReferralCodes > 0)) return false;
  const shareOf = new Map<string, number>();
  shares.forEach((customers, i) => customers.forEach((c) => shareOf.set(c, i)));
  const holders = new Map<string, string>();
  for (const part of parts) {
    for (const [code, holder] of part.couponHolders) {
      if (holders.has(code)) return false;
      holders.set(code, holder);
    }
  }
  for (const event of feed) {
    const raw = (event.detail as { couponCode?: unknown }).couponCode;
    if (typeof raw !== 'string') continue;
    const holder = holders.get(normalizeCode(raw));
    if (holder !== undefined && shareOf.get(holder) !== shareOf.get(customerOf(event)!)) return false;
  }
  return true;
};
