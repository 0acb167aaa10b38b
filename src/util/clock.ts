/** One injectable clock for timers, invisible times and check schedules, so tests can be fast and exact. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
