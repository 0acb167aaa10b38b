import { isStoreError, StoreErrorCode } from '../store/errors.js';

/**
 * Typed broker errors. Codes use RocketMQ v2's vocabulary so the gRPC layer maps them in one table and the
 * admin HTTP layer to HTTP statuses in another. Every layer above the broker throws or forwards these.
 */
export const BrokerErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  ILLEGAL_TOPIC: 'ILLEGAL_TOPIC',
  ILLEGAL_CONSUMER_GROUP: 'ILLEGAL_CONSUMER_GROUP',
  ILLEGAL_MESSAGE_TAG: 'ILLEGAL_MESSAGE_TAG',
  ILLEGAL_MESSAGE_KEY: 'ILLEGAL_MESSAGE_KEY',
  ILLEGAL_MESSAGE_GROUP: 'ILLEGAL_MESSAGE_GROUP',
  ILLEGAL_MESSAGE_PROPERTY_KEY: 'ILLEGAL_MESSAGE_PROPERTY_KEY',
  INVALID_TRANSACTION_ID: 'INVALID_TRANSACTION_ID',
  ILLEGAL_MESSAGE_ID: 'ILLEGAL_MESSAGE_ID',
  ILLEGAL_FILTER_EXPRESSION: 'ILLEGAL_FILTER_EXPRESSION',
  ILLEGAL_INVISIBLE_TIME: 'ILLEGAL_INVISIBLE_TIME',
  ILLEGAL_DELIVERY_TIME: 'ILLEGAL_DELIVERY_TIME',
  INVALID_RECEIPT_HANDLE: 'INVALID_RECEIPT_HANDLE',
  MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE',
  ILLEGAL_POLLING_TIME: 'ILLEGAL_POLLING_TIME',
  ILLEGAL_OFFSET: 'ILLEGAL_OFFSET',
  /** A create of something that already exists (topic, group). */
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  NOT_FOUND: 'NOT_FOUND',
  MESSAGE_NOT_FOUND: 'MESSAGE_NOT_FOUND',
  TOPIC_NOT_FOUND: 'TOPIC_NOT_FOUND',
  CONSUMER_GROUP_NOT_FOUND: 'CONSUMER_GROUP_NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  MESSAGE_BODY_TOO_LARGE: 'MESSAGE_BODY_TOO_LARGE',
  MESSAGE_BODY_EMPTY: 'MESSAGE_BODY_EMPTY',
  MESSAGE_PROPERTIES_TOO_LARGE: 'MESSAGE_PROPERTIES_TOO_LARGE',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  /** The broker is starting or stopping. */
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type BrokerErrorCode = (typeof BrokerErrorCode)[keyof typeof BrokerErrorCode];

export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    /** True when the same request may succeed later unchanged (busy, stopping). */
    readonly retriable = false,
  ) {
    super(message);
  }
}

export function isBrokerError(err: unknown): err is BrokerError {
  return err instanceof BrokerError;
}

/**
 * The broker error a failure means to a client, when it is one: broker errors as they are; the store refusing
 * writes (disk full, read-only data dir, I/O error, closing) and the same errno from the broker's own metadata
 * files as UNAVAILABLE, retriable, with the cause in the message (RocketMQ answers SERVICE_NOT_AVAILABLE when its
 * store is not writable). The message names no path: the broker's log does. Undefined for anything else (a bug:
 * the fronts log it).
 */
export function asBrokerError(err: unknown): BrokerError | undefined {
  if (isBrokerError(err)) return err;
  let why: string | undefined;
  if (isStoreError(err)) {
    const errno = (err.cause as NodeJS.ErrnoException | undefined)?.code;
    // The store checks every append's fields once more; what only it caught is still the client's input (a
    // separator character inside a system property's value, say), not a broker failure.
    if (err.code === StoreErrorCode.BAD_INPUT) return new BrokerError(BrokerErrorCode.BAD_REQUEST, `message rejected: ${err.message}`);
    if (err.code === StoreErrorCode.CLOSED) why = 'the broker is shutting down';
    else if (err.code === StoreErrorCode.DISK_FULL || err.code === StoreErrorCode.READ_ONLY || err.code === StoreErrorCode.IO_ERROR) {
      why = unwritable(err.code, errno);
    }
  } else {
    const errno = (err as NodeJS.ErrnoException | undefined)?.code;
    if (errno === 'ENOSPC' || errno === 'EDQUOT') why = unwritable(StoreErrorCode.DISK_FULL, errno);
    else if (errno === 'EROFS') why = unwritable(StoreErrorCode.READ_ONLY, errno);
  }
  return why === undefined ? undefined : new BrokerError(BrokerErrorCode.UNAVAILABLE, `service not available: ${why}`, true);
}

function unwritable(code: StoreErrorCode, errno: string | undefined): string {
  const tag = errno === undefined ? '' : ` (${errno})`;
  if (code === StoreErrorCode.DISK_FULL) return `the disk holding the broker's data dir is full${tag}; writes are refused until space returns`;
  if (code === StoreErrorCode.READ_ONLY) return `the broker's data dir is on a read-only file system${tag}; writes are refused until it is writable`;
  return `writing to the broker's data dir failed${tag}; writes are refused until a write works again`;
}
