// The benches' call counter (bench/lib/aws-calls.ts) against dynalite: what it counts per call,
// per handler and per caller is what the cost bench prices, so it is held to real calls here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { startLocalAws, type LocalAws } from '#local/servers';
import { createRuntime } from '#local/runtime';
import { SimClock } from '#local/sim-clock';
import { exampleShop, testSigningKey } from '../unit/delivery-fixtures';
import { AwsCallCounter, callerFromStack, targetOf } from '../../bench/lib/aws-calls';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws('aws-calls-test');
});
afterAll(() => aws.stop());

describe('bench call counter', () => {
  it('counts each DynamoDB call by handler, command and store method, with the write units DynamoDB bills', async () => {
    const counter = new AwsCallCounter();
    const client = createDocumentClient({ endpoint: aws.dynamoEndpoint, region: 'local' });
    counter.attachDynamo(client);
    const store = createDynamoDeliveryStore({ client, tableName: aws.tableName });
    const key = { occurrenceId: 'news:2026-12-01T08:00Z', customerId: 'c1' };
    const send = counter.wrapHandler('send', async () => {
      await store.claim(key, 'owner-1', 1_000, 60_000);
      // The live lease makes the second claim's condition fail; the store then reads the entry.
      await store.claim(key, 'owner-2', 2_000, 60_000);
    });
    await send();

    const byCommand = counter.dynamoBy((r) => `${r.handler} ${r.command}`);
    expect(byCommand.get('send UpdateItemCommand')).toMatchObject({ calls: 2, writeUnits: 2, conditionFailed: 1 });
    expect(byCommand.get('send GetItemCommand')).toMatchObject({ calls: 1, readUnits: 1 });
    const callers = [...counter.dynamoBy((r) => r.caller).keys()];
    expect(callers).toContain('DynamoDeliveryStore.claim <- (unknown) [SEND#]');
    expect(counter.lambda.get('send')).toMatchObject({ invocations: 1 });
    client.destroy();
  });

  it('sees the runtime\'s DynamoDB client and its handlers through the instrument hook', async () => {
    const counter = new AwsCallCounter();
    const runtime = await createRuntime({
      clock: new SimClock('2026-12-01T08:00:00Z'),
      aws,
      shop: await exampleShop(),
      from: 'news@shop.example',
      unsubscribeBaseUrl: 'https://mail.shop.example',
      keyRing: { current: testSigningKey, accepted: [testSigningKey] },
      logLevel: 'SILENT',
      instrument: { clients: ({ dynamo }) => counter.attachDynamo(dynamo), handler: (name, handler) => counter.wrapHandler(name, handler) },
    });
    try {
      await runtime.tick();
    } finally {
      await runtime.stop();
    }
    expect(counter.lambda.get('tick')).toMatchObject({ invocations: 1 });
    expect(counter.dynamoBy((r) => `${r.handler} ${r.caller}`).get('tick DynamoDeliveryStore.listCampaigns <- core/delivery/tick:collectDueTimes [CAMPAIGNS]')).toMatchObject({ calls: 1 });
  });

  it('counts nothing while counting is off', async () => {
    const counter = new AwsCallCounter();
    const client = createDocumentClient({ endpoint: aws.dynamoEndpoint, region: 'local' });
    counter.attachDynamo(client);
    counter.counting = false;
    await createDynamoDeliveryStore({ client, tableName: aws.tableName }).getLedger({ occurrenceId: 'news:x', customerId: 'c9' });
    expect(counter.dynamoRows()).toEqual([]);
    client.destroy();
  });

  it('counts one SQS request per batch sent to a queue, whatever the entries', () => {
    const counter = new AwsCallCounter();
    const sent: unknown[] = [];
    const queue = { name: 'send', sendBatch: (entries: readonly unknown[]) => sent.push(...entries), send: (body: string) => sent.push(body) };
    counter.attachQueue(queue);
    queue.sendBatch([1, 2, 3]);
    queue.send('x');
    expect(sent).toEqual([1, 2, 3, 'x']);
    expect(counter.sqs.get('send\tSendMessageBatch')).toBe(1);
    expect(counter.sqs.get('send\tSendMessage')).toBe(1);
    expect(counter.sqsMessages.get('send')).toBe(4);
  });

  it('names the outermost store method and the core function above it', () => {
    const stack = [
      'Error',
      '    at async <anonymous> (/repo/functions/adapters/dynamo-delivery-store.ts:300:7)',
      '    at async DynamoDeliveryStore.conditional (/repo/functions/adapters/dynamo-delivery-store.ts:80:7)',
      '    at async DynamoDeliveryStore.transition (/repo/functions/adapters/dynamo-delivery-store.ts:290:12)',
      '    at async sendOne (/repo/functions/core/delivery/send.ts:210:24)',
      '    at async Queue.invoke (/repo/functions/local/queue.ts:358:18)',
    ].join('\n');
    expect(callerFromStack(stack)).toBe('DynamoDeliveryStore.transition <- core/delivery/send:sendOne');
  });

  it('names the entity and the target state a write goes to', () => {
    expect(targetOf({ Key: { pk: 'SEND#news:x#c1', sk: 'LEDGER' }, ExpressionAttributeValues: { ':to': 'sent' } })).toBe('SEND# ->sent');
    expect(targetOf({ RequestItems: { t: { Keys: [{ pk: 'CAP#c1', sk: 'CAP' }] } } })).toBe('CAP#');
    expect(targetOf({ IndexName: 'gsi3' })).toBe('index gsi3');
  });
});
