// Clocks with timers for the embedded runtime: the real clock (wall time, setTimeout) and a
// simulated clock whose time only moves when told to, running scheduled callbacks in time order.
// Queues and the tick loop take a SchedulingClock, so the same wiring runs live (`stammkunde local`)
// or as a deterministic replay.
import type { Clock } from '#core/clock';
import { TimedHeap } from './timed-heap';

export type { Clock } from '#core/clock';

export interface TimerHandle {
  /** Stops the callback from running; harmless after it ran. */
  cancel(): void;
}

export type TimerCallback = () => void | Promise<void>;

/** A clock that can also run callbacks at a given instant of its own time. */
export interface SchedulingClock extends Clock {
  /** True for SimClock: time stands still until advanced, so waiting means advancing. */
  readonly simulated: boolean;
  /** Runs `callback` once the clock reaches `at` (immediately-ish when `at` has passed). */
  schedule(at: Date, callback: TimerCallback): TimerHandle;
  /** Resolves after `ms` of this clock's time. On a SimClock that is when someone advances past it. */
  sleep(ms: number): Promise<void>;
}

const toMillis = (at: Date | string | number): number => {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new Error(`not a valid instant: ${String(at)}`);
  return ms;
};

interface Timer {
  at: number;
  seq: number;
  callback: TimerCallback;
  cancelled: boolean;
}

/** Timers by time; equal times in scheduling order, so runs are deterministic. */
class TimerHeap extends TimedHeap<Timer> {
  countLive(): number {
    let count = 0;
    for (const timer of this.items) if (!timer.cancelled) count++;
    return count;
  }
}

/**
 * Simulated time. `now()` answers the current simulated instant; `advanceTo`/`advanceBy` move it
 * forward, running every callback scheduled up to the target in (time, scheduling order), with the
 * clock set to each callback's own time while it runs. Callbacks may be async: each one is awaited
 * before the next, and callbacks they schedule within the target window run in the same advance.
 */
export class SimClock implements SchedulingClock {
  readonly simulated = true;
  private current: number;
  private seq = 0;
  private readonly timers = new TimerHeap();
  private advancing = false;

  constructor(start: Date | string | number) {
    this.current = toMillis(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  schedule(at: Date, callback: TimerCallback): TimerHandle {
    const timer: Timer = { at: toMillis(at), seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.schedule(new Date(this.current + Math.max(0, ms)), resolve);
    });
  }

  /** The time of the earliest pending callback, if any. */
  nextTimerAt(): Date | undefined {
    this.dropCancelled();
    const next = this.timers.peek();
    return next ? new Date(next.at) : undefined;
  }

  /** How many callbacks are still waiting. */
  get pendingTimers(): number {
    // Cancelled timers leave the heap lazily; count only live ones.
    return this.timers.countLive();
  }

  /** Moves time forward to `target`, running due callbacks in order. Never moves backwards. */
  async advanceTo(target: Date | string | number): Promise<void> {
    const targetMs = toMillis(target);
    if (targetMs < this.current) {
      throw new Error(`SimClock cannot go back from ${this.now().toISOString()} to ${new Date(targetMs).toISOString()}`);
    }
    if (this.advancing) throw new Error('SimClock.advanceTo called while already advancing (from inside a timer callback?)');
    this.advancing = true;
    try {
      for (;;) {
        this.dropCancelled();
        const next = this.timers.peek();
        if (!next || next.at > targetMs) break;
        this.timers.pop();
        this.current = Math.max(this.current, next.at);
        await next.callback();
      }
      this.current = targetMs;
    } finally {
      this.advancing = false;
    }
  }

  advanceBy(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new Error(`SimClock.advanceBy needs a non-negative number of milliseconds, got ${ms}`);
    return this.advanceTo(this.current + ms);
  }

  /** Runs callbacks already due at the current instant (scheduled for now or earlier). */
  runDue(): Promise<void> {
    return this.advanceTo(this.current);
  }

  /** Advances to the next pending callback and runs it (and any others at that instant). */
  async runNext(): Promise<boolean> {
    const next = this.nextTimerAt();
    if (!next) return false;
    await this.advanceTo(next.getTime() < this.current ? this.current : next);
    return true;
  }

  private dropCancelled(): void {
    while (this.timers.peek()?.cancelled) this.timers.pop();
  }
}

/** setTimeout accepts at most 2^31-1 ms; longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Wall-clock time with real timers (the live embedded runtime). */
export class RealClock implements SchedulingClock {
  readonly simulated = false;

  now(): Date {
    return new Date();
  }

  schedule(at: Date, callback: TimerCallback): TimerHandle {
    let handle: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    const arm = (): void => {
      const delay = at.getTime() - Date.now();
      if (delay > MAX_TIMEOUT_MS) {
        handle = setTimeout(arm, MAX_TIMEOUT_MS);
        return;
      }
      handle = setTimeout(() => {
        if (!cancelled) void Promise.resolve().then(callback);
      }, Math.max(0, delay));
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        if (handle) clearTimeout(handle);
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}

export const realClock = (): RealClock => new RealClock();
export const simClock = (start: Date | string | number): SimClock => new SimClock(start);
