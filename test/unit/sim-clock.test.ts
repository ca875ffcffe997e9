import { describe, expect, it } from 'vitest';
import { RealClock, SimClock } from '#local/sim-clock';

const t0 = '2026-01-01T00:00:00.000Z';

describe('sim-clock: SimClock', () => {
  it('stands still until advanced', async () => {
    const clock = new SimClock(t0);
    expect(clock.now().toISOString()).toBe(t0);
    await clock.advanceBy(1500);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.500Z');
  });

  it('runs scheduled callbacks in time order, ties in scheduling order, each at its own time', async () => {
    const clock = new SimClock(t0);
    const seen: string[] = [];
    const at = (iso: string, label: string) => clock.schedule(new Date(iso), () => void seen.push(`${label}@${clock.now().toISOString()}`));
    at('2026-01-01T00:00:03Z', 'c');
    at('2026-01-01T00:00:01Z', 'a');
    at('2026-01-01T00:00:03Z', 'd');
    at('2026-01-01T00:00:02Z', 'b');
    await clock.advanceTo('2026-01-01T00:00:10Z');
    expect(seen).toEqual(['a@2026-01-01T00:00:01.000Z', 'b@2026-01-01T00:00:02.000Z', 'c@2026-01-01T00:00:03.000Z', 'd@2026-01-01T00:00:03.000Z']);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:10.000Z');
  });

  it('leaves callbacks after the target waiting', async () => {
    const clock = new SimClock(t0);
    let ran = false;
    clock.schedule(new Date('2026-01-01T01:00:00Z'), () => {
      ran = true;
    });
    await clock.advanceTo('2026-01-01T00:59:59Z');
    expect(ran).toBe(false);
    expect(clock.nextTimerAt()?.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(clock.pendingTimers).toBe(1);
  });

  it('awaits async callbacks before running the next one', async () => {
    const clock = new SimClock(t0);
    const seen: string[] = [];
    clock.schedule(new Date('2026-01-01T00:00:01Z'), async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push('slow');
    });
    clock.schedule(new Date('2026-01-01T00:00:02Z'), () => void seen.push('fast'));
    await clock.advanceBy(5000);
    expect(seen).toEqual(['slow', 'fast']);
  });

  it('runs callbacks scheduled by callbacks within the same advance', async () => {
    const clock = new SimClock(t0);
    const seen: string[] = [];
    clock.schedule(new Date('2026-01-01T00:00:01Z'), () => {
      seen.push('first');
      clock.schedule(new Date('2026-01-01T00:00:02Z'), () => void seen.push('second'));
    });
    await clock.advanceBy(3000);
    expect(seen).toEqual(['first', 'second']);
  });

  it('skips cancelled callbacks', async () => {
    const clock = new SimClock(t0);
    let ran = false;
    const handle = clock.schedule(new Date('2026-01-01T00:00:01Z'), () => {
      ran = true;
    });
    handle.cancel();
    await clock.advanceBy(2000);
    expect(ran).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves sleep when time passes the wake-up instant', async () => {
    const clock = new SimClock(t0);
    let woke = false;
    const sleeping = clock.sleep(60_000).then(() => {
      woke = true;
    });
    await clock.advanceBy(59_999);
    expect(woke).toBe(false);
    await clock.advanceBy(1);
    await sleeping;
    expect(woke).toBe(true);
  });

  it('runNext jumps to the next callback and reports when none is left', async () => {
    const clock = new SimClock(t0);
    clock.schedule(new Date('2026-03-01T00:00:00Z'), () => undefined);
    expect(await clock.runNext()).toBe(true);
    expect(clock.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(await clock.runNext()).toBe(false);
  });

  it('rejects moving backwards', async () => {
    const clock = new SimClock(t0);
    await expect(clock.advanceTo('2025-12-31T23:59:59Z')).rejects.toThrow(/cannot go back/);
  });

  it('rejects advancing from inside a callback', async () => {
    const clock = new SimClock(t0);
    let inner: unknown;
    clock.schedule(new Date('2026-01-01T00:00:01Z'), async () => {
      inner = await clock.advanceBy(1).catch((error: unknown) => error);
    });
    await clock.advanceBy(2000);
    expect(String(inner)).toMatch(/already advancing/);
  });

  it('rejects an invalid start instant', () => {
    expect(() => new SimClock('not a date')).toThrow(/not a valid instant/);
  });
});

describe('sim-clock: RealClock', () => {
  it('answers wall time and runs a scheduled callback once its time has come', async () => {
    const clock = new RealClock();
    const before = Date.now();
    expect(Math.abs(clock.now().getTime() - before)).toBeLessThan(1000);
    const ran = await new Promise<number>((resolve) => clock.schedule(new Date(Date.now() + 20), () => resolve(Date.now())));
    expect(ran).toBeGreaterThanOrEqual(before + 20 - 1);
  });

  it('does not run a cancelled callback', async () => {
    const clock = new RealClock();
    let ran = false;
    clock.schedule(new Date(Date.now() + 10), () => {
      ran = true;
    }).cancel();
    await clock.sleep(30);
    expect(ran).toBe(false);
  });
});
