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
  /**
   * The data dir's file system is full (ENOSPC, EDQUOT). Retriable: appends are refused until a write works
   * again, which the store retries by itself.
   */
  DISK_FULL: 'DISK_FULL',
  /** The data dir's file system is read-only (EROFS). Retriable, like DISK_FULL. */
  READ_ONLY: 'READ_ONLY',
  /** A write or fdatasync failed for another reason (EIO, ...). Retriable, like DISK_FULL. */
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

/** The store code for a failed file-system call's error: DISK_FULL, READ_ONLY or (anything else) IO_ERROR. */
export function diskErrorCode(err: unknown): StoreErrorCode {
  if (isStoreError(err)) return err.code;
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return StoreErrorCode.DISK_FULL;
    case 'EROFS':
      return StoreErrorCode.READ_ONLY;
    default:
      return StoreErrorCode.IO_ERROR;
  }
}

/** Whether an error is the disk refusing a write (full or read-only), as opposed to a bug or bad input. */
export function isDiskRefusal(err: unknown): boolean {
  const c = diskErrorCode(err);
  return c === StoreErrorCode.DISK_FULL || c === StoreErrorCode.READ_ONLY;
}

/** Words for logs and client messages: what is wrong with `dir`. */
export function describeDiskError(code: StoreErrorCode, dir: string): string {
  if (code === StoreErrorCode.DISK_FULL) return `the disk holding the data dir ${dir} is full`;
  if (code === StoreErrorCode.READ_ONLY) return `the data dir ${dir} is on a read-only file system`;
  return `writing to the data dir ${dir} failed`;
}
