// A binary min-heap of entries ordered by time, then by insertion sequence, so that equal times
// come out in the order they went in (deterministic simulated runs). Used by the simulated
// clock's timers and the queue's hidden (in-flight) messages: thousands of them must stay cheap.
export interface TimedEntry {
  at: number;
  seq: number;
}

const earlier = (a: TimedEntry, b: TimedEntry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class TimedHeap<T extends TimedEntry> {
  protected readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** Every entry, in heap order (not sorted). */
  entries(): readonly T[] {
    return this.items;
  }

  push(entry: T): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let next = i;
        if (left < items.length && earlier(items[left]!, items[next]!)) next = left;
        if (right < items.length && earlier(items[right]!, items[next]!)) next = right;
        if (next === i) break;
        [items[i], items[next]] = [items[next]!, items[i]!];
        i = next;
      }
    }
    return top;
  }
}
