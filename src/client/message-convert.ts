/**
 * Between the SDK's message objects and the wire: a Message becomes a properties string (TAGS, KEYS, UNIQ_KEY,
 * DELAY, TIMER_DELIVER_MS, __SHARDINGKEY and the user's own), a stored record becomes a MessageExt.
 */
import { decodeProperties, encodeProperties, offsetMessageId, type WireMessage } from '../protocol/remoting/message-codec.js';
import { MQClientError } from './errors.js';
import type { Message, MessageExt } from './types.js';

/** MessageConst's system names: never shown as user properties, refused as user keys. */
export const SYSTEM_PROPERTIES: ReadonlySet<string> = new Set([
  'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID', 'TRAN_MSG', 'PGROUP', 'MIN_OFFSET', 'MAX_OFFSET', 'BUYER_ID',
  'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG', 'CORRECTION_FLAG', 'MQ2_FLAG', 'RECONSUME_TIME', 'MSG_REGION', 'TRACE_ON', 'UNIQ_KEY',
  'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME', '__transactionId__', 'TRANSACTION_CHECK_TIMES', 'CHECK_IMMUNITY_TIME_IN_SECONDS',
  'INSTANCE_ID', 'CORRELATION_ID', 'REPLY_TO_CLIENT', 'TTL', 'ARRIVE_TIME', 'PUSH_REPLY_TIME', 'CLUSTER', 'MSG_TYPE', '__SHARDINGKEY',
  'TIMER_DELIVER_MS', 'TIMER_DELAY_SEC', 'TIMER_DELAY_MS', 'TIMER_OUT_MS', 'TIMER_ENQUEUE_MS', 'TIMER_DEQUEUE_MS', 'TIMER_ROLL_TIMES',
  'TIMER_DEL_UNIQKEY', '__STARTDELIVERTIME', 'INNER_NUM', 'INNER_BASE', 'INNER_MULTI_DISPATCH', 'INNER_MULTI_QUEUE_OFFSET', 'bname',
  'POP_CK', 'POP_CK_OFFSET', '1ST_POP_TIME', 'DLQ_ORIGIN_TOPIC', 'DLQ_ORIGIN_GROUP', 'DLQ_ORIGIN_MESSAGE_ID', '__MESSAGE_TYPE',
  'CHECK_IMMUNITY_TIME_IN_MS', 'TRACE_CONTEXT', 'MSG_TRANSIENT_PROPERTY',
]);

const NAME_CHARS = /^[%|a-zA-Z0-9_-]{1,127}$/;

/** Checks what the broker would refuse anyway, so the caller gets a clear error before a round trip. */
export function validateMessage(m: Message, maxBodyBytes: number): void {
  if (typeof m !== 'object' || m === null) throw new MQClientError('ILLEGAL_ARGUMENT', 'the message is not an object');
  if (typeof m.topic !== 'string' || !NAME_CHARS.test(m.topic)) throw new MQClientError('ILLEGAL_ARGUMENT', `topic '${String(m.topic)}' is not 1-127 characters of [%|a-zA-Z0-9_-]`);
  if (!Buffer.isBuffer(m.body) || m.body.length === 0) throw new MQClientError('ILLEGAL_ARGUMENT', 'the message body is empty or not a Buffer');
  if (m.body.length > maxBodyBytes) throw new MQClientError('ILLEGAL_ARGUMENT', `the message body is ${m.body.length} bytes, more than ${maxBodyBytes}`);
  for (const k of Object.keys(m.properties ?? {})) {
    if (SYSTEM_PROPERTIES.has(k)) throw new MQClientError('ILLEGAL_ARGUMENT', `property '${k}' is a reserved system property`);
  }
  if (m.delayTimeLevel !== undefined && (!Number.isInteger(m.delayTimeLevel) || m.delayTimeLevel < 0)) {
    throw new MQClientError('ILLEGAL_ARGUMENT', `delayTimeLevel ${m.delayTimeLevel} is not a non-negative integer`);
  }
  if (m.deliverTimeMs !== undefined && !Number.isFinite(m.deliverTimeMs)) throw new MQClientError('ILLEGAL_ARGUMENT', 'deliverTimeMs is not a number');
}

/** The properties a message is sent with (system ones first, as the Java client orders them). */
export function messageProperties(m: Message, uniqueId: string, extra?: Record<string, string>): Record<string, string> {
  const p: Record<string, string> = {};
  if (m.tags !== undefined && m.tags !== '') p['TAGS'] = m.tags;
  if (m.keys !== undefined) {
    const keys = typeof m.keys === 'string' ? m.keys : m.keys.join(' ');
    if (keys !== '') p['KEYS'] = keys;
  }
  p['UNIQ_KEY'] = uniqueId;
  p['WAIT'] = 'true';
  if (m.delayTimeLevel !== undefined && m.delayTimeLevel > 0) p['DELAY'] = String(m.delayTimeLevel);
  if (m.deliverTimeMs !== undefined && m.deliverTimeMs > 0) p['TIMER_DELIVER_MS'] = String(Math.trunc(m.deliverTimeMs));
  if (m.messageGroup !== undefined) p['__SHARDINGKEY'] = m.messageGroup;
  if (extra) Object.assign(p, extra);
  if (m.properties) for (const [k, v] of Object.entries(m.properties)) p[k] = String(v);
  return p;
}

export const propertiesString = (p: Record<string, string>): string => encodeProperties(p);

/** A stored record as the application sees it. */
export function toMessageExt(w: WireMessage & { storeHost: string }, brokerName: string): MessageExt {
  const all = decodeProperties(w.properties);
  const user: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (!SYSTEM_PROPERTIES.has(k)) user[k] = v;
  const offsetMsgId = w.storeHost ? offsetMessageId(w.storeHost, w.commitLogOffset) : '';
  const uniq = all['UNIQ_KEY'];
  const tags = all['TAGS'];
  const keys = all['KEYS'];
  const ext: MessageExt = {
    topic: w.topic,
    body: w.body,
    keys: keys ? keys.split(' ').filter((k) => k.length > 0) : [],
    properties: user,
    msgId: uniq ?? offsetMsgId,
    offsetMsgId,
    brokerName,
    queueId: w.queueId,
    queueOffset: w.queueOffset,
    commitLogOffset: w.commitLogOffset,
    bornTimestamp: w.bornTimestamp,
    bornHost: w.bornHost,
    storeTimestamp: w.storeTimestamp,
    storeHost: w.storeHost,
    reconsumeTimes: w.reconsumeTimes,
    systemProperties: all,
  };
  if (tags !== undefined) ext.tags = tags;
  if (all['TRAN_MSG'] === 'true' || all['__transactionId__'] !== undefined) {
    const tid = all['__transactionId__'] ?? uniq;
    if (tid !== undefined) ext.transactionId = tid;
  }
  if (all['PGROUP'] !== undefined) ext.producerGroup = all['PGROUP'];
  if (all['__SHARDINGKEY'] !== undefined) ext.messageGroup = all['__SHARDINGKEY'];
  return ext;
}
