// Time as a port: core/ never reads the clock, it is handed a Clock or a Date.
export interface Clock {
  now(): Date;
}

/** A clock that always answers the same instant (tests, replay steps). */
export const fixedClock = (at: Date | string): Clock => {
  const instant = new Date(at);
  return { now: () => new Date(instant) };
};
