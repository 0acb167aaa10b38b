/** RocketMQ 4.x delay levels: a producer names a level 1..18 instead of a timestamp. */
import { BrokerError, BrokerErrorCode } from '../errors.js';
import { DELAY_LEVELS_MS } from '../retry-policy.js';

export const MIN_DELAY_LEVEL = 1;
export const MAX_DELAY_LEVEL = DELAY_LEVELS_MS.length;

/** Delay of a 4.x level (1 → 1 s ... 18 → 2 h); anything else is ILLEGAL_DELIVERY_TIME. */
export function delayLevelToMs(level: number): number {
  if (!Number.isInteger(level) || level < MIN_DELAY_LEVEL || level > MAX_DELAY_LEVEL) {
    throw new BrokerError(
      BrokerErrorCode.ILLEGAL_DELIVERY_TIME,
      `delay level ${String(level)} is outside ${MIN_DELAY_LEVEL}..${MAX_DELAY_LEVEL}`,
    );
  }
  return DELAY_LEVELS_MS[level - 1] as number;
}
