import { describe, expect, it } from 'vitest';
import { minuteBucket } from '#core/delivery/schedule-keys';

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);

describe('minuteBucket', () => {
  it('equals the UTC ISO minute for times spread over years 0000-9999, in and out of order', () => {
    const times = [
      Date.UTC(2026, 2, 29, 0, 59, 59, 999), Date.UTC(2026, 2, 29, 1, 0), Date.UTC(2026, 11, 31, 23, 59, 30), Date.UTC(2027, 0, 1, 0, 0),
      -62_167_219_200_000, 253_402_300_799_999, -1, 0, 59_999, 60_000, Date.UTC(1969, 11, 31, 23, 59, 1),
    ];
    for (let i = 0; i < 2000; i++) times.push(Math.floor(-62_000_000_000_000 + ((i * 7919 * 1_000_003_001) % 315_000_000_000_000)));
    for (let t = Date.UTC(2026, 9, 25, 22, 0); t < Date.UTC(2026, 9, 26, 3, 0); t += 60_000) times.push(t);
    for (const t of times) expect(minuteBucket(new Date(t))).toBe(iso(t));
  });

  it('keeps toISOString for six-digit years and fails on an invalid date as before', () => {
    expect(minuteBucket(new Date(253_402_300_800_000))).toBe('+010000-01-01T00');
    expect(minuteBucket(new Date(-62_167_219_200_001))).toBe(iso(-62_167_219_200_001));
    expect(() => minuteBucket(new Date(Number.NaN))).toThrow(RangeError);
  });
});
