// The send handler as Lambda runs it, on a simulated clock: each invocation has a deadline
// (its timeout); at the deadline the sandbox freezes (whatever was in flight never continues) and
// SQS redelivers the batch after its visibility timeout. SES is the fake with its latency on the
// same clock. Used by the fault tests and bench/faults.bench.ts.
import type { SQSEvent } from 'aws-lambda';
import { SimClock } from '#local/sim-clock';
import { createMemoryDeliveryStore, type MemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { FakeSes } from '#adapters/fake-ses';
import { createSendHandler, type SendHandler } from '../../functions/send/handler';
import { DEFAULT_SEND_CONFIG, type SendConfig } from '#core/delivery/send';
import { resumePausedOccurrences } from '#core/delivery/resume';
import { createRateLimiter, sendParallelism } from '#core/delivery/pacing';
import { createPool } from '#core/delivery/pool';
import { RECIPIENTS_PER_MESSAGE, chunk, type SendWorkInput } from '#core/delivery/messages';
import type { QueuedMessage, SendQueue } from '#core/delivery/ports';
import type { DeliveryStore, PublishedCampaign } from '#core/delivery-store';
import type { Profile } from '#core/profile';
import type { ShopInfo } from '#core/render';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { arrayProfiles, testLinks, testRenderer } from './delivery-fixtures';

export interface SimSendOptions {
  profiles: Profile[];
  published: PublishedCampaign;
  shop: ShopInfo;
  start: Date;
  /** The account's rate; one send function at a time paces to all of it. */
  ratePerSecond: number;
  timeoutMs?: number;
  /** Send messages per invocation (the event source batch size). */
  batchSize?: number;
  sesLatencyMs?: number;
  max24HourSend?: number;
  send?: Partial<SendConfig>;
  /** Wraps the store the sender sees (fault injection). */
  wrapStore?: (store: DeliveryStore) => DeliveryStore;
  /** Powertools Metrics the handler publishes its outcome counts to. */
  metrics?: Metrics;
}

/** What happens to the n-th conditional write (1-based): its response is lost, or an error follows it. */
export type WriteFault = 'loseResponse' | 'throwAfter' | undefined;

/**
 * A store whose conditional writes (claim, transition, cap slot, resume) land and then fail as
 * `fault` says: `loseResponse` repeats the write (the SDK's retry, which meets its own condition)
 * and answers with the repeat; `throwAfter` throws a timeout once the write landed.
 */
export const faultyWrites = (store: DeliveryStore, fault: (write: number) => WriteFault = () => 'loseResponse'): DeliveryStore => {
  const conditional = new Set(['claim', 'transition', 'takeCapSlot', 'resumeOccurrence']);
  let writes = 0;
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      if (!conditional.has(String(name))) return fn.bind(target);
      return async (...args: unknown[]) => {
        const first = await fn.apply(target, args);
        const what = fault(++writes);
        if (what === 'throwAfter') throw Object.assign(new Error('socket timed out after the write'), { name: 'TimeoutError' });
        return what === 'loseResponse' ? fn.apply(target, args) : first;
      };
    },
  });
};

const quiet = new Logger({ serviceName: 'sim', logLevel: 'SILENT' });
const never = new Promise<never>(() => undefined);
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

export const createSimSend = async (options: SimSendOptions) => {
  const clock = new SimClock(options.start);
  const nowMs = () => clock.now().getTime();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const store: MemoryDeliveryStore = createMemoryDeliveryStore();
  await store.putCampaign(options.published);
  const campaignId = options.published.campaign.id;
  const occurrenceId = `${campaignId}:${options.start.toISOString().slice(0, 16)}Z`;
  await store.createOccurrence({ occurrenceId, campaignId, scheduledAt: options.start.toISOString(), state: 'running', totalSegments: 1, createdAt: options.start.toISOString(), stats: {} });

  /** The running invocation's sleep: past its deadline the sandbox is frozen and nothing wakes. */
  let endAt = Number.POSITIVE_INFINITY;
  const sleep = (ms: number): Promise<void> => (nowMs() + ms > endAt ? never : clock.sleep(ms));
  const ses = new FakeSes({ maxSendRate: options.ratePerSecond, latencyMs: options.sesLatencyMs ?? 80, now: nowMs, sleep, ...(options.max24HourSend ? { max24HourSend: options.max24HourSend } : {}) });

  const queue: { body: SendWorkInput; availableAtMs: number; receives: number }[] = [];
  const sendQueue: SendQueue = {
    async sendBatch(messages: readonly QueuedMessage<SendWorkInput>[]) {
      for (const m of messages) queue.push({ body: structuredClone(m.body), availableAtMs: nowMs() + (m.delaySeconds ?? 0) * 1000, receives: 0 });
    },
  };
  const senderStore = options.wrapStore ? options.wrapStore(store) : store;
  let owners = 0;
  let instance: SendHandler | undefined;
  /** A cold start: fresh limiter and pool (a frozen sandbox is gone). */
  const coldStart = (): SendHandler =>
    createSendHandler(
      {
        store: senderStore,
        profiles: arrayProfiles(options.profiles),
        mailer: ses,
        account: ses,
        renderer: testRenderer(options.shop),
        links: testLinks(),
        limiter: createRateLimiter({ ratePerSecond: options.ratePerSecond, now: nowMs, sleep }),
        pool: createPool(sendParallelism(options.ratePerSecond, 32)),
        sendQueue,
        clock: { now: () => clock.now() },
        sleep,
        random: () => 0.5,
        newOwner: () => `owner-${++owners}`,
        config: { ...DEFAULT_SEND_CONFIG, from: 'Kaffeerösterei <news@shop.example>', ...options.send },
      },
      quiet,
      options.metrics,
    );

  const enqueue = (customerIds: string[]) =>
    sendQueue.sendBatch(chunk(customerIds, RECIPIENTS_PER_MESSAGE).map((ids) => ({ body: { occurrenceId, campaignId, customerIds: ids } })));

  let invocations = 0;
  let timeouts = 0;
  /** Messages SQS had to deliver again (a failed record or a timed-out batch): receive counts burnt. */
  let redeliveries = 0;
  let messageIds = 0;
  /** One invocation over up to batchSize available messages; a timed-out batch comes back after the visibility timeout. */
  const invoke = async (): Promise<void> => {
    const batch = queue.filter((m) => m.availableAtMs <= nowMs()).slice(0, options.batchSize ?? 10);
    for (const m of batch) queue.splice(queue.indexOf(m), 1);
    const event = { Records: batch.map((m) => ({ messageId: `m${++messageIds}`, body: JSON.stringify(m.body) })) } as SQSEvent;
    invocations++;
    endAt = nowMs() + timeoutMs;
    instance ??= coldStart();
    let done = false;
    let failed: string[] = [];
    void instance(event, { getRemainingTimeInMillis: () => endAt - nowMs() }).then((r) => {
      done = true;
      failed = r.batchItemFailures.map((f) => f.itemIdentifier);
    });
    for (;;) {
      await macrotask();
      if (done) break;
      const next = clock.nextTimerAt();
      if (!next || next.getTime() > endAt) break;
      await clock.advanceTo(next);
    }
    const visibleAgainAt = endAt + 5 * timeoutMs;
    if (!done) {
      // Frozen at the deadline: Lambda kills the sandbox, SQS redelivers the whole batch later.
      timeouts++;
      instance = undefined;
      if (nowMs() < endAt) await clock.advanceTo(endAt);
      for (const m of batch) queue.push({ ...m, availableAtMs: visibleAgainAt, receives: m.receives + 1 });
      redeliveries += batch.length;
    } else {
      event.Records.forEach((r, i) => {
        const m = batch[i]!;
        if (!failed.includes(r.messageId)) return;
        queue.push({ ...m, availableAtMs: visibleAgainAt, receives: m.receives + 1 });
        redeliveries++;
      });
    }
    endAt = Number.POSITIVE_INFINITY;
  };

  /** Plays Lambda and tick (every minute while work is parked) until the queue is empty. */
  const run = async (maxInvocations = 2_000) => {
    while (invocations < maxInvocations) {
      if (queue.some((m) => m.availableAtMs <= nowMs())) {
        await invoke();
        continue;
      }
      const paused = (await store.listPausedOccurrences()).length > 0;
      if (queue.length === 0 && !paused) break;
      const next = Math.min(...queue.map((m) => m.availableAtMs), paused ? nowMs() + 60_000 : Number.POSITIVE_INFINITY);
      await clock.advanceTo(Math.max(next, nowMs()));
      // tick's resume check (the account's quota frees up as its 24 hours roll on).
      if (paused) await resumePausedOccurrences({ store, sendQueue, account: ses });
    }
  };

  const report = () => {
    const accepted = ses.accepted.map((a) => a.mail.to);
    const unique = new Set(accepted);
    const uncertain = store.ledgerEntries().filter((e) => e.state === 'uncertain').length;
    return {
      sent: unique.size,
      lost: options.profiles.filter((p) => !unique.has(p.email)).length,
      duplicates: accepted.length - unique.size,
      uncertain,
      maxPerSecond: ses.maxInAnySecond(),
      invocations,
      timeouts,
      redeliveries,
      simulatedSeconds: (nowMs() - options.start.getTime()) / 1000,
    };
  };

  return { clock, store, ses, queue, occurrenceId, enqueue, invoke, run, report };
};
