/** Stored messages (and the broker's views) as remoting wire messages. */
import { Prop } from '../../broker/properties.js';
import type { MessageView } from '../../broker/types.js';
import type { StoredMessage } from '../../broker/types.js';
import { encodeProperties, MsgSysFlag, type WireMessage } from './message-codec.js';

/** Apogee's own bookkeeping properties that classic clients never see. */
const INTERNAL = new Set<string>([Prop.MESSAGE_TYPE]);

export function storedToWire(m: StoredMessage): WireMessage {
  const props: Record<string, string> = {};
  for (const k in m.properties) if (!INTERNAL.has(k)) props[k] = m.properties[k] as string;
  return {
    topic: m.topic,
    queueId: m.queueId,
    flag: m.flag,
    sysFlag: m.sysFlag & ~MsgSysFlag.COMPRESSED,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeTimestamp: m.storeTimestamp,
    reconsumeTimes: m.reconsumeTimes,
    preparedTransactionOffset: m.preparedTransactionOffset,
    body: m.body,
    properties: encodeProperties(props),
  };
}

/** A half message as a check-back carries it: real topic and queue, with the producer group the client looks up. */
export function halfViewToWire(v: MessageView, producerGroup: string): WireMessage {
  const props: Record<string, string> = { ...v.properties };
  if (v.tag !== undefined) props[Prop.TAGS] = v.tag;
  if (v.keys.length > 0) props[Prop.KEYS] = v.keys.join(' ');
  props[Prop.UNIQ_KEY] = v.messageId;
  props[Prop.TRANSACTION_PREPARED] = 'true';
  props[Prop.PRODUCER_GROUP] = producerGroup;
  return {
    topic: v.topic,
    queueId: v.queueId,
    flag: 0,
    sysFlag: MsgSysFlag.TRANSACTION_PREPARED,
    queueOffset: v.queueOffset,
    commitLogOffset: v.commitLogOffset,
    bornTimestamp: v.bornTimestamp,
    bornHost: v.bornHost,
    storeTimestamp: v.storeTimestamp,
    reconsumeTimes: v.reconsumeTimes,
    preparedTransactionOffset: 0,
    body: v.body,
    properties: encodeProperties(props),
  };
}
