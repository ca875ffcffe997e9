// The reputation circuit breaker: marketing sending pauses before SES reviews the account.
// SES puts an account under review at a 5% bounce rate or a 0.1% complaint rate, and a review
// can pause every mail of the account, transactional ones included. So our own limits sit below:
// over the last N (>= 500) mails with a final outcome (delivered or bounced), a bounce rate above
// 4% or a complaint rate above 0.08% trips the breaker (all configurable).
//
// - tripped: send parks marketing work (the occurrence pauses with cause `breaker`, its work is
//   held like any pause); transactional mail keeps flowing. The state says why (rates, counts).
// - lifted by a person (`stammkunde resume --breaker`), or after the cool-down: the breaker then
//   `testing` admits a smaller test batch (`testBatch` recipients); feedback judges the test's own
//   outcomes once `testBatch` mails have one, and clears the breaker or trips it again.
// - after a clear, the window only counts hours after it, so old bad hours do not trip it again.
// Counts come from sharded hour buckets (feedback.ts addReputation); the send path reads the state
// through a per-container cache (`cachedBreaker`), not per mail.
import * as z from 'zod';
import type { ReputationCounts } from './feedback';

/** The pause reason of occurrences the breaker holds (`stammkunde campaigns` shows it). */
export const BREAKER_PAUSE_REASON = 'reputation circuit breaker: see `stammkunde status`';

export interface BreakerConfig {
  /** Mails with a final outcome the rates are judged over (at least 500). */
  minSends: number;
  /** Trips above this bounce rate (0.04 = 4%). */
  maxBounceRate: number;
  /** Trips above this complaint rate (0.0008 = 0.08%). */
  maxComplaintRate: number;
  /** Hour buckets looked back over for the last `minSends` mails. */
  windowHours: number;
  /** After this long a tripped breaker lets a test batch through. */
  coolDownMinutes: number;
  /** Recipients of the test batch after the cool-down. */
  testBatch: number;
}

export const DEFAULT_BREAKER_CONFIG: BreakerConfig = {
  minSends: 500,
  maxBounceRate: 0.04,
  maxComplaintRate: 0.0008,
  windowHours: 24,
  coolDownMinutes: 24 * 60,
  testBatch: 100,
};

const BreakerConfigJson = z
  .object({
    minSends: z.number(),
    maxBounceRate: z.number(),
    maxComplaintRate: z.number(),
    windowHours: z.number().int().min(1).max(168),
    coolDownMinutes: z.number().int().min(1),
    testBatch: z.number().int().min(1),
  })
  .partial()
  .strict();

/** BREAKER_CONFIG (JSON, any subset of BreakerConfig) over the defaults; throws naming the field. */
export const parseBreakerConfig = (json: string | undefined): BreakerConfig => {
  if (json === undefined || json.trim() === '') return DEFAULT_BREAKER_CONFIG;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`BREAKER_CONFIG: not JSON (${(error as Error).message})`);
  }
  const parsed = BreakerConfigJson.safeParse(raw);
  if (!parsed.success) throw new Error(`BREAKER_CONFIG.${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return checkBreakerConfig({ ...DEFAULT_BREAKER_CONFIG, ...parsed.data });
};

export const checkBreakerConfig = (config: BreakerConfig): BreakerConfig => {
  if (!Number.isInteger(config.minSends) || config.minSends < 500) throw new Error(`breaker minSends ${config.minSends}: must be a whole number of at least 500`);
  if (!(config.maxBounceRate > 0 && config.maxBounceRate < 0.05)) throw new Error(`breaker maxBounceRate ${config.maxBounceRate}: must be above 0 and below SES's 0.05`);
  if (!(config.maxComplaintRate > 0 && config.maxComplaintRate < 0.001)) throw new Error(`breaker maxComplaintRate ${config.maxComplaintRate}: must be above 0 and below SES's 0.001`);
  return config;
};

/** The stored breaker (one item). Absent: closed, marketing flows. */
export interface BreakerState {
  state: 'tripped' | 'closed';
  /** Why it tripped: rates and counts, shown by `stammkunde status` and the report. */
  reason?: string;
  trippedAt?: string;
  /** When a tripped breaker starts its test batch. */
  coolDownUntil?: string;
  /** Recipients admitted during the test batch so far. */
  testAdmitted?: number;
  /** Outcomes of the test batch so far. */
  test?: ReputationCounts;
  /** Hour buckets at or before this one are not judged again (set when the breaker clears). */
  ignoreThrough?: string;
  /** Who or what lifted it last: "person" or "test batch". */
  liftedBy?: string;
  liftedAt?: string;
}

export type BreakerMode = 'closed' | 'tripped' | 'testing';

/** What the breaker means at `now`: closed, tripped (cool-down running) or testing. */
export const breakerMode = (state: BreakerState | undefined, now: Date): BreakerMode => {
  if (!state || state.state !== 'tripped') return 'closed';
  return state.coolDownUntil && Date.parse(state.coolDownUntil) <= now.getTime() ? 'testing' : 'tripped';
};

export const rates = (c: ReputationCounts): { bounceRate: number; complaintRate: number } => ({
  bounceRate: c.sends ? c.bounces / c.sends : 0,
  complaintRate: c.sends ? c.complaints / c.sends : 0,
});

const pct = (r: number, digits: number) => `${(r * 100).toFixed(digits)}%`;

/** The reason a set of counts breaks a limit, or undefined. */
export const overLimit = (c: ReputationCounts, config: BreakerConfig): string | undefined => {
  const { bounceRate, complaintRate } = rates(c);
  if (bounceRate > config.maxBounceRate) return `bounce rate ${pct(bounceRate, 2)} (${c.bounces} of ${c.sends} mails) above ${pct(config.maxBounceRate, 2)}`;
  if (complaintRate > config.maxComplaintRate) return `complaint rate ${pct(complaintRate, 3)} (${c.complaints} of ${c.sends} mails) above ${pct(config.maxComplaintRate, 3)}`;
  return undefined;
};

/** The hour buckets to judge, newest first, at `now` (`YYYY-MM-DDTHH`, as feedback writes them). */
export const recentBuckets = (now: Date, hours: number, ignoreThrough?: string): string[] => {
  const out: string[] = [];
  for (let h = 0; h < hours; h++) {
    const bucket = new Date(now.getTime() - h * 3_600_000).toISOString().slice(0, 13);
    if (ignoreThrough && bucket <= ignoreThrough) break;
    out.push(bucket);
  }
  return out;
};

/**
 * Sums buckets newest first until `minSends` mails are covered; judges nothing below that (a
 * handful of mails says nothing about a list). Undefined: within limits or too few mails.
 */
export const judgeWindow = (bucketsNewestFirst: readonly ReputationCounts[], config: BreakerConfig): string | undefined => {
  const sum = { sends: 0, bounces: 0, complaints: 0 };
  for (const b of bucketsNewestFirst) {
    sum.sends += b.sends;
    sum.bounces += b.bounces;
    sum.complaints += b.complaints;
    if (sum.sends >= config.minSends) break;
  }
  if (sum.sends < config.minSends) return undefined;
  const over = overLimit(sum, config);
  return over ? `${over} over the last ${sum.sends} mails` : undefined;
};

export const tripped = (reason: string, now: Date, config: BreakerConfig): BreakerState => ({
  state: 'tripped',
  reason,
  trippedAt: now.toISOString(),
  coolDownUntil: new Date(now.getTime() + config.coolDownMinutes * 60_000).toISOString(),
  testAdmitted: 0,
  test: { sends: 0, bounces: 0, complaints: 0 },
});

export const lifted = (by: string, now: Date): BreakerState => ({
  state: 'closed',
  ignoreThrough: now.toISOString().slice(0, 13),
  liftedBy: by,
  liftedAt: now.toISOString(),
});

/**
 * The test batch's verdict once `testBatch` mails have an outcome: lift, or trip again (a fresh
 * cool-down). Undefined while the test is still running.
 */
export const judgeTest = (state: BreakerState, config: BreakerConfig, now: Date): BreakerState | undefined => {
  const test = state.test ?? { sends: 0, bounces: 0, complaints: 0 };
  if (test.sends < config.testBatch) return undefined;
  const over = overLimit(test, config);
  return over ? tripped(`test batch after the cool-down: ${over}`, now, config) : lifted('test batch', now);
};

/** Where the breaker lives (adapters: dynamo-feedback-store.ts, memory-feedback-store.ts). */
export interface BreakerStore {
  getBreaker(): Promise<BreakerState | undefined>;
  /** Writes the state when the stored one still has `expectedTrippedAt` (undefined: not tripped). */
  putBreaker(state: BreakerState, expectedTrippedAt: string | undefined): Promise<boolean>;
  /** Admits `n` test recipients if the budget allows (atomic); false when it is spent. */
  admitTest(n: number, budget: number, trippedAt: string): Promise<boolean>;
  /** Adds outcomes of test mails (feedback during `testing`). */
  addTestOutcomes(counts: ReputationCounts, trippedAt: string): Promise<void>;
}

/** The send path's view: does the breaker hold back this marketing work? Cached per container. */
export interface BreakerGate {
  /** True when marketing work of `recipients` mails must be parked now. */
  holds(recipients: number): Promise<boolean>;
}

/**
 * A per-container cache of the breaker state, read at most once per `maxAgeMs` (not per mail).
 * While testing, each admitted message takes its recipients from the test budget (one write per
 * send message, only in that state).
 */
export const cachedBreaker = (store: BreakerStore, config: BreakerConfig, now: () => Date, maxAgeMs = 60_000): BreakerGate => {
  let cached: { state: BreakerState | undefined; atMs: number } | undefined;
  return {
    async holds(recipients) {
      const at = now();
      if (!cached || at.getTime() - cached.atMs >= maxAgeMs) cached = { state: await store.getBreaker(), atMs: at.getTime() };
      const mode = breakerMode(cached.state, at);
      if (mode === 'closed') return false;
      if (mode === 'tripped') return true;
      return !(await store.admitTest(recipients, config.testBatch, cached.state!.trippedAt!));
    },
  };
};

/**
 * Feedback's step after each batch: during a test, adds its outcomes and judges the test; when
 * closed, trips on the window (read only when the batch held a bounce or complaint: rates only
 * rise then). Answers the new state when it changed (to raise the alarm metric and log it).
 */
export const checkReputation = async (
  deps: { breaker: BreakerStore; readWindow: (buckets: string[]) => Promise<ReputationCounts[]> },
  batch: ReputationCounts,
  config: BreakerConfig,
  now: Date,
): Promise<BreakerState | undefined> => {
  const state = await deps.breaker.getBreaker();
  const mode = breakerMode(state, now);
  if (mode === 'tripped') return undefined;
  if (mode === 'testing') {
    await deps.breaker.addTestOutcomes(batch, state!.trippedAt!);
    const fresh = await deps.breaker.getBreaker();
    const verdict = fresh && judgeTest(fresh, config, now);
    if (verdict && (await deps.breaker.putBreaker(verdict, state!.trippedAt))) return verdict;
    return undefined;
  }
  if (batch.bounces + batch.complaints === 0) return undefined;
  const reason = judgeWindow(await deps.readWindow(recentBuckets(now, config.windowHours, state?.ignoreThrough)), config);
  if (!reason) return undefined;
  const next = tripped(reason, now, config);
  return (await deps.breaker.putBreaker({ ...next, ...(state?.ignoreThrough ? { ignoreThrough: state.ignoreThrough } : {}) }, undefined)) ? next : undefined;
};

/** tick's question: may breaker-paused occurrences run again? Closed, or testing with budget left. */
export const breakerReleases = async (store: Pick<BreakerStore, 'getBreaker'>, config: BreakerConfig, now: Date): Promise<boolean> => {
  const state = await store.getBreaker();
  const mode = breakerMode(state, now);
  return mode === 'closed' || (mode === 'testing' && (state?.testAdmitted ?? 0) < config.testBatch);
};

/** A person lifts the breaker (`stammkunde resume --breaker`); false when it was not tripped. */
export const liftBreaker = async (store: BreakerStore, now: Date): Promise<boolean> => {
  const state = await store.getBreaker();
  if (!state || state.state !== 'tripped') return false;
  return store.putBreaker({ ...lifted('person', now), ...(state.reason ? { reason: `lifted; was: ${state.reason}` } : {}) }, state.trippedAt);
};
