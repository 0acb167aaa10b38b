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
