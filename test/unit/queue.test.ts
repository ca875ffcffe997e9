import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Queue, type SqsLambdaHandler } from '#local/queue';
import { RealClock, SimClock } from '#local/sim-clock';

const start = '2026-02-01T08:00:00.000Z';
const seconds = (clock: SimClock) => (clock.now().getTime() - Date.parse(start)) / 1000;

const setup = (options: { visibility?: number; maxReceiveCount?: number } = {}) => {
  const clock = new SimClock(start);
  const dlq = new Queue({ name: 'events-dlq', clock });
  const queue = new Queue({
    name: 'events',
    clock,
    visibilityTimeoutSeconds: options.visibility ?? 30,
    ...(options.maxReceiveCount ? { deadLetter: { queue: dlq, maxReceiveCount: options.maxReceiveCount } } : {}),
  });
  return { clock, queue, dlq };
};

describe('queue: SQS API', () => {
  it('hands out records shaped like the SQS event source', () => {
    const { queue } = setup();
    const { messageId } = queue.send('{"a":1}', { messageAttributes: { kind: { dataType: 'String', stringValue: 'x' } } });
    const [record] = queue.receive();
    expect(record).toEqual({
      messageId,
      receiptHandle: expect.any(String),
      body: '{"a":1}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.parse(start)),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: String(Date.parse(start)),
      },
      messageAttributes: { kind: { dataType: 'String', stringValue: 'x' } },
      md5OfBody: createHash('md5').update('{"a":1}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:events',
      awsRegion: 'local',
    });
  });

  it('receives at most 10 and hides what it handed out', () => {
    const { queue } = setup();
    for (let i = 0; i < 25; i++) queue.send(`m${i}`);
    expect(queue.receive({ maxMessages: 10 })).toHaveLength(10);
    expect(queue.visibleCount).toBe(15);
    expect(queue.inFlightCount).toBe(10);
    expect(() => queue.receive({ maxMessages: 11 })).toThrow('maxMessages must be 1..10');
  });

  it('redelivers a message not deleted within the visibility timeout, counting receives', async () => {
    const { queue, clock } = setup({ visibility: 30 });
    queue.send('m');
    const first = queue.receive()[0]!;
    await clock.advanceBy(29_999);
    expect(queue.receive()).toEqual([]);
    await clock.advanceBy(1);
    const second = queue.receive()[0]!;
    expect(second.messageId).toBe(first.messageId);
    expect(second.attributes.ApproximateReceiveCount).toBe('2');
    expect(second.attributes.ApproximateFirstReceiveTimestamp).toBe(first.attributes.ApproximateFirstReceiveTimestamp);
    expect(second.receiptHandle).not.toBe(first.receiptHandle);
  });

  it('deletes with the latest receipt handle only', async () => {
    const { queue, clock } = setup({ visibility: 1 });
    queue.send('m');
    const first = queue.receive()[0]!;
    await clock.advanceBy(1000);
    const second = queue.receive()[0]!;
    expect(queue.delete(first.receiptHandle)).toBe(false);
    expect(queue.size).toBe(1);
    expect(queue.delete(second.receiptHandle)).toBe(true);
    expect(queue.size).toBe(0);
  });

  it('does not redeliver a deleted message', async () => {
    const { queue, clock } = setup();
    queue.send('m');
    queue.delete(queue.receive()[0]!.receiptHandle);
    await clock.advanceBy(3_600_000);
    expect(queue.receive()).toEqual([]);
  });

  it('makes a message visible again at once with a visibility change to 0', () => {
    const { queue } = setup();
    queue.send('m');
    const record = queue.receive()[0]!;
    expect(queue.changeVisibility(record.receiptHandle, 0)).toBe(true);
    expect(queue.receive()[0]?.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('holds a delayed message back until its delay has passed', async () => {
    const { queue, clock } = setup();
    queue.send('later', { delaySeconds: 60 });
    expect(queue.receive()).toEqual([]);
    await clock.advanceBy(60_000);
    expect(queue.receive()[0]?.body).toBe('later');
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives, keeping id and body', async () => {
    const { queue, dlq, clock } = setup({ visibility: 10, maxReceiveCount: 3 });
    const { messageId } = queue.send('poison');
    for (let i = 1; i <= 3; i++) {
      expect(queue.receive()[0]?.attributes.ApproximateReceiveCount).toBe(String(i));
      await clock.advanceBy(10_000);
    }
    expect(queue.receive()).toEqual([]);
    expect(queue.size).toBe(0);
    const [dead] = dlq.receive();
    expect(dead?.messageId).toBe(messageId);
    expect(dead?.body).toBe('poison');
    expect(dead?.attributes.DeadLetterQueueSourceArn).toBe(queue.arn);
    expect(queue.stats.movedToDeadLetter).toBe(1);
  });

  it('sends a batch with per-entry results', () => {
    const { queue } = setup();
    const result = queue.sendBatch([
      { id: 'a', body: 'one' },
      { id: 'b', body: '' },
      { id: 'c', body: 'three', delaySeconds: 901 },
    ]);
    expect(result.successful.map((s) => s.id)).toEqual(['a']);
    expect(result.failed).toEqual([
      { id: 'b', code: 'InvalidParameterValue', message: 'message body must be a non-empty string' },
      { id: 'c', code: 'InvalidParameterValue', message: 'delaySeconds must be 0..900' },
    ]);
    expect(() => queue.sendBatch(Array.from({ length: 11 }, (_, i) => ({ id: String(i), body: 'x' })))).toThrow('takes 1 to 10 entries');
  });

  it('rejects a body over 256 KiB', () => {
    const { queue } = setup();
    expect(() => queue.send('x'.repeat(256 * 1024 + 1))).toThrow('message body is over 262144 bytes');
  });

  it('gives the same message ids in every run', () => {
    const ids = () => {
      const { queue } = setup();
      return [queue.send('a').messageId, queue.send('b').messageId];
    };
    expect(ids()).toEqual(ids());
  });
});

describe('queue: consumer', () => {
  const bodies = (event: SQSEvent) => event.Records.map((r) => r.body);

  it('invokes the handler with batches of up to 10 and deletes what succeeded', async () => {
    const { queue } = setup();
    const batches: string[][] = [];
    queue.setConsumer(async (event) => {
      batches.push(bodies(event));
    });
    for (let i = 0; i < 23; i++) queue.send(`m${i}`);
    const stats = await queue.drain();
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(Array.from({ length: 23 }, (_, i) => `m${i}`));
    expect(queue.size).toBe(0);
    expect(stats).toMatchObject({ invocations: 3, deleted: 23, failedItems: 0, failedBatches: 0 });
  });

  it('redelivers only the items in batchItemFailures, after the visibility timeout', async () => {
    const { queue, clock } = setup({ visibility: 30 });
    const deliveries: string[] = [];
    queue.setConsumer(async (event): Promise<SQSBatchResponse> => {
      deliveries.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}@${seconds(clock)}s`));
      const failures = event.Records.filter((r) => r.body === 'bad' && r.attributes.ApproximateReceiveCount === '1');
      return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    queue.send('good');
    queue.send('bad');
    const stats = await queue.drain();
    expect(deliveries).toEqual(['good#1@0s', 'bad#1@0s', 'bad#2@30s']);
    expect(stats).toMatchObject({ failedItems: 1, deleted: 2 });
    expect(queue.size).toBe(0);
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const { queue, clock } = setup({ visibility: 30 });
    const deliveries: string[] = [];
    let calls = 0;
    const errors: string[][] = [];
    queue.setConsumer(
      async (event) => {
        deliveries.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}@${seconds(clock)}s`));
        if (calls++ === 0) throw new Error('dynamo down');
      },
      { onError: (_error, ids) => void errors.push(ids) },
    );
    queue.send('a');
    queue.send('b');
    const stats = await queue.drain();
    expect(deliveries).toEqual(['a#1@0s', 'b#1@0s', 'a#2@30s', 'b#2@30s']);
    expect(errors).toHaveLength(1);
    expect(stats.failedBatches).toBe(1);
  });

  it('fails the whole batch when batchItemFailures names an unknown message', async () => {
    const { queue } = setup({ visibility: 5 });
    let calls = 0;
    queue.setConsumer(async () => (calls++ === 0 ? { batchItemFailures: [{ itemIdentifier: 'nope' }] } : undefined), { onError: () => undefined });
    queue.send('a');
    queue.send('b');
    const stats = await queue.drain();
    expect(stats).toMatchObject({ invocations: 2, failedBatches: 1, deleted: 2 });
  });

  it('treats an empty batchItemFailures list as full success', async () => {
    const { queue } = setup();
    queue.setConsumer(async () => ({ batchItemFailures: [] }));
    queue.send('a');
    expect((await queue.drain()).deleted).toBe(1);
  });

  it('ends a poison message in the dead-letter queue after maxReceiveCount attempts', async () => {
    const { queue, dlq, clock } = setup({ visibility: 30, maxReceiveCount: 3 });
    const attempts: string[] = [];
    const handler: SqsLambdaHandler = async (event) => ({
      batchItemFailures: event.Records.filter((r) => {
        if (r.body === 'poison') attempts.push(`${r.attributes.ApproximateReceiveCount}@${seconds(clock)}s`);
        return r.body === 'poison';
      }).map((r) => ({ itemIdentifier: r.messageId })),
    });
    queue.setConsumer(handler);
    queue.send('fine');
    queue.send('poison');
    await queue.drain();
    expect(attempts).toEqual(['1@0s', '2@30s', '3@60s']);
    expect(queue.size).toBe(0);
    expect(dlq.peek().map((m) => m.body)).toEqual(['poison']);
  });

  it('stops at nothing visible without moving time when advanceTime is false', async () => {
    const { queue, clock } = setup({ visibility: 30 });
    queue.setConsumer(async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }));
    queue.send('a');
    await queue.drain({ advanceTime: false });
    expect(clock.now().toISOString()).toBe(start);
    expect(queue.inFlightCount).toBe(1);
  });

  it('runs up to `concurrency` batches at once', async () => {
    const { queue } = setup();
    let running = 0;
    let peak = 0;
    queue.setConsumer(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      },
      { concurrency: 3, batchSize: 2 },
    );
    for (let i = 0; i < 20; i++) queue.send(`m${i}`);
    await queue.drain();
    expect(peak).toBe(3);
  });

  it('passes a Lambda context with the function name and a request id', async () => {
    const { queue } = setup();
    const names: string[] = [];
    queue.setConsumer(async (_event, context) => void names.push(`${context.functionName}:${context.awsRequestId.length > 0}`), { functionName: 'ingest' });
    queue.send('a');
    await queue.drain();
    expect(names).toEqual(['ingest:true']);
  });

  it('rejects drain without a consumer', async () => {
    const { queue } = setup();
    await expect(queue.drain()).rejects.toThrow('no consumer');
  });

  it('consumes live with the real clock and redelivers a failed message on a timer', async () => {
    const clock = new RealClock();
    const queue = new Queue({ name: 'live', clock, visibilityTimeoutSeconds: 0.05 });
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      queue.setConsumer(async (event) => {
        const failures = event.Records.filter((r) => {
          seen.push(`${r.body}#${r.attributes.ApproximateReceiveCount}`);
          if (r.attributes.ApproximateReceiveCount === '2') resolve();
          return r.attributes.ApproximateReceiveCount === '1';
        });
        return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
      });
    });
    queue.start();
    queue.send('x');
    await done;
    await queue.stop();
    expect(seen).toEqual(['x#1', 'x#2']);
    expect(queue.size).toBe(0);
  });

  it('consumes live on a SimClock: redelivery waits for the clock to advance', async () => {
    const { queue, clock } = setup({ visibility: 30 });
    const seen: string[] = [];
    queue.setConsumer(async (event) => ({
      batchItemFailures: event.Records.filter((r) => {
        seen.push(`${r.body}#${r.attributes.ApproximateReceiveCount}`);
        return r.attributes.ApproximateReceiveCount === '1';
      }).map((r) => ({ itemIdentifier: r.messageId })),
    }));
    queue.start();
    queue.send('y');
    await queue.idle();
    expect(seen).toEqual(['y#1']);
    await clock.advanceBy(30_000);
    await queue.idle();
    expect(seen).toEqual(['y#1', 'y#2']);
    await queue.stop();
  });
});
