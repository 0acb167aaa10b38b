/** Conversion between the broker's message model and store records. */
import { randomBytes } from 'node:crypto';
import type { AppendInput, StoredMessage } from '../store/types.js';
import { Prop, isUserVisibleProperty } from './properties.js';
import type { MessageType, MessageView, SendInput } from './types.js';
import { MESSAGE_TYPES } from './types.js';

/** RocketMQ sysFlag bits used here (MessageSysFlag). */
export const SysFlag = {
  TRANSACTION_PREPARED: 0x1 << 2,
  TRANSACTION_COMMIT: 0x2 << 2,
  TRANSACTION_ROLLBACK: 0x3 << 2,
} as const;

let idCounter = 0;
const idPrefix = randomBytes(6).toString('hex').toUpperCase();

/** A message id in the shape of RocketMQ 5's (hex, 34 chars): used when a client sent none. */
export function newMessageId(now: number): string {
  idCounter = (idCounter + 1) & 0xffffff;
  return ('01' + idPrefix + now.toString(16).padStart(12, '0') + idCounter.toString(16).padStart(8, '0')).toUpperCase().slice(0, 34);
}

export function toAppendInput(input: SendInput, queueId: number, messageId: string, storeHost: string, now: number): AppendInput {
  const properties: Record<string, string> = {};
  if (input.systemProperties) Object.assign(properties, input.systemProperties);
  if (input.properties) Object.assign(properties, input.properties);
  properties[Prop.UNIQ_KEY] = messageId;
  properties[Prop.MESSAGE_TYPE] = input.messageType;
  if (input.tag !== undefined) properties[Prop.TAGS] = input.tag;
  if (input.keys && input.keys.length > 0) properties[Prop.KEYS] = input.keys.join(' ');
  if (input.messageGroup !== undefined) properties[Prop.SHARDING_KEY] = input.messageGroup;
  if (input.deliveryTimestamp !== undefined) properties[Prop.TIMER_DELIVER_MS] = String(input.deliveryTimestamp);
  return {
    topic: input.topic,
    queueId,
    flag: input.flag ?? 0,
    sysFlag: 0,
    bornTimestamp: input.bornTimestamp ?? now,
    bornHost: input.bornHost ?? '',
    storeHost,
    reconsumeTimes: input.reconsumeTimes ?? 0,
    preparedTransactionOffset: 0,
    properties,
    body: input.body,
  };
}

function messageTypeOf(props: Record<string, string>): MessageType {
  const t = props[Prop.MESSAGE_TYPE];
  if (t && (MESSAGE_TYPES as readonly string[]).includes(t)) return t as MessageType;
  if (props[Prop.TRANSACTION_PREPARED] === 'true' || props[Prop.TRANSACTION_ID]) return 'TRANSACTION';
  if (props[Prop.TIMER_DELIVER_MS] || props[Prop.DELAY_LEVEL]) return 'DELAY';
  if (props[Prop.SHARDING_KEY]) return 'FIFO';
  return 'NORMAL';
}

export function toMessageView(m: StoredMessage): MessageView {
  const p = m.properties;
  const properties: Record<string, string> = {};
  for (const k in p) if (isUserVisibleProperty(k)) properties[k] = p[k] as string;
  const keys = p[Prop.KEYS] ? (p[Prop.KEYS] as string).split(' ').filter((k) => k.length > 0) : [];
  const deliver = p[Prop.TIMER_DELIVER_MS];
  const view: MessageView = {
    topic: m.topic,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    messageId: p[Prop.UNIQ_KEY] ?? `${m.commitLogOffset}`,
    messageType: messageTypeOf(p),
    keys,
    properties,
    body: m.body,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeTimestamp: m.storeTimestamp,
    storeHost: m.storeHost,
    reconsumeTimes: m.reconsumeTimes,
  };
  if (p[Prop.TAGS] !== undefined) view.tag = p[Prop.TAGS];
  if (p[Prop.SHARDING_KEY] !== undefined) view.messageGroup = p[Prop.SHARDING_KEY];
  if (deliver !== undefined) view.deliveryTimestamp = Number(deliver);
  return view;
}
