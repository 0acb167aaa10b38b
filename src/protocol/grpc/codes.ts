/**
 * The one place where failures become v2 `Status`es: typed broker errors by table, protocol-level rejections
 * (`GrpcStatusError`) as they are, anything else INTERNAL_ERROR with a log line.
 */
import { asBrokerError, BrokerErrorCode } from '../../broker/errors.js';
import type { Logger } from '../../util/logger.js';
import { Code, type Status } from './generated/apache/rocketmq/v2/definition.js';

const BROKER_TO_V2: Readonly<Record<BrokerErrorCode, Code>> = {
  [BrokerErrorCode.BAD_REQUEST]: Code.BAD_REQUEST,
  [BrokerErrorCode.ILLEGAL_TOPIC]: Code.ILLEGAL_TOPIC,
  [BrokerErrorCode.ILLEGAL_CONSUMER_GROUP]: Code.ILLEGAL_CONSUMER_GROUP,
  [BrokerErrorCode.ILLEGAL_MESSAGE_TAG]: Code.ILLEGAL_MESSAGE_TAG,
  [BrokerErrorCode.ILLEGAL_MESSAGE_KEY]: Code.ILLEGAL_MESSAGE_KEY,
  [BrokerErrorCode.ILLEGAL_MESSAGE_GROUP]: Code.ILLEGAL_MESSAGE_GROUP,
  [BrokerErrorCode.ILLEGAL_MESSAGE_PROPERTY_KEY]: Code.ILLEGAL_MESSAGE_PROPERTY_KEY,
  [BrokerErrorCode.INVALID_TRANSACTION_ID]: Code.INVALID_TRANSACTION_ID,
  [BrokerErrorCode.ILLEGAL_MESSAGE_ID]: Code.ILLEGAL_MESSAGE_ID,
  [BrokerErrorCode.ILLEGAL_FILTER_EXPRESSION]: Code.ILLEGAL_FILTER_EXPRESSION,
  [BrokerErrorCode.ILLEGAL_INVISIBLE_TIME]: Code.ILLEGAL_INVISIBLE_TIME,
  [BrokerErrorCode.ILLEGAL_DELIVERY_TIME]: Code.ILLEGAL_DELIVERY_TIME,
  [BrokerErrorCode.INVALID_RECEIPT_HANDLE]: Code.INVALID_RECEIPT_HANDLE,
  [BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE]: Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE,
  [BrokerErrorCode.ILLEGAL_POLLING_TIME]: Code.ILLEGAL_POLLING_TIME,
  [BrokerErrorCode.ILLEGAL_OFFSET]: Code.ILLEGAL_OFFSET,
  [BrokerErrorCode.ALREADY_EXISTS]: Code.BAD_REQUEST,
  [BrokerErrorCode.NOT_FOUND]: Code.NOT_FOUND,
  [BrokerErrorCode.MESSAGE_NOT_FOUND]: Code.MESSAGE_NOT_FOUND,
  [BrokerErrorCode.TOPIC_NOT_FOUND]: Code.TOPIC_NOT_FOUND,
  [BrokerErrorCode.CONSUMER_GROUP_NOT_FOUND]: Code.CONSUMER_GROUP_NOT_FOUND,
  [BrokerErrorCode.FORBIDDEN]: Code.FORBIDDEN,
  [BrokerErrorCode.MESSAGE_BODY_TOO_LARGE]: Code.MESSAGE_BODY_TOO_LARGE,
  [BrokerErrorCode.MESSAGE_BODY_EMPTY]: Code.MESSAGE_BODY_EMPTY,
  [BrokerErrorCode.MESSAGE_PROPERTIES_TOO_LARGE]: Code.MESSAGE_PROPERTIES_TOO_LARGE,
  [BrokerErrorCode.TOO_MANY_REQUESTS]: Code.TOO_MANY_REQUESTS,
  [BrokerErrorCode.NOT_IMPLEMENTED]: Code.NOT_IMPLEMENTED,
  // Starting/stopping: a server-side condition the client may retry; v2 has no "unavailable" code.
  [BrokerErrorCode.UNAVAILABLE]: Code.INTERNAL_SERVER_ERROR,
  [BrokerErrorCode.INTERNAL_ERROR]: Code.INTERNAL_ERROR,
};

/** A request rejected by the protocol layer itself (missing header, malformed field) with its v2 code. */
export class GrpcStatusError extends Error {
  override readonly name = 'GrpcStatusError';
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

export function brokerCodeToV2(code: BrokerErrorCode): Code {
  return BROKER_TO_V2[code] ?? Code.INTERNAL_ERROR;
}

const OK_STATUS: Status = Object.freeze({ code: Code.OK, message: 'OK' }) as Status;

export function okStatus(): Status {
  return OK_STATUS;
}

export function status(code: Code, message: string): Status {
  return { code, message };
}

/** Whether a code means the request did what it asked (MESSAGE_NOT_FOUND is a normal empty receive). */
export function isSuccessCode(code: Code): boolean {
  return code === Code.OK || code === Code.MULTIPLE_RESULTS || code === Code.MESSAGE_NOT_FOUND;
}

/**
 * Turns any thrown value into a Status. Unexpected ones are logged with the RPC name so the cause can be
 * found; their text is not sent to the client beyond a short summary.
 */
export function statusFromError(err: unknown, logger: Logger, rpc: string): Status {
  if (err instanceof GrpcStatusError) return { code: err.code, message: err.message };
  const be = asBrokerError(err);
  if (be) return { code: brokerCodeToV2(be.code), message: be.message };
  logger.error({ err, rpc }, 'unexpected error in gRPC handler');
  const summary = err instanceof Error ? err.message : String(err);
  return { code: Code.INTERNAL_ERROR, message: `internal error: ${summary}` };
}

/** Name of a v2 code for logs and metrics labels ("TOPIC_NOT_FOUND"). */
export function codeName(code: Code): string {
  return Code[code] ?? String(code);
}
