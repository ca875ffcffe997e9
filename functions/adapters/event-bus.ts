// Our own events (TierChanged, FirstOrderPlaced, ConsentConfirmed, ...) onto an EventBridge bus
// with PutEvents, Source "stammkunde", DetailType the event type: the shop's other systems listen
// to them (README "Our own events"). At most 10 entries per call (the PutEvents limit). PutEvents
// answers per entry: only the failed entries are put again, up to `attempts` times with a short
// backoff; entries still failing then throw with their codes (the caller's record is redelivered).
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { OwnEvent } from '#core/ingest';
import type { OwnEventPublisher } from '../track/app';

import { OWN_EVENT_SOURCE } from '#core/routes';

export { OWN_EVENT_SOURCE };
export const PUT_EVENTS_BATCH = 10;
export const PUT_EVENTS_ATTEMPTS = 4;

export interface OwnEventEntry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
  Time: Date;
}

/** One PutEvents call: per-entry answers in request order (an entry with ErrorCode failed). */
export type PutEntries = (entries: OwnEventEntry[]) => Promise<{ FailedEntryCount?: number | undefined; Entries?: { ErrorCode?: string | undefined; ErrorMessage?: string | undefined }[] | undefined }>;

export interface PublisherOptions {
  busName: string;
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The batching and retry of PutEvents, over any put (the SDK client, or the local in-process bus). */
export const createPutEventsPublisher = (put: PutEntries, options: PublisherOptions): OwnEventPublisher => {
  const attempts = options.attempts ?? PUT_EVENTS_ATTEMPTS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    async publish(events: readonly OwnEvent[]) {
      for (let i = 0; i < events.length; i += PUT_EVENTS_BATCH) {
        let pending = events
          .slice(i, i + PUT_EVENTS_BATCH)
          .map((event) => ({ EventBusName: options.busName, Source: OWN_EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: new Date(event.at) }));
        let errors: string[] = [];
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= attempts) throw new Error(`PutEvents failed for ${pending.length} own events after ${attempts} attempts: ${errors.join('; ')}`);
          if (attempt > 0) await sleep(100 * 2 ** (attempt - 1));
          const result = await put(pending);
          if (!result.FailedEntryCount) break;
          const answers = result.Entries ?? [];
          errors = answers.filter((e) => e.ErrorCode).map((e) => `${e.ErrorCode}: ${e.ErrorMessage ?? ''}`);
          pending = pending.filter((_, index) => answers[index]?.ErrorCode !== undefined);
        }
      }
    },
  };
};

export const createEventBusPublisher = (options: { client: EventBridgeClient; busName: string; attempts?: number; sleep?: (ms: number) => Promise<void> }): OwnEventPublisher =>
  createPutEventsPublisher((entries) => options.client.send(new PutEventsCommand({ Entries: entries })), options);
