// Small shared keys of the delivery schedule, kept apart from tick.ts so that the stores and
// publish can use them without pulling tick's calendar (and date-holidays' data) into every bundle.

/** Campaign kinds whose occurrences tick makes from a schedule (others: later issues). */
export const SCHEDULED_KINDS = new Set(['newsletter', 'seasonal']);

/** The gsi3 minute bucket of a due delivery: "YYYY-MM-DDTHH:MM" in UTC. */
export const minuteBucket = (at: Date): string => at.toISOString().slice(0, 16);
