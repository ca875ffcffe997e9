// Pacing of SES calls. A token bucket whose tokens come back exactly one window (1 s) after they
// were spent, i.e. a sliding-window limiter: no 1-second window ever holds more than the rate's
// calls, idle time never builds a burst above it, and timer jitter does not lose throughput
// (a late grant does not push the next ones back). Time and sleeping are injected (pure core).
export interface RateLimiter {
  readonly ratePerSecond: number;
  /** Resolves when one SES call may start. Callers are served in order. */
  acquire(): Promise<void>;
}

export interface RateLimiterOptions {
  ratePerSecond: number;
  /** Monotonic milliseconds (performance.now in adapters, a fake in tests). */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const createRateLimiter = ({ ratePerSecond, now, sleep }: RateLimiterOptions): RateLimiter => {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new Error(`send rate ${ratePerSecond} must be a positive number`);
  // Below 1 mail/s the window stretches so one token returns after 1/rate seconds.
  const capacity = Math.max(1, Math.floor(ratePerSecond));
  const windowMs = (capacity * 1000) / ratePerSecond;
  const spentAt = new Array<number>(capacity).fill(-Infinity);
  let next = 0;
  let queue: Promise<void> = Promise.resolve();
  const grant = async (): Promise<void> => {
    const freeAt = (spentAt[next] as number) + windowMs;
    for (let wait = freeAt - now(); wait > 0; wait = freeAt - now()) await sleep(wait);
    spentAt[next] = now();
    next = (next + 1) % capacity;
  };
  return {
    ratePerSecond,
    acquire() {
      const turn = queue.then(grant);
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
};

/** Exponential backoff with full jitter (AWS architecture blog), in ms. */
export const backoffMs = (attempt: number, baseMs: number, maxMs: number, random: () => number): number =>
  Math.round(random() * Math.min(maxMs, baseMs * 2 ** attempt));

/**
 * Each concurrent sender gets its share of the account's rate: SES limits the account, and each
 * Lambda instance paces itself without talking to the others.
 */
export const perSenderRate = (accountMaxSendRate: number, senders: number, utilization = 1): number =>
  (accountMaxSendRate * utilization) / Math.max(1, senders);

/**
 * SES calls in flight per instance: enough to keep the rate busy through SES latency, few enough
 * that recipients queued for a token never wait past the deadline margin (a token wait is
 * in-flight / rate seconds).
 */
export const sendParallelism = (ratePerSecond: number, maxParallelism: number, latencySeconds = 0.5): number =>
  Math.max(1, Math.min(maxParallelism, Math.ceil(ratePerSecond * Math.max(1, latencySeconds * 2))));

/**
 * Send messages per invocation (the event source batch size) so that a batch fits the timeout at
 * this instance's share of the rate: (timeout - margin) * rate / recipients per message, 1..10.
 * A batch that still does not fit is not lost: the sender hands back what it could not start.
 */
export const sendBatchSize = (options: { ratePerSecond: number; concurrency: number; timeoutSeconds: number; marginSeconds: number; recipientsPerMessage: number }): number => {
  const perInstance = options.ratePerSecond / Math.max(1, options.concurrency);
  const fits = Math.floor(((options.timeoutSeconds - options.marginSeconds) * perInstance) / options.recipientsPerMessage);
  return Math.max(1, Math.min(10, fits));
};

/**
 * How many send instances run at once, and with how much memory, for an account rate. A paced
 * instance is billed while it waits for its tokens, so send costs about concurrency x memory /
 * rate GB-seconds per mail: slow accounts get few, small instances (2 is the least an SQS event
 * source allows). One instance with 32 calls in flight handles about 50 mails/s comfortably.
 */
export const sendSizing = (ratePerSecond: number): { concurrency: number; memoryMb: number } => ({
  concurrency: Math.max(2, Math.min(50, Math.ceil(ratePerSecond / 50))),
  memoryMb: ratePerSecond <= 50 ? 512 : 1024,
});
