// The in-memory twin of event-bus.ts: keeps what was published, in order.
import type { OwnEvent } from '#core/ingest';
import type { OwnEventPublisher } from '../track/app';

export const createMemoryEventBus = (): OwnEventPublisher & { published: OwnEvent[] } => {
  const published: OwnEvent[] = [];
  return { published, publish: async (events) => void published.push(...events) };
};
