/**
 * How errors leave the admin HTTP API: one table from broker error codes to HTTP statuses, and one body shape,
 * `{ error: { code, message } }`.
 */
import { asBrokerError, BrokerErrorCode } from '../broker/errors.js';
import type { Logger } from '../util/logger.js';

/** Codes the admin layer raises itself (bad HTTP usage rather than a broker refusal). */
export const AdminErrorCode = {
  BAD_JSON: 'BAD_JSON',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  UNAUTHORIZED: 'UNAUTHORIZED',
} as const;
export type AdminErrorCode = (typeof AdminErrorCode)[keyof typeof AdminErrorCode];

export type ErrorCode = BrokerErrorCode | AdminErrorCode;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** An error with its HTTP status decided where it is raised. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers (e.g. `Allow` on 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Every broker code must appear here (the Record type makes a new code a compile error until mapped). */
export const HTTP_STATUS_BY_BROKER_CODE: Record<BrokerErrorCode, number> = {
  BAD_REQUEST: 400,
  ILLEGAL_TOPIC: 400,
  ILLEGAL_CONSUMER_GROUP: 400,
  ILLEGAL_MESSAGE_TAG: 400,
  ILLEGAL_MESSAGE_KEY: 400,
  ILLEGAL_MESSAGE_GROUP: 400,
  ILLEGAL_MESSAGE_PROPERTY_KEY: 400,
  INVALID_TRANSACTION_ID: 400,
  ILLEGAL_MESSAGE_ID: 400,
  ILLEGAL_FILTER_EXPRESSION: 400,
  ILLEGAL_INVISIBLE_TIME: 400,
  ILLEGAL_DELIVERY_TIME: 400,
  INVALID_RECEIPT_HANDLE: 400,
  MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: 400,
  ILLEGAL_POLLING_TIME: 400,
  ILLEGAL_OFFSET: 400,
  ALREADY_EXISTS: 409,
  NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  TOPIC_NOT_FOUND: 404,
  CONSUMER_GROUP_NOT_FOUND: 404,
  FORBIDDEN: 403,
  MESSAGE_BODY_TOO_LARGE: 413,
  MESSAGE_BODY_EMPTY: 400,
  MESSAGE_PROPERTIES_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

/** Status and body for anything thrown by a handler. Unexpected errors are logged and hidden behind a 500. */
export function errorResponse(err: unknown, logger: Logger): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof HttpError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message } }, headers: err.headers };
  }
  const be = asBrokerError(err);
  if (be) {
    const status = HTTP_STATUS_BY_BROKER_CODE[be.code] ?? 500;
    if (status >= 500) logger.warn({ code: be.code, err: be.message }, 'admin request failed');
    const headers: Record<string, string> = be.retriable ? { 'retry-after': '1' } : {};
    return { status, body: { error: { code: be.code, message: be.message } }, headers };
  }
  logger.error({ err }, 'admin request failed unexpectedly');
  return { status: 500, body: { error: { code: BrokerErrorCode.INTERNAL_ERROR, message: 'internal error (see broker log)' } }, headers: {} };
}
