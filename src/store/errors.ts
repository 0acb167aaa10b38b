/**
 * Typed store errors. The store imports nothing from broker/, so it has its own small vocabulary; the broker
 * maps these codes to its own (e.g. MESSAGE_TOO_LARGE → MESSAGE_BODY_TOO_LARGE, CLOSED → UNAVAILABLE).
 */
export const StoreErrorCode = {
  /** An append input or a query argument is malformed (names the field). */
  BAD_INPUT: 'BAD_INPUT',
  /** The record would exceed maxMessageSize or the segment size. */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** The options passed to openMessageStore are invalid or conflict with the data dir. */
  BAD_OPTIONS: 'BAD_OPTIONS',
  /** Another live store holds the data dir. */
  LOCKED: 'LOCKED',
  /** The store is closing or closed. */
  CLOSED: 'CLOSED',
  /** A commit-log offset that is not the start of a record. */
  BAD_OFFSET: 'BAD_OFFSET',
  /** Stored bytes fail their checksum or layout check. */
  CORRUPT: 'CORRUPT',
  /** A write or fdatasync failed; the store refuses further appends until reopened (recovery decides). */
  IO_ERROR: 'IO_ERROR',
} as const;

export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** True when the same call may succeed later unchanged. */
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError;
}
