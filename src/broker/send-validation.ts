/** Checks a send against the topic's rules before anything is written (RocketMQ 5 proxy semantics). */
import { BrokerError, BrokerErrorCode } from './errors.js';
import { validateKey, validateMessageGroup, validateTag } from './names.js';
import { RESERVED_PROPERTY_NAMES } from './properties.js';
import { MESSAGE_TYPES, PERM_WRITE, type SendInput, type TopicConfig } from './types.js';

export interface SendLimits {
  maxBodyBytes: number;
  /** Longest accepted delay ahead of now, ms. */
  maxDelayMs: number;
  /** Total bytes of user property names and values. */
  maxPropertiesBytes: number;
}

const PROPERTY_KEY = /^[a-zA-Z0-9_.\-:$#@]+$/;

export function validateSend(input: SendInput, topic: TopicConfig, limits: SendLimits, now: number): void {
  if (!(MESSAGE_TYPES as readonly string[]).includes(input.messageType)) {
    throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `unknown message type '${String(input.messageType)}'`);
  }
  if ((topic.perm & PERM_WRITE) === 0) {
    throw new BrokerError(BrokerErrorCode.FORBIDDEN, `topic '${topic.name}' is not writable (perm ${topic.perm})`);
  }
  if (!Buffer.isBuffer(input.body) || input.body.length === 0) {
    throw new BrokerError(BrokerErrorCode.MESSAGE_BODY_EMPTY, 'message body is empty');
  }
  if (input.body.length > limits.maxBodyBytes) {
    throw new BrokerError(
      BrokerErrorCode.MESSAGE_BODY_TOO_LARGE,
      `message body is ${input.body.length} bytes, more than the limit of ${limits.maxBodyBytes}`,
    );
  }
  if (input.tag !== undefined) validateTag(input.tag);
  for (const k of input.keys ?? []) validateKey(k);
  if (input.properties) {
    let bytes = 0;
    for (const [k, v] of Object.entries(input.properties)) {
      if (k.length === 0 || !PROPERTY_KEY.test(k)) {
        throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_PROPERTY_KEY, `property name '${k}' is empty or has illegal characters`);
      }
      if (RESERVED_PROPERTY_NAMES.has(k)) {
        throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_PROPERTY_KEY, `property name '${k}' is reserved for system use`);
      }
      if (typeof v !== 'string') {
        throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `property '${k}' must be a string`);
      }
      bytes += k.length + v.length;
    }
    if (bytes > limits.maxPropertiesBytes) {
      throw new BrokerError(
        BrokerErrorCode.MESSAGE_PROPERTIES_TOO_LARGE,
        `user properties take ${bytes} bytes, more than the limit of ${limits.maxPropertiesBytes}`,
      );
    }
  }

  const t = input.messageType;
  if (input.lenientType) {
    if (input.messageGroup !== undefined) validateMessageGroup(input.messageGroup);
  } else if (t !== topic.messageType) {
    throw new BrokerError(
      BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE,
      `topic '${topic.name}' accepts ${topic.messageType} messages, not ${t}`,
    );
  }
  if (input.lenientType) {
    // Classic clients: FIFO order comes from the queue the client picked; no message-group rule applies.
  } else if (t === 'FIFO') {
    if (input.messageGroup === undefined) {
      throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_GROUP, `FIFO message to '${topic.name}' has no message group`);
    }
    validateMessageGroup(input.messageGroup);
  } else if (input.messageGroup !== undefined) {
    throw new BrokerError(
      BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE,
      `only FIFO messages carry a message group (this one is ${t})`,
    );
  }
  if (t === 'DELAY') {
    const at = input.deliveryTimestamp;
    if (at === undefined || !Number.isFinite(at) || at < 0) {
      throw new BrokerError(BrokerErrorCode.ILLEGAL_DELIVERY_TIME, 'DELAY message has no valid delivery timestamp');
    }
    if (at - now > limits.maxDelayMs) {
      throw new BrokerError(
        BrokerErrorCode.ILLEGAL_DELIVERY_TIME,
        `delivery timestamp is ${Math.round((at - now) / 1000)} s ahead, more than the limit of ${Math.round(limits.maxDelayMs / 1000)} s`,
      );
    }
  } else if (input.deliveryTimestamp !== undefined) {
    throw new BrokerError(
      BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE,
      `only DELAY messages carry a delivery timestamp (this one is ${t})`,
    );
  }
  if (input.queueId !== undefined && (!Number.isInteger(input.queueId) || input.queueId < 0 || input.queueId >= topic.writeQueueNums)) {
    throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `queue ${input.queueId} is not a write queue of '${topic.name}' (0..${topic.writeQueueNums - 1})`);
  }
}
