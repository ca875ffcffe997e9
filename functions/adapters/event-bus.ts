// Our own events (ConsentConfirmed, ConsentWithdrawn, ...) onto an EventBridge bus with
// PutEvents, Source "stammkunde", DetailType the event type: triggered campaigns and the shop can
// listen to them. PutEvents answers per entry; a failed entry throws with its code.
import type { EventBridgeClient} from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { OwnEvent } from '#core/ingest';
import type { OwnEventPublisher } from '../track/app';

export const OWN_EVENT_SOURCE = 'stammkunde';

export const createEventBusPublisher = (options: { client: EventBridgeClient; busName: string }): OwnEventPublisher => ({
  async publish(events: readonly OwnEvent[]) {
    for (let i = 0; i < events.length; i += 10) {
      const part = events.slice(i, i + 10);
      const result = await options.client.send(
        new PutEventsCommand({
          Entries: part.map((event) => ({ EventBusName: options.busName, Source: OWN_EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: new Date(event.at) })),
        }),
      );
      if (result.FailedEntryCount) {
        const failed = (result.Entries ?? []).filter((e) => e.ErrorCode).map((e) => `${e.ErrorCode}: ${e.ErrorMessage ?? ''}`);
        throw new Error(`PutEvents failed for ${result.FailedEntryCount} own events: ${failed.join('; ')}`);
      }
    }
  },
});
