/** The one mapping from broker error codes to remoting response codes. */
import { BrokerErrorCode, type BrokerError } from '../../broker/errors.js';
import { ResponseCode } from './codes.js';

const TABLE: Record<BrokerErrorCode, ResponseCode> = {
  [BrokerErrorCode.BAD_REQUEST]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.ILLEGAL_TOPIC]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.ILLEGAL_CONSUMER_GROUP]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.ILLEGAL_MESSAGE_TAG]: ResponseCode.MESSAGE_ILLEGAL,
  [BrokerErrorCode.ILLEGAL_MESSAGE_KEY]: ResponseCode.MESSAGE_ILLEGAL,
  [BrokerErrorCode.ILLEGAL_MESSAGE_GROUP]: ResponseCode.MESSAGE_ILLEGAL,
  [BrokerErrorCode.ILLEGAL_MESSAGE_PROPERTY_KEY]: ResponseCode.MESSAGE_ILLEGAL,
  // RocketMQ's EndTransactionProcessor answers SYSTEM_ERROR when it cannot find the half message.
  [BrokerErrorCode.INVALID_TRANSACTION_ID]: ResponseCode.SYSTEM_ERROR,
  [BrokerErrorCode.ILLEGAL_MESSAGE_ID]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.ILLEGAL_FILTER_EXPRESSION]: ResponseCode.SUBSCRIPTION_PARSE_FAILED,
  [BrokerErrorCode.ILLEGAL_INVISIBLE_TIME]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.ILLEGAL_DELIVERY_TIME]: ResponseCode.MESSAGE_ILLEGAL,
  [BrokerErrorCode.INVALID_RECEIPT_HANDLE]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE]: ResponseCode.MESSAGE_ILLEGAL,
  [BrokerErrorCode.ILLEGAL_POLLING_TIME]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.ILLEGAL_OFFSET]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.ALREADY_EXISTS]: ResponseCode.INVALID_PARAMETER,
  [BrokerErrorCode.NOT_FOUND]: ResponseCode.QUERY_NOT_FOUND,
  [BrokerErrorCode.MESSAGE_NOT_FOUND]: ResponseCode.QUERY_NOT_FOUND,
  [BrokerErrorCode.TOPIC_NOT_FOUND]: ResponseCode.TOPIC_NOT_EXIST,
  [BrokerErrorCode.CONSUMER_GROUP_NOT_FOUND]: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
  [BrokerErrorCode.FORBIDDEN]: ResponseCode.NO_PERMISSION,
  [BrokerErrorCode.MESSAGE_BODY_TOO_LARGE]: ResponseCode.MESSAGE_ILLEGAL,
  [BrokerErrorCode.MESSAGE_BODY_EMPTY]: ResponseCode.MESSAGE_ILLEGAL,
  [BrokerErrorCode.MESSAGE_PROPERTIES_TOO_LARGE]: ResponseCode.MESSAGE_ILLEGAL,
  [BrokerErrorCode.TOO_MANY_REQUESTS]: ResponseCode.SYSTEM_BUSY,
  [BrokerErrorCode.NOT_IMPLEMENTED]: ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
  [BrokerErrorCode.UNAVAILABLE]: ResponseCode.SERVICE_NOT_AVAILABLE,
  [BrokerErrorCode.INTERNAL_ERROR]: ResponseCode.SYSTEM_ERROR,
};

export function responseCodeOf(err: BrokerError): ResponseCode {
  return TABLE[err.code] ?? ResponseCode.SYSTEM_ERROR;
}
