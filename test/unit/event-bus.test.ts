// Our own events on the shop bus: PutEvents in batches of 10, failed entries put again.
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createEventBusPublisher, createPutEventsPublisher } from '#adapters/event-bus';
import { Bus } from '#local/bus';
import { fixedClock } from '#core/clock';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import type { OwnEvent } from '#core/ingest';

const events: OwnEvent[] = Array.from({ length: 12 }, (_, i) => ({ type: 'TierChanged', id: `e${i}#TierChanged`, customerId: `c${i}`, from: 'bronze', to: 'silver', at: '2025-01-01T00:00:00.000Z', causeEventId: `e${i}` }));

describe('event bus: own events', () => {
  it('puts 12 events in two calls of 10 and 2, and puts a failed entry again on its own', async () => {
    const mock = mockClient(EventBridgeClient);
    mock
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: '1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, ...Array.from({ length: 8 }, () => ({ EventId: 'x' }))] })
      .resolves({ FailedEntryCount: 0, Entries: [] });
    const publisher = createEventBusPublisher({ client: new EventBridgeClient({ region: 'eu-central-1' }), busName: 'shop-bus', sleep: async () => {} });
    await publisher.publish(events);
    const calls = mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).id));
    expect(calls).toEqual([events.slice(0, 10).map((e) => e.id), [events[1]!.id], events.slice(10).map((e) => e.id)]);
    const first = mock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect([first.EventBusName, first.Source, first.DetailType]).toEqual(['shop-bus', 'stammkunde', 'TierChanged']);
    mock.restore();
  });

  it('fails naming the error code when an entry keeps failing', async () => {
    const mock = mockClient(EventBridgeClient);
    mock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'boom' }] });
    const publisher = createEventBusPublisher({ client: new EventBridgeClient({ region: 'eu-central-1' }), busName: 'shop-bus', attempts: 3, sleep: async () => {} });
    await expect(publisher.publish(events.slice(0, 1))).rejects.toThrow(/after 3 attempts: InternalFailure/);
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(3);
    mock.restore();
  });

  it('keeps every published event in order in the memory twin', async () => {
    const bus = createMemoryEventBus();
    await bus.publish(events);
    expect(bus.published.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });
});

describe('event bus: own events on the in-process bus', () => {
  it('reach a rule on source "stammkunde" in order, through the same batching as PutEvents', async () => {
    const bus = new Bus({ name: 'shop', clock: fixedClock('2025-01-01T00:00:00Z'), rules: [{ name: 'own', pattern: { source: ['stammkunde'], 'detail-type': ['TierChanged'] }, target: 'own' }] });
    const seen: string[] = [];
    bus.connect('own', (event) => void seen.push((event.detail as OwnEvent).id));
    const publisher = createPutEventsPublisher(async (entries) => {
      const result = await bus.putEvents(entries);
      return { FailedEntryCount: result.FailedEntryCount, Entries: result.Entries.map((e) => ('ErrorCode' in e ? e : {})) };
    }, { busName: 'shop' });
    await publisher.publish(events);
    expect(seen).toEqual(events.map((e) => e.id));
  });
});
