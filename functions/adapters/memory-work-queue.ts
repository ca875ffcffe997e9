// An in-memory work queue (unit tests, benchmarks): keeps messages in order with their delays.
import type { QueuedMessage, WorkQueue } from '#core/delivery/ports';

export class MemoryWorkQueue<T> implements WorkQueue<T> {
  readonly messages: QueuedMessage<T>[] = [];
  async sendBatch(messages: readonly QueuedMessage<T>[]): Promise<void> {
    this.messages.push(...structuredClone(messages));
  }
  /** Takes every queued message out (delays ignored: the caller plays the clock). */
  drain(): QueuedMessage<T>[] {
    return this.messages.splice(0, this.messages.length);
  }
}
