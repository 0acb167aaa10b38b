/** System topics of transactional messages (RocketMQ's names). */
export const HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
/** Op messages: one per finished (or checked, or given-up) half message; nothing is edited in place. */
export const OP_TOPIC = 'RMQ_SYS_TRANS_OP_HALF_TOPIC';
/** Half messages whose check-backs ran out: kept for operators, never delivered to consumers. */
export const CHECK_MAX_TIME_TOPIC = 'TRANS_CHECK_MAX_TIME_TOPIC';

export type Resolution = 'COMMIT' | 'ROLLBACK';
export type EndSource = 'client' | 'check' | 'operator';

/** Op record kinds: C commit, R rollback, K a check-back was sent (durable count), G gave up after max checks. */
export type OpKind = 'C' | 'R' | 'K' | 'G';

export interface OpRecord {
  k: OpKind;
  /** Transaction id. */
  tx: string;
  /** Commit-log offset of the half message. */
  half: number;
  /** K: the check count after this check. */
  n?: number;
}

export interface TransactionOptions {
  /** A half message younger than this is not checked (RocketMQ transactionTimeOut, default 6 s). */
  checkImmunityMs: number;
  /** Per-message immunity (gRPC orphaned_transaction_recovery_duration) is capped at this (1 h). */
  maxCheckImmunityMs: number;
  /** Minimum time between two check-backs of one half message (default 30 s). */
  checkIntervalMs: number;
  /** Check-backs before the half message goes to TRANS_CHECK_MAX_TIME_TOPIC (default 15). */
  maxChecks: number;
  /** How often the scheduler looks for half messages to check (default 1 s). */
  scanIntervalMs: number;
  /** Check-backs sent per scan at most (rate limit). */
  maxChecksPerScan: number;
}

export const DEFAULT_TRANSACTION_OPTIONS: TransactionOptions = {
  checkImmunityMs: 6_000,
  maxCheckImmunityMs: 3_600_000,
  checkIntervalMs: 30_000,
  maxChecks: 15,
  scanIntervalMs: 1_000,
  maxChecksPerScan: 1_000,
};
