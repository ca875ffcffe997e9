// Counts what the engine asks of AWS, measured at the clients so it stays true whatever the code
// under measurement does internally:
// - DynamoDB: a middleware on the SDK client (the DocumentClient shares its stack) counts every
//   logical call by command, by the handler it ran in (AsyncLocalStorage entered by the handler
//   wrapper) and by its caller (the store method and the core function above it, read from the
//   async stack trace). It sets ReturnConsumedCapacity=TOTAL on each request and adds up the
//   capacity units the server answers (dynalite computes them from item sizes as DynamoDB does,
//   table only). A write refused by its condition answers no capacity; DynamoDB still bills it one
//   write unit per started KB, so it is counted as 1 (the engine's conditional items are < 1 KB).
// - SQS: the in-process queues stand in for SQS, so their send methods are wrapped: one
//   SendMessageBatch request per call (<= 10 entries), one SendMessage per single send.
// - Lambda: each handler invocation is counted and timed (wall time of the awaited handler).
// Reused by benches that price or size the engine (bench/cost.bench.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { InitializeHandlerArguments, InitializeHandlerOutput, InitializeMiddleware } from '@smithy/types';

export interface DynamoTally {
  calls: number;
  /** Request units DynamoDB bills: reads (RRU) and writes (WRU). */
  readUnits: number;
  writeUnits: number;
  /** Writes refused by their ConditionExpression (billed, counted in writeUnits as 1 each). */
  conditionFailed: number;
  /** Items a BatchGet/Query/Scan returned (to compare calls with items). */
  items: number;
}

export interface LambdaTally {
  invocations: number;
  totalMs: number;
  maxMs: number;
  /** Records handed to the handler (SQS batch sizes). */
  records: number;
}

const emptyDynamo = (): DynamoTally => ({ calls: 0, readUnits: 0, writeUnits: 0, conditionFailed: 0, items: 0 });

const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/** One frame of a V8 stack line: "at [async ]name (file:line:col)". */
const frameOf = (line: string): { name: string; file: string; line: string } | undefined => {
  const match = /^\s*at (?:async )?(?:(.*?) \()?(?:file:\/\/)?([^()]*?):(\d+):\d+\)?$/.exec(line);
  if (!match) return undefined;
  return { name: (match[1] ?? '').replace(/^Object\./, ''), file: match[2] ?? '', line: match[3] ?? '' };
};

const shortFile = (file: string): string => file.replace(/^.*\/functions\//, '').replace(/\.ts$/, '');
const isAdapter = (file: string): boolean => file.includes('/functions/adapters/');
const named = (frame: { name: string; file: string; line: string }): string =>
  frame.name && frame.name !== '<anonymous>' ? frame.name : `${shortFile(frame.file)}@${frame.line}`;

/**
 * "<store method> <- <caller>", e.g. "DynamoDeliveryStore.claim <- core/delivery/send:sendOne":
 * the outermost adapter frame (the port method the engine called, not its private helpers) and
 * the first frame above it. Frames outside functions/ (SDK, node) are skipped.
 */
export const callerFromStack = (stack: string): string => {
  const frames = stack
    .split('\n')
    .slice(1)
    .map(frameOf)
    .filter((f): f is { name: string; file: string; line: string } => !!f && f.file.includes('/functions/') && !f.file.includes('node_modules'));
  const firstCaller = frames.findIndex((f) => !isAdapter(f.file));
  const adapters = frames.slice(0, firstCaller < 0 ? frames.length : firstCaller).filter((f) => isAdapter(f.file));
  const store = adapters.filter((f) => f.name && f.name !== '<anonymous>').at(-1) ?? adapters.at(-1);
  const caller = firstCaller < 0 ? undefined : frames[firstCaller];
  const storeName = store ? named(store) : '(no adapter frame)';
  const callerName = caller ? `${shortFile(caller.file)}:${caller.name && caller.name !== '<anonymous>' ? caller.name : `@${caller.line}`}` : '(unknown)';
  return `${storeName} <- ${callerName}`;
};

/**
 * What a call touches, from its (DocumentClient) input: the entity's key prefix ("SEND#", "CAP#")
 * and, for a ledger or occurrence transition, its target state (":to"), e.g. "SEND# ->sent".
 */
export const targetOf = (input: Record<string, unknown>): string => {
  const prefix = (key: unknown): string | undefined => {
    const pk = (key as { pk?: unknown } | undefined)?.pk;
    return typeof pk === 'string' ? `${pk.split('#')[0]}${pk.includes('#') ? '#' : ''}` : undefined;
  };
  const requestItems = input.RequestItems as Record<string, { Keys?: unknown[] }> | undefined;
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  const entity =
    prefix(input.Key) ??
    prefix(input.Item) ??
    prefix(Object.values(requestItems ?? {})[0]?.Keys?.[0]) ??
    (typeof values?.[':pk'] === 'string' ? prefix({ pk: values[':pk'] }) : undefined) ??
    (input.IndexName ? `index ${String(input.IndexName)}` : input.Segment !== undefined ? 'table scan' : '?');
  const to = typeof values?.[':to'] === 'string' ? ` ->${values[':to']}` : '';
  return `${entity}${to}`;
};

export class AwsCallCounter {
  /** key: `${handler}\t${command}\t${caller}` */
  private readonly dynamo = new Map<string, DynamoTally>();
  readonly lambda = new Map<string, LambdaTally>();
  /** SQS requests by queue and action (SendMessageBatch, SendMessage). */
  readonly sqs = new Map<string, number>();
  /** Messages sent per queue (each is received and deleted once when all goes well). */
  readonly sqsMessages = new Map<string, number>();
  /** Calls of other SDK clients by `${service}\t${command}` (SES SendEmail, GetAccount...). */
  readonly other = new Map<string, number>();
  private readonly current = new AsyncLocalStorage<string>();
  /** While false, nothing is counted (seeding, set-up). */
  counting = true;

  constructor() {
    // Async stack traces reach from the SDK's middleware up through store, core and handler.
    Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 60);
  }

  /** Adds the counting middleware to a DynamoDB client (or a DocumentClient, which shares its stack). */
  attachDynamo(client: { middlewareStack: { add(middleware: InitializeMiddleware<object, object>, options: { step: 'initialize'; name: string; priority: 'high' }): void } }): void {
    const middleware: InitializeMiddleware<object, object> =
      (next, context) =>
      async (args: InitializeHandlerArguments<object>): Promise<InitializeHandlerOutput<object>> => {
        if (!this.counting) return next(args);
        const command = (context as { commandName?: string }).commandName ?? 'UnknownCommand';
        const input = args.input as Record<string, unknown>;
        const caller = `${callerFromStack(new Error().stack ?? '')} [${targetOf(input)}]`;
        const key = `${this.current.getStore() ?? '(outside a handler)'}\t${command}\t${caller}`;
        const tally = this.dynamo.get(key) ?? emptyDynamo();
        this.dynamo.set(key, tally);
        tally.calls++;
        input.ReturnConsumedCapacity = 'TOTAL';
        try {
          const result = await next(args);
          const output = result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[]; Items?: unknown[]; Responses?: Record<string, unknown[]> };
          const capacities = Array.isArray(output.ConsumedCapacity) ? output.ConsumedCapacity : output.ConsumedCapacity ? [output.ConsumedCapacity] : [];
          const units = capacities.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
          if (WRITE_COMMANDS.has(command)) tally.writeUnits += units;
          else tally.readUnits += units;
          tally.items += output.Items?.length ?? Object.values(output.Responses ?? {}).reduce((n, items) => n + items.length, 0);
          return result;
        } catch (error) {
          if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
            tally.conditionFailed++;
            tally.writeUnits += 1;
          }
          throw error;
        }
      };
    client.middlewareStack.add(middleware, { step: 'initialize', name: 'awsCallCounter', priority: 'high' });
  }

  /** Counts the calls of any SDK v3 client by command name. */
  attachClient(service: string, client: { middlewareStack: { add(middleware: InitializeMiddleware<object, object>, options: { step: 'initialize'; name: string; priority: 'high' }): void } }): void {
    const middleware: InitializeMiddleware<object, object> = (next, context) => async (args) => {
      if (this.counting) {
        const key = `${service}\t${(context as { commandName?: string }).commandName ?? 'UnknownCommand'}`;
        this.other.set(key, (this.other.get(key) ?? 0) + 1);
      }
      return next(args);
    };
    client.middlewareStack.add(middleware, { step: 'initialize', name: 'awsCallCounter', priority: 'high' });
  }

  /** Wraps the send methods of an in-process queue (functions/local/queue.ts) to count SQS requests. */
  attachQueue(queue: { name: string; sendBatch(entries: readonly unknown[]): unknown; send(body: string, options?: object): unknown }): void {
    const sendBatch = queue.sendBatch.bind(queue);
    const send = queue.send.bind(queue);
    const add = (action: string, messages: number) => {
      if (!this.counting) return;
      const key = `${queue.name}\t${action}`;
      this.sqs.set(key, (this.sqs.get(key) ?? 0) + 1);
      this.sqsMessages.set(queue.name, (this.sqsMessages.get(queue.name) ?? 0) + messages);
    };
    queue.sendBatch = (entries) => {
      add('SendMessageBatch', entries.length);
      return sendBatch(entries);
    };
    queue.send = (body, options) => {
      add('SendMessage', 1);
      return send(body, options);
    };
  }

  /** Wraps a handler: counts and times its invocations, and tags the DynamoDB calls made inside. */
  wrapHandler<A extends unknown[], R>(functionName: string, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      if (!this.counting) return handler(...args);
      const started = performance.now();
      try {
        return await this.current.run(functionName, () => handler(...args));
      } finally {
        const ms = performance.now() - started;
        const tally = this.lambda.get(functionName) ?? { invocations: 0, totalMs: 0, maxMs: 0, records: 0 };
        tally.invocations++;
        tally.totalMs += ms;
        tally.maxMs = Math.max(tally.maxMs, ms);
        const records = (args[0] as { Records?: unknown[] } | undefined)?.Records;
        tally.records += Array.isArray(records) ? records.length : 1;
        this.lambda.set(functionName, tally);
      }
    };
  }

  /** Every DynamoDB row: handler, command, caller and its tally. */
  dynamoRows(): { handler: string; command: string; caller: string; tally: DynamoTally }[] {
    return [...this.dynamo].map(([key, tally]) => {
      const [handler = '', command = '', caller = ''] = key.split('\t');
      return { handler, command, caller, tally };
    });
  }

  /** Sums DynamoDB tallies grouped by a key of each row. */
  dynamoBy(group: (row: { handler: string; command: string; caller: string }) => string): Map<string, DynamoTally> {
    const out = new Map<string, DynamoTally>();
    for (const row of this.dynamoRows()) {
      const key = group(row);
      const sum = out.get(key) ?? emptyDynamo();
      sum.calls += row.tally.calls;
      sum.readUnits += row.tally.readUnits;
      sum.writeUnits += row.tally.writeUnits;
      sum.conditionFailed += row.tally.conditionFailed;
      sum.items += row.tally.items;
      out.set(key, sum);
    }
    return out;
  }

  reset(): void {
    this.dynamo.clear();
    this.lambda.clear();
    this.sqs.clear();
    this.sqsMessages.clear();
    this.other.clear();
  }
}
