// The in-memory stores hand out and keep copies so callers can never mutate stored data. Their
// items are plain JSON-like records, which a walk over arrays and plain objects copies several
// times faster than structuredClone (a replay copies profiles and deliveries on every send and
// tick: 9 % of a 2,000-customer replay). Anything else (Date, Map, Set, typed arrays, class
// instances) still goes through structuredClone, so the result is the same as before.

/** A deep copy sharing nothing with `value` (as structuredClone, faster on plain records). */
export const deepCopy = <T>(value: T): T => copyValue(value) as T;

const copyValue = (value: unknown): unknown => {
  if (typeof value !== 'object' || value === null) return typeof value === 'function' ? structuredClone(value) : value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyValue(value[i]);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyValue((value as Record<string, unknown>)[key]);
  return out;
};

/**
 * Freezes a plain record and everything in it, so that a store can hand the one stored value to
 * any number of readers without a copy each: a reader that tries to change it gets a TypeError
 * (modules run in strict mode) instead of changing stored state.
 */
export const deepFreeze = <T>(value: T): Readonly<T> => {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
};
