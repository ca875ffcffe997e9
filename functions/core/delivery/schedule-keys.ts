// Small shared keys of the delivery schedule, kept apart from tick.ts so that the stores and
// publish can use them without pulling tick's calendar (and date-holidays' data) into every bundle.

/** Campaign kinds whose occurrences tick makes from a schedule (others: later issues). */
export const SCHEDULED_KINDS = new Set(['newsletter', 'seasonal', 'discount', 'referral']);

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00Z and 10000-01-01T00:00Z: toISOString writes four-digit years in between. */
const FOUR_DIGIT_YEARS_FROM = -62_167_219_200_000;
const FOUR_DIGIT_YEARS_UNTIL = 253_402_300_800_000;
const HOURS_MINUTES = Array.from({ length: 1440 }, (_, i) => `${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`);
let bucketDay = Number.NaN;
let bucketDayPrefix = '';

/** The gsi3 minute bucket of a due delivery: "YYYY-MM-DDTHH:MM" in UTC. */
export const minuteBucket = (at: Date): string => {
  const ms = at.getTime();
  // Outside years 0000-9999 (or an invalid date) toISOString's own form, or its RangeError.
  if (!(ms >= FOUR_DIGIT_YEARS_FROM && ms < FOUR_DIGIT_YEARS_UNTIL)) return at.toISOString().slice(0, 16);
  // Tick reads every minute's bucket in order (a replay: each minute of the year and more), so
  // the day's "YYYY-MM-DDT" is formatted once and the "HH:MM" comes from a table.
  const day = ms - ((ms % DAY_MS) + DAY_MS) % DAY_MS;
  if (day !== bucketDay) {
    bucketDay = day;
    bucketDayPrefix = at.toISOString().slice(0, 11);
  }
  return bucketDayPrefix + HOURS_MINUTES[Math.floor((ms - day) / 60_000)]!;
};
