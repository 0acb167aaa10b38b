/** Redelivery backoff of a consumer group. */
import { BrokerError, BrokerErrorCode } from './errors.js';
import type { RetryPolicy } from './types.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** RocketMQ's 4.x delay levels 1..18 (1s 5s 10s 30s 1m 2m ... 10m 20m 30m 1h 2h). */
export const DELAY_LEVELS_MS: readonly number[] = [
  1 * S, 5 * S, 10 * S, 30 * S, 1 * M, 2 * M, 3 * M, 4 * M, 5 * M, 6 * M, 7 * M, 8 * M, 9 * M, 10 * M, 20 * M, 30 * M, 1 * H, 2 * H,
];

/**
 * RocketMQ 5's default retry ladder for gRPC consumers: every delay level from 1 s (1s 5s 10s 30s 1m ... 2h).
 * Classic (remoting) consumers' send-backs use the 4.x ladder from level 3 (10 s) instead, as RocketMQ does.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { kind: 'customized', delaysMs: [...DELAY_LEVELS_MS] };

/** Delay before delivery attempt `nextAttempt` (2 = first retry). */
export function retryDelayMs(policy: RetryPolicy, nextAttempt: number): number {
  const retryIndex = Math.max(0, nextAttempt - 2);
  if (policy.kind === 'customized') {
    const d = policy.delaysMs;
    return d[Math.min(retryIndex, d.length - 1)] ?? 10 * S;
  }
  return Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.multiplier, retryIndex));
}

export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  if (policy.kind === 'customized') {
    if (!Array.isArray(policy.delaysMs) || policy.delaysMs.length === 0) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, 'customized retry policy needs at least one delay');
    }
    if (policy.delaysMs.some((d) => !Number.isFinite(d) || d < 0 || d > 24 * H)) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, 'retry delays must be between 0 and 24 h');
    }
    return { kind: 'customized', delaysMs: [...policy.delaysMs] };
  }
  if (policy.kind === 'exponential') {
    const { initialMs, maxMs, multiplier } = policy;
    if (!(initialMs >= 0 && maxMs >= initialMs && maxMs <= 24 * H && multiplier >= 1)) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, 'exponential retry policy needs 0 <= initialMs <= maxMs <= 24 h and multiplier >= 1');
    }
    return { kind: 'exponential', initialMs, maxMs, multiplier };
  }
  throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `unknown retry policy kind '${String((policy as { kind: unknown }).kind)}'`);
}
