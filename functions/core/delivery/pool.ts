// A concurrency limit for async work (SES calls in flight); FIFO, no dependencies.
export interface Pool {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export const createPool = (size: number): Pool => {
  if (!(size >= 1)) throw new Error(`pool size ${size} must be at least 1`);
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
      if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
  };
};
