// In-process queues with SQS semantics for the embedded runtime: send/receive/delete, visibility
// timeout and redelivery, receive counts, a dead-letter queue after maxReceiveCount, and a consumer
// that invokes an SQS-triggered Lambda handler with batches shaped like the real event source
// mapping builds them (partial batch failures honoured; a thrown handler fails the whole batch).
//
// Time comes from a SchedulingClock: with the real clock redelivery happens on timers; with a
// SimClock nothing moves until `drain()` (or whoever owns the clock) advances it, so runs are
// deterministic.
import { createHash } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { sequentialIds, type BusEvent, type IdSource } from './bus';
import { SimClock, type SchedulingClock, type TimerHandle } from './sim-clock';
import { TimedHeap } from './timed-heap';

/** An SQS-triggered Lambda handler, as `functions/<name>/handler.ts` exports it. */
export type SqsLambdaHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void> | SQSBatchResponse | void;

export interface QueueOptions {
  name: string;
  clock: SchedulingClock;
  /** Seconds a received message stays invisible; SQS's default is 30. */
  visibilityTimeoutSeconds?: number;
  /** After this many receives a message goes to the dead-letter queue instead of a consumer. */
  deadLetter?: { queue: Queue; maxReceiveCount: number };
  /** Message ids; defaults to a deterministic sequence per queue name. */
  ids?: IdSource;
  account?: string;
  region?: string;
}

export interface SendOptions {
  delaySeconds?: number;
  messageAttributes?: SQSMessageAttributes;
}

export interface SendBatchEntry extends SendOptions {
  /** The entry id, unique within the batch (not the message id). */
  id: string;
  body: string;
}

export interface SendBatchResult {
  successful: { id: string; messageId: string }[];
  failed: { id: string; code: string; message: string }[];
}

export interface ConsumerOptions {
  /** Records per invocation, 1 to 10 (the SQS event source's standard maximum without a window). */
  batchSize?: number;
  /** Batches in flight at once (Lambda's concurrent invocations). */
  concurrency?: number;
  functionName?: string;
  /** Called when the handler throws; the batch is redelivered after the visibility timeout. */
  onError?: (error: unknown, messageIds: string[]) => void;
}

export interface QueueStats {
  sent: number;
  received: number;
  deleted: number;
  invocations: number;
  /** Records the handler reported in batchItemFailures. */
  failedItems: number;
  /** Invocations that threw or answered an invalid batch response. */
  failedBatches: number;
  movedToDeadLetter: number;
}

/** A message as the queue holds it; `receive()` hands out SQS-shaped records. */
interface StoredMessage {
  messageId: string;
  body: string;
  /** Computed when a record's md5OfBody is first read (few consumers do; it was 1 % of a replay). */
  md5OfBody?: string;
  messageAttributes: SQSMessageAttributes;
  sentAt: number;
  seq: number;
  receiveCount: number;
  firstReceiveAt?: number;
  receiptHandle?: string;
  state: 'visible' | 'hidden' | 'gone';
  visibleAt: number;
  /** Bumped whenever the message is hidden again, so stale heap entries are skipped. */
  generation: number;
  deadLetterSourceArn?: string;
}

interface HiddenEntry {
  at: number;
  seq: number;
  message: StoredMessage;
  generation: number;
}


const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** SQS standard-queue quotas this queue enforces. */
export const SQS_MAX_BATCH = 10;
export const SQS_MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
const MAX_DELAY_SECONDS = 15 * 60;

/** A Lambda context good enough for handlers and Powertools (request id, remaining time). */
export const lambdaContext = (functionName: string, awsRequestId: string, region = 'local', account = '000000000000'): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

export class Queue {
  readonly name: string;
  readonly arn: string;
  readonly stats: QueueStats = { sent: 0, received: 0, deleted: 0, invocations: 0, failedItems: 0, failedBatches: 0, movedToDeadLetter: 0 };
  private readonly clock: SchedulingClock;
  private readonly visibilityTimeoutMs: number;
  private readonly deadLetter?: { queue: Queue; maxReceiveCount: number };
  private readonly ids: IdSource;
  private readonly region: string;
  private readonly account: string;
  private readonly byId = new Map<string, StoredMessage>();
  /** Visible messages in receive order; `head` skips taken ones without shifting the array. */
  private visible: StoredMessage[] = [];
  private head = 0;
  /** Hidden messages by the time they become visible again. */
  private readonly hidden = new TimedHeap<HiddenEntry>();
  private hiddenCount = 0;
  private seq = 0;

  private consumer?: { handler: SqsLambdaHandler; options: Required<Omit<ConsumerOptions, 'onError'>> & Pick<ConsumerOptions, 'onError'>; requestIds: IdSource };
  private running = false;
  private active = new Set<Promise<void>>();
  private wake?: { at: number; timer: TimerHandle };
  private pumpScheduled = false;

  constructor(options: QueueOptions) {
    this.name = options.name;
    this.clock = options.clock;
    this.region = options.region ?? 'local';
    this.account = options.account ?? '000000000000';
    this.arn = `arn:aws:sqs:${this.region}:${this.account}:${this.name}`;
    const visibility = options.visibilityTimeoutSeconds ?? 30;
    if (!(visibility >= 0 && visibility <= MAX_VISIBILITY_SECONDS)) throw new Error(`queue ${this.name}: visibilityTimeoutSeconds must be 0..${MAX_VISIBILITY_SECONDS}`);
    this.visibilityTimeoutMs = visibility * 1000;
    if (options.deadLetter) {
      const { maxReceiveCount } = options.deadLetter;
      if (!(Number.isInteger(maxReceiveCount) && maxReceiveCount >= 1 && maxReceiveCount <= 1000)) {
        throw new Error(`queue ${this.name}: deadLetter.maxReceiveCount must be an integer 1..1000`);
      }
      if (options.deadLetter.queue === this) throw new Error(`queue ${this.name}: a queue cannot be its own dead-letter queue`);
      this.deadLetter = options.deadLetter;
    }
    this.ids = options.ids ?? sequentialIds(`sqs:${this.name}`);
  }

  // ---- SQS API ------------------------------------------------------------------------------

  /** SendMessage. Returns the new message id. */
  send(body: string, options: SendOptions = {}): { messageId: string } {
    const problem = this.sendProblem(body, options);
    if (problem) throw new Error(`queue ${this.name}: ${problem}`);
    return { messageId: this.enqueue(body, options) };
  }

  /** SendMessageBatch: up to 10 entries, each succeeding or failing on its own. */
  sendBatch(entries: readonly SendBatchEntry[]): SendBatchResult {
    if (entries.length === 0 || entries.length > SQS_MAX_BATCH) throw new Error(`queue ${this.name}: SendMessageBatch takes 1 to ${SQS_MAX_BATCH} entries, got ${entries.length}`);
    const ids = new Set(entries.map((e) => e.id));
    if (ids.size !== entries.length) throw new Error(`queue ${this.name}: SendMessageBatch entry ids must be distinct`);
    const result: SendBatchResult = { successful: [], failed: [] };
    for (const entry of entries) {
      const problem = this.sendProblem(entry.body, entry);
      if (problem) result.failed.push({ id: entry.id, code: 'InvalidParameterValue', message: problem });
      else result.successful.push({ id: entry.id, messageId: this.enqueue(entry.body, entry) });
    }
    return result;
  }

  /**
   * ReceiveMessage: up to `maxMessages` (1..10) visible messages, hidden for the visibility
   * timeout. A message already received maxReceiveCount times moves to the dead-letter queue.
   */
  receive(options: { maxMessages?: number; visibilityTimeoutSeconds?: number } = {}): SQSRecord[] {
    const max = options.maxMessages ?? 1;
    if (!(Number.isInteger(max) && max >= 1 && max <= SQS_MAX_BATCH)) throw new Error(`queue ${this.name}: maxMessages must be 1..${SQS_MAX_BATCH}`);
    const visibilityMs = options.visibilityTimeoutSeconds === undefined ? this.visibilityTimeoutMs : options.visibilityTimeoutSeconds * 1000;
    const now = this.clock.now().getTime();
    this.promote(now);
    const records: SQSRecord[] = [];
    while (records.length < max && this.head < this.visible.length) {
      const message = this.visible[this.head++]!;
      if (message.state !== 'visible') continue;
      if (this.deadLetter && message.receiveCount >= this.deadLetter.maxReceiveCount) {
        this.moveToDeadLetter(message);
        continue;
      }
      message.receiveCount++;
      message.firstReceiveAt ??= now;
      message.receiptHandle = Buffer.from(`${this.name}\n${message.messageId}\n${message.receiveCount}`).toString('base64url');
      this.hide(message, now + visibilityMs);
      this.stats.received++;
      records.push(this.toRecord(message));
    }
    this.compact();
    return records;
  }

  /** DeleteMessage. A stale receipt handle (message received again since) deletes nothing, as on SQS. */
  delete(receiptHandle: string): boolean {
    const message = this.byReceipt(receiptHandle);
    if (!message) return false;
    this.remove(message);
    this.stats.deleted++;
    return true;
  }

  /** ChangeMessageVisibility for a received message (0 makes it visible at once). */
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): boolean {
    const message = this.byReceipt(receiptHandle);
    if (!message || message.state !== 'hidden') return false;
    this.hide(message, this.clock.now().getTime() + visibilityTimeoutSeconds * 1000);
    this.kick();
    return true;
  }

  /** PurgeQueue. */
  purge(): void {
    for (const message of this.byId.values()) message.state = 'gone';
    this.byId.clear();
    this.visible = [];
    this.head = 0;
    this.hiddenCount = 0;
  }

  /** ApproximateNumberOfMessages: visible now. */
  get visibleCount(): number {
    this.promote(this.clock.now().getTime());
    return this.byId.size - this.hiddenCount;
  }

  /** ApproximateNumberOfMessagesNotVisible (in flight or delayed). */
  get inFlightCount(): number {
    this.promote(this.clock.now().getTime());
    return this.hiddenCount;
  }

  /** All messages still in the queue. */
  get size(): number {
    return this.byId.size;
  }

  /** A read-only look at the messages held (e.g. to report a dead-letter queue's content). */
  peek(): { messageId: string; body: string; receiveCount: number; sentAt: string }[] {
    return [...this.byId.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((m) => ({ messageId: m.messageId, body: m.body, receiveCount: m.receiveCount, sentAt: new Date(m.sentAt).toISOString() }));
  }

  /** When the next hidden message becomes visible, if any. */
  nextVisibleAt(): Date | undefined {
    this.dropStale();
    const next = this.hidden.peek();
    return next ? new Date(next.at) : undefined;
  }

  // ---- consumer (the Lambda event source mapping) -------------------------------------------

  /** Attaches the Lambda handler that `drain()` and `start()` invoke. */
  setConsumer(handler: SqsLambdaHandler, options: ConsumerOptions = {}): this {
    const batchSize = options.batchSize ?? SQS_MAX_BATCH;
    const concurrency = options.concurrency ?? 2;
    if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= SQS_MAX_BATCH)) throw new Error(`queue ${this.name}: batchSize must be 1..${SQS_MAX_BATCH}`);
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error(`queue ${this.name}: concurrency must be a positive integer`);
    this.consumer = {
      handler,
      options: { batchSize, concurrency, functionName: options.functionName ?? this.name, onError: options.onError },
      requestIds: sequentialIds(`lambda:${this.name}`),
    };
    return this;
  }

  /**
   * Runs the consumer until no message is left: visible messages are handed out in rounds of up
   * to `concurrency` batches (each round awaited whole, so the outcome does not depend on which
   * handler finishes first). When only hidden messages remain, time moves to the next one's
   * visibility: a SimClock is advanced, the real clock is waited for. With `advanceTime: false`
   * it stops once nothing is visible (for callers that own the simulated clock).
   */
  async drain(options: { advanceTime?: boolean; maxRounds?: number } = {}): Promise<QueueStats> {
    const consumer = this.requireConsumer();
    if (this.running) throw new Error(`queue ${this.name}: drain() cannot run while the live consumer is started`);
    const maxRounds = options.maxRounds ?? 1_000_000;
    for (let round = 0; ; round++) {
      if (round >= maxRounds) throw new Error(`queue ${this.name}: still not empty after ${maxRounds} rounds (a poison message without a dead-letter queue?)`);
      const batches: SQSRecord[][] = [];
      while (batches.length < consumer.options.concurrency) {
        const batch = this.receive({ maxMessages: consumer.options.batchSize });
        if (batch.length === 0) break;
        batches.push(batch);
      }
      if (batches.length > 0) {
        await Promise.all(batches.map((batch) => this.invoke(batch)));
        continue;
      }
      if (this.byId.size === 0 || options.advanceTime === false) break;
      const next = this.nextVisibleAt();
      if (!next) break;
      if (this.clock instanceof SimClock) await this.clock.advanceTo(next);
      else await this.clock.sleep(next.getTime() - this.clock.now().getTime());
    }
    return { ...this.stats };
  }

  /** Live mode: invokes the consumer whenever messages are visible, redelivering on timers. */
  start(): void {
    this.requireConsumer();
    this.running = true;
    this.kick();
  }

  /** Stops the live consumer and waits for the invocations in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.timer.cancel();
    this.wake = undefined;
    while (this.active.size > 0) await Promise.all([...this.active]);
  }

  /** Resolves once no invocation is running (live mode). */
  async idle(): Promise<void> {
    while (this.active.size > 0 || this.pumpScheduled) {
      await Promise.all([...this.active]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  // ---- internals ------------------------------------------------------------------------------

  private requireConsumer(): NonNullable<Queue['consumer']> {
    if (!this.consumer) throw new Error(`queue ${this.name}: no consumer; call setConsumer(handler) first`);
    return this.consumer;
  }

  /** One Lambda invocation: deletes what succeeded; what failed stays hidden until it times out. */
  private async invoke(records: SQSRecord[]): Promise<void> {
    const consumer = this.requireConsumer();
    this.stats.invocations++;
    const context = lambdaContext(consumer.options.functionName, consumer.requestIds(), this.region, this.account);
    let response: SQSBatchResponse | void;
    try {
      response = await consumer.handler({ Records: records }, context);
    } catch (error) {
      this.stats.failedBatches++;
      this.reportError(error, records);
      return;
    }
    const failed = this.failedIds(response, records);
    if (failed === 'all') {
      this.stats.failedBatches++;
      this.reportError(new Error('invalid batchItemFailures in the handler response; the whole batch counts as failed'), records);
      return;
    }
    this.stats.failedItems += failed.size;
    for (const record of records) if (!failed.has(record.messageId)) this.delete(record.receiptHandle);
  }

  /** Lambda's reading of a partial batch response: unknown or empty ids fail the whole batch. */
  private failedIds(response: unknown, records: SQSRecord[]): Set<string> | 'all' {
    if (response === undefined || response === null) return new Set();
    if (typeof response !== 'object') return 'all';
    const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return new Set();
    if (!Array.isArray(failures)) return 'all';
    const ids = new Set(records.map((r) => r.messageId));
    const failed = new Set<string>();
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || !ids.has(id)) return 'all';
      failed.add(id);
    }
    return failed;
  }

  private reportError(error: unknown, records: SQSRecord[]): void {
    const ids = records.map((r) => r.messageId);
    const onError = this.consumer?.options.onError;
    if (onError) onError(error, ids);
    else console.error(`queue ${this.name}: handler failed for ${ids.length} message(s), redelivery after the visibility timeout: ${error instanceof Error ? error.message : String(error)}`);
  }

  private kick(): void {
    if (!this.running || this.pumpScheduled) return;
    this.pumpScheduled = true;
    // setImmediate lets a burst of sends fill whole batches before the first invocation.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.running || !this.consumer) return;
    const { batchSize, concurrency } = this.consumer.options;
    while (this.active.size < concurrency) {
      const batch = this.receive({ maxMessages: batchSize });
      if (batch.length === 0) break;
      const run: Promise<void> = this.invoke(batch).finally(() => {
        this.active.delete(run);
        this.kick();
      });
      this.active.add(run);
    }
    this.armWake();
  }

  /** Schedules the next pump for when the earliest hidden message becomes visible. */
  private armWake(): void {
    const next = this.nextVisibleAt();
    if (!next) return;
    const at = next.getTime();
    if (this.wake && this.wake.at <= at) return;
    this.wake?.timer.cancel();
    this.wake = {
      at,
      timer: this.clock.schedule(next, () => {
        this.wake = undefined;
        this.kick();
      }),
    };
  }

  private sendProblem(body: string, options: SendOptions): string | undefined {
    if (typeof body !== 'string' || body.length === 0) return 'message body must be a non-empty string';
    if (Buffer.byteLength(body) > SQS_MAX_MESSAGE_BYTES) return `message body is over ${SQS_MAX_MESSAGE_BYTES} bytes`;
    const delay = options.delaySeconds ?? 0;
    if (!(delay >= 0 && delay <= MAX_DELAY_SECONDS)) return `delaySeconds must be 0..${MAX_DELAY_SECONDS}`;
    return undefined;
  }

  private enqueue(body: string, options: SendOptions, deadLetterSourceArn?: string, messageId = this.ids()): string {
    const now = this.clock.now().getTime();
    const message: StoredMessage = {
      messageId,
      body,
      messageAttributes: options.messageAttributes ?? {},
      sentAt: now,
      seq: this.seq++,
      receiveCount: 0,
      state: 'visible',
      visibleAt: now,
      generation: 0,
      ...(deadLetterSourceArn ? { deadLetterSourceArn } : {}),
    };
    this.byId.set(messageId, message);
    this.stats.sent++;
    const delayMs = (options.delaySeconds ?? 0) * 1000;
    if (delayMs > 0) this.hide(message, now + delayMs);
    else this.visible.push(message);
    this.kick();
    return messageId;
  }

  private moveToDeadLetter(message: StoredMessage): void {
    const target = this.deadLetter!.queue;
    this.remove(message);
    this.stats.movedToDeadLetter++;
    // SQS keeps the message id and body when it moves a message to the dead-letter queue.
    target.enqueue(message.body, { messageAttributes: message.messageAttributes }, this.arn, message.messageId);
  }

  private hide(message: StoredMessage, until: number): void {
    if (message.state !== 'hidden') this.hiddenCount++;
    message.state = 'hidden';
    message.visibleAt = until;
    message.generation++;
    this.hidden.push({ at: until, seq: message.seq, message, generation: message.generation });
    if (this.running) this.armWake();
  }

  private remove(message: StoredMessage): void {
    if (message.state === 'hidden') this.hiddenCount--;
    message.state = 'gone';
    this.byId.delete(message.messageId);
  }

  /** Hidden messages whose time has come become visible, earliest first. */
  private promote(now: number): void {
    for (;;) {
      this.dropStale();
      const next = this.hidden.peek();
      if (!next || next.at > now) return;
      this.hidden.pop();
      next.message.state = 'visible';
      this.hiddenCount--;
      this.visible.push(next.message);
    }
  }

  private dropStale(): void {
    for (;;) {
      const top = this.hidden.peek();
      if (!top || (top.message.state === 'hidden' && top.message.generation === top.generation)) return;
      this.hidden.pop();
    }
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.visible.length) {
      this.visible = this.visible.slice(this.head);
      this.head = 0;
    }
  }

  private byReceipt(receiptHandle: string): StoredMessage | undefined {
    const [queue, messageId] = Buffer.from(receiptHandle, 'base64url').toString().split('\n');
    if (queue !== this.name || messageId === undefined) return undefined;
    const message = this.byId.get(messageId);
    return message && message.receiptHandle === receiptHandle ? message : undefined;
  }

  private toRecord(message: StoredMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle!,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: this.account,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? message.sentAt),
        ...(message.deadLetterSourceArn ? { DeadLetterQueueSourceArn: message.deadLetterSourceArn } : {}),
      },
      messageAttributes: message.messageAttributes,
      get md5OfBody() {
        return (message.md5OfBody ??= md5(message.body));
      },
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.region,
    };
  }
}

/** A bus target that sends each matched event to the queue as JSON (an EventBridge SQS target). */
export const queueTarget =
  (queue: Queue) =>
  (event: BusEvent): void => {
    queue.send(JSON.stringify(event));
  };
