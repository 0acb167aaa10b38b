/** Broker messages → v2 `Message`s as delivered to consumers (ReceiveMessage, PullMessage, check-backs). */
import { createHash } from 'node:crypto';
import type { MessageView, ReceivedMessage } from '../../broker/types.js';
import { DigestType, Encoding, type Message, type Resource } from './generated/apache/rocketmq/v2/definition.js';
import { msToDuration, msToTimestamp, wireMessageType } from './wire.js';

/** User property RocketMQ clients read a FIFO message's group from (the official tests check it). */
export const SHARDING_KEY_PROPERTY = '__SHARDINGKEY';

export interface DeliveryExtras {
  receiptHandle?: string;
  deliveryAttempt?: number;
  invisibleDurationMs?: number;
}

/** MD5 of the body as uppercase hex: the digest the official clients verify (and reject messages without). */
export function md5UpperHex(body: Buffer): string {
  return createHash('md5').update(body).digest('hex').toUpperCase();
}

/**
 * Builds the wire message. `topic` is the resource the client named (so its namespace round-trips).
 * delivery_attempt defaults to reconsumeTimes + 1 for plain reads.
 */
export function toWireMessage(m: MessageView, topic: Resource, extras: DeliveryExtras = {}): Message {
  let userProperties = m.properties;
  if (m.messageGroup !== undefined && userProperties[SHARDING_KEY_PROPERTY] !== m.messageGroup) {
    userProperties = { ...userProperties, [SHARDING_KEY_PROPERTY]: m.messageGroup };
  }
  return {
    topic,
    userProperties,
    body: m.body,
    systemProperties: {
      tag: m.tag,
      keys: m.keys,
      messageId: m.messageId,
      bodyDigest: { type: DigestType.MD5, checksum: md5UpperHex(m.body) },
      bodyEncoding: Encoding.IDENTITY,
      messageType: wireMessageType(m.messageType),
      bornTimestamp: msToTimestamp(m.bornTimestamp),
      bornHost: m.bornHost,
      storeTimestamp: msToTimestamp(m.storeTimestamp),
      storeHost: m.storeHost,
      deliveryTimestamp: m.deliveryTimestamp !== undefined ? msToTimestamp(m.deliveryTimestamp) : undefined,
      receiptHandle: extras.receiptHandle,
      queueId: m.queueId,
      queueOffset: m.queueOffset,
      invisibleDuration: extras.invisibleDurationMs !== undefined ? msToDuration(extras.invisibleDurationMs) : undefined,
      deliveryAttempt: extras.deliveryAttempt ?? m.reconsumeTimes + 1,
      messageGroup: m.messageGroup,
      traceContext: undefined,
      orphanedTransactionRecoveryDuration: undefined,
      deadLetterQueue: undefined,
      liteTopic: undefined,
      priority: undefined,
    },
  };
}

export function toWireReceived(m: ReceivedMessage, topic: Resource, invisibleDurationMs: number): Message {
  return toWireMessage(m, topic, {
    receiptHandle: m.receiptHandle,
    deliveryAttempt: m.deliveryAttempt,
    invisibleDurationMs,
  });
}
