import { describe, expect, it } from 'vitest';
import { Bus, busFromRoutes, sequentialIds, type BusEvent } from '#local/bus';
import { Queue, queueTarget } from '#local/queue';
import { SimClock } from '#local/sim-clock';

const clock = () => new SimClock('2026-05-04T10:11:12.345Z');

const order = { orderId: 'o1', customerId: 'c1' };

describe('bus: putEvents', () => {
  it('stamps an EventBridge envelope with id, time to the second, account and region', async () => {
    const seen: BusEvent[] = [];
    const bus = new Bus({ name: 'shop', clock: clock(), ids: sequentialIds('t'), account: '123456789012', region: 'eu-central-1', rules: [{ name: 'all', pattern: { source: ['shop'] } }] });
    bus.addTarget('all', (event) => void seen.push(event));
    const result = await bus.putEvents([{ Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify(order) }]);
    expect(result.FailedEntryCount).toBe(0);
    expect(seen).toEqual([
      {
        version: '0',
        id: sequentialIds('t')(),
        'detail-type': 'OrderPlaced',
        source: 'shop',
        account: '123456789012',
        time: '2026-05-04T10:11:12Z',
        region: 'eu-central-1',
        resources: [],
        detail: order,
      },
    ]);
    expect(result.Entries).toEqual([{ EventId: seen[0]!.id }]);
  });

  it('uses the entry Time when given', async () => {
    const seen: BusEvent[] = [];
    const bus = new Bus({ clock: clock(), rules: [{ name: 'all', pattern: { source: ['shop'] } }] });
    bus.addTarget('all', (event) => void seen.push(event));
    await bus.putEvents([{ Source: 'shop', DetailType: 'X', Detail: '{}', Time: new Date('2025-12-24T18:00:00.900Z') }]);
    expect(seen[0]?.time).toBe('2025-12-24T18:00:00Z');
  });

  it('gives the same ids in every run with the same id source', async () => {
    const run = async () => {
      const bus = new Bus({ clock: clock(), ids: sequentialIds('replay') });
      const result = await bus.putEvents([
        { Source: 'shop', DetailType: 'A', Detail: '{}' },
        { Source: 'shop', DetailType: 'B', Detail: '{}' },
      ]);
      return result.Entries;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first.map((e) => ('EventId' in e ? e.EventId : ''))).size).toBe(2);
  });

  it('rejects bad entries one by one and delivers the good ones', async () => {
    const seen: BusEvent[] = [];
    const bus = new Bus({ name: 'shop', clock: clock(), rules: [{ name: 'all', pattern: { source: ['shop'] } }] });
    bus.addTarget('all', (event) => void seen.push(event));
    const result = await bus.putEvents([
      { Source: 'shop', DetailType: 'OrderPlaced', Detail: 'not json' },
      { DetailType: 'OrderPlaced', Detail: '{}' },
      { Source: 'shop', DetailType: 'OrderPlaced', Detail: '[1]' },
      { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}', EventBusName: 'elsewhere' },
      { Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify(order) },
    ]);
    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual(['MalformedDetail', 'InvalidArgument', 'MalformedDetail', 'NotAuthorizedForSourceException', 'ok']);
    expect(seen.map((e) => e.detail)).toEqual([order]);
  });

  it('rejects more than 10 entries per call, as the API does', async () => {
    const bus = new Bus({ clock: clock() });
    const entries = Array.from({ length: 11 }, () => ({ Source: 'shop', DetailType: 'A', Detail: '{}' }));
    await expect(bus.putEvents(entries)).rejects.toThrow('PutEvents takes 1 to 10 entries, got 11');
  });

  it('rejects a rule with a malformed pattern', () => {
    const bus = new Bus({ clock: clock() });
    expect(() => bus.addRule({ name: 'bad', pattern: { source: 'shop' } })).toThrow('invalid event pattern bad: source: must be a list');
  });
});

describe('bus: routing', () => {
  it('delivers only to the targets of matching rules', async () => {
    const got: string[] = [];
    const bus = new Bus({
      clock: clock(),
      rules: [
        { name: 'orders', pattern: { source: ['shop'], 'detail-type': ['OrderPlaced'] } },
        { name: 'big-orders', pattern: { detail: { totalCents: [{ numeric: ['>=', 10000] }] } } },
      ],
    });
    bus.addTarget('orders', (e) => void got.push(`orders:${(e.detail as { totalCents: number }).totalCents}`));
    bus.addTarget('big-orders', (e) => void got.push(`big:${(e.detail as { totalCents: number }).totalCents}`));
    await bus.putEvents([
      { Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify({ totalCents: 500 }) },
      { Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify({ totalCents: 20000 }) },
      { Source: 'shop', DetailType: 'NpsSubmitted', Detail: JSON.stringify({ score: 9 }) },
    ]);
    expect(got).toEqual(['orders:500', 'orders:20000', 'big:20000']);
  });

  it('keeps id and time when publishing a stamped envelope (replay)', async () => {
    const seen: BusEvent[] = [];
    const bus = busFromRoutes('shop', { clock: clock() });
    bus.connect('ingest', (e) => void seen.push(e));
    const envelope: BusEvent = { version: '0', id: 'evt-42', 'detail-type': 'OrderPlaced', source: 'shop', account: '1', time: '2025-01-01T00:00:00Z', region: 'x', resources: [], detail: order };
    expect(await bus.publish(envelope)).toEqual(['shopEvents']);
    expect(seen).toEqual([envelope]);
  });

  it('routes the shop bus by the shared routes: shop events and the endpoint\'s ConsentConfirmed to ingest, nothing else', async () => {
    const queue = new Queue({ name: 'events', clock: clock() });
    const bus = busFromRoutes('shop', { clock: clock() });
    bus.connect('ingest', queueTarget(queue));
    expect(bus.ruleNames()).toEqual(['shopEvents', 'ownTriggerEvents']);
    await bus.putEvents([
      { Source: 'shop', DetailType: 'CustomerRegistered', Detail: JSON.stringify({ customerId: 'c1' }) },
      { Source: 'shop', DetailType: 'ShipmentSent', Detail: '{}' },
      { Source: 'crm', DetailType: 'OrderPlaced', Detail: '{}' },
      { Source: 'stammkunde', DetailType: 'TierChanged', Detail: '{}' },
      { Source: 'stammkunde', DetailType: 'ConsentConfirmed', Detail: JSON.stringify({ customerId: 'c1' }) },
    ]);
    const records = queue.receive({ maxMessages: 10 });
    expect(records.map((r) => JSON.parse(r.body) as { source: string; 'detail-type': string }).map((e) => `${e.source}:${e['detail-type']}`)).toEqual(['shop:CustomerRegistered', 'stammkunde:ConsentConfirmed']);
  });

  it('routes SES feedback on the default bus to the feedback label', () => {
    const bus = busFromRoutes('default', { clock: clock() });
    expect(bus.ruleNames()).toEqual(['sesFeedback']);
    expect(() => bus.connect('ingest', () => undefined)).toThrow('no rule routes to ingest');
  });

  it('reports a failing target and still delivers to the others', async () => {
    const errors: string[] = [];
    const got: string[] = [];
    const bus = new Bus({ clock: clock(), rules: [{ name: 'r', pattern: { source: ['shop'] } }], onTargetError: (error, rule, event) => void errors.push(`${rule}:${event['detail-type']}:${(error as Error).message}`) });
    bus.addTarget('r', () => {
      throw new Error('boom');
    });
    bus.addTarget('r', (e) => void got.push(e['detail-type']));
    const result = await bus.putEvents([{ Source: 'shop', DetailType: 'A', Detail: '{}' }]);
    expect(result.FailedEntryCount).toBe(0);
    expect(errors).toEqual(['r:A:boom']);
    expect(got).toEqual(['A']);
  });
});
