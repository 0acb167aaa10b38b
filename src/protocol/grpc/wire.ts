/** Small conversions between v2 wire values and the broker's plain values. No validation beyond shape. */
import type { FilterSpec, MessageType as BrokerMessageType } from '../../broker/types.js';
import type { ClientKind } from '../../broker/clients/types.js';
import type { Duration } from './generated/google/protobuf/duration.js';
import type { Timestamp } from './generated/google/protobuf/timestamp.js';
import { ClientType, FilterType, MessageType, type Resource } from './generated/apache/rocketmq/v2/definition.js';

/** Milliseconds of a Duration, or undefined when it is malformed (negative, nanos out of range). */
export function durationToMs(d: Duration): number | undefined {
  if (!Number.isFinite(d.seconds) || !Number.isInteger(d.nanos) || d.nanos < 0 || d.nanos >= 1e9 || d.seconds < 0) {
    return undefined;
  }
  return d.seconds * 1000 + Math.floor(d.nanos / 1e6);
}

export function msToDuration(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
}

/** Epoch milliseconds of a Timestamp, or undefined when it is malformed. */
export function timestampToMs(t: Timestamp): number | undefined {
  if (!Number.isFinite(t.seconds) || !Number.isInteger(t.nanos) || t.nanos < 0 || t.nanos >= 1e9) return undefined;
  return t.seconds * 1000 + Math.floor(t.nanos / 1e6);
}

export function msToTimestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
}

const TO_BROKER_TYPE: Partial<Record<MessageType, BrokerMessageType>> = {
  [MessageType.NORMAL]: 'NORMAL',
  [MessageType.FIFO]: 'FIFO',
  [MessageType.DELAY]: 'DELAY',
  [MessageType.TRANSACTION]: 'TRANSACTION',
};

const TO_WIRE_TYPE: Record<BrokerMessageType, MessageType> = {
  NORMAL: MessageType.NORMAL,
  FIFO: MessageType.FIFO,
  DELAY: MessageType.DELAY,
  TRANSACTION: MessageType.TRANSACTION,
};

/** Broker type of a wire type; undefined for UNSPECIFIED and types the broker does not have (LITE, PRIORITY). */
export function brokerMessageType(t: MessageType): BrokerMessageType | undefined {
  return TO_BROKER_TYPE[t];
}

export function wireMessageType(t: BrokerMessageType): MessageType {
  return TO_WIRE_TYPE[t];
}

const CLIENT_KINDS: Partial<Record<ClientType, ClientKind>> = {
  [ClientType.PRODUCER]: 'PRODUCER',
  [ClientType.PUSH_CONSUMER]: 'PUSH_CONSUMER',
  [ClientType.SIMPLE_CONSUMER]: 'SIMPLE_CONSUMER',
  [ClientType.PULL_CONSUMER]: 'PULL_CONSUMER',
  [ClientType.LITE_PUSH_CONSUMER]: 'LITE_PUSH_CONSUMER',
  [ClientType.LITE_SIMPLE_CONSUMER]: 'LITE_SIMPLE_CONSUMER',
  [ClientType.CLIENT_TYPE_UNSPECIFIED]: 'UNSPECIFIED',
};

/** Registry kind of a wire client type; undefined for values outside the enum. */
export function clientKind(t: ClientType): ClientKind | undefined {
  return CLIENT_KINDS[t];
}

/** The broker-side name of a resource: RocketMQ prefixes a non-empty namespace as "ns%name". */
export function resourceName(r: Resource): string {
  return r.resourceNamespace ? `${r.resourceNamespace}%${r.name}` : r.name;
}

/** Broker filter of a wire filter type + expression, or undefined for "everything". */
export function filterSpec(type: FilterType, expression: string): FilterSpec | undefined {
  if (type === FilterType.SQL) return { type: 'SQL', expression };
  const e = expression.trim();
  if (e === '' || e === '*') return undefined;
  return { type: 'TAG', expression };
}
