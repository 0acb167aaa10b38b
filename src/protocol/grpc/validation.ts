/**
 * Field-shape checks of incoming requests (what RocketMQ's proxy checks before touching the broker). Each
 * check throws `GrpcStatusError` with the precise v2 code and a message naming the field; nothing has been
 * changed when one throws. Rules that need broker state (topic exists, type vs topic, receipt handle
 * validity, filter syntax) are the broker's.
 */
import { Code, type Resource } from './generated/apache/rocketmq/v2/definition.js';
import type { Duration } from './generated/google/protobuf/duration.js';
import { GrpcStatusError } from './codes.js';
import type { GrpcSettings } from './settings.js';
import { durationToMs, resourceName } from './wire.js';

const NAME_CHARS = /^[%|a-zA-Z0-9_-]+$/;
// C0 controls and DEL..C1 controls (Java's Character.isISOControl).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Property names RocketMQ keeps for itself (MessageConst's reserved set): a user property with one of these
 * names would be misread as system data by RocketMQ tooling and clients.
 */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  'TRACE_ON', 'MSG_REGION', 'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID',
  'TRAN_MSG', 'PGROUP', 'MIN_OFFSET', 'MAX_OFFSET', 'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG',
  'CORRECTION_FLAG', 'MQ2_FLAG', 'RECONSUME_TIME', 'UNIQ_KEY', 'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME',
  'POP_CK', 'POP_CK_OFFSET', '1ST_POP_TIME', 'TRAN_PREPARED_QUEUE_OFFSET', 'DUP_INFO', 'EXTEND_UNIQ_INFO',
  'INSTANCE_ID', 'CORRELATION_ID', 'REPLY_TO_CLIENT', 'TTL', 'ARRIVE_TIME', 'PUSH_REPLY_TIME', 'CLUSTER',
  'MSG_TYPE', 'INNER_MULTI_QUEUE_OFFSET', 'TIMER_DELAY_SEC', 'TIMER_DELIVER_MS', 'TIMER_ENQUEUE_MS',
  'TIMER_DEQUEUE_MS', 'TIMER_ROLL_TIMES', 'TIMER_OUT_MS', 'TIMER_DEL_UNIQKEY', 'TIMER_DELAY_LEVEL',
  '__BORNHOST', 'BORN_TIMESTAMP',
]);

export function fail(code: Code, message: string): never {
  throw new GrpcStatusError(code, message);
}

function describe(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

/** A topic resource → its broker name. */
export function checkTopic(r: Resource | undefined, settings: GrpcSettings, field = 'topic'): string {
  if (!r || r.name === '') fail(Code.ILLEGAL_TOPIC, `${field} is required`);
  const name = resourceName(r);
  if (name.trim() === '') fail(Code.ILLEGAL_TOPIC, `${field} is blank`);
  if (name.length > settings.maxTopicLength) {
    fail(Code.ILLEGAL_TOPIC, `${field} ${describe(name)} is longer than ${settings.maxTopicLength} characters`);
  }
  if (!NAME_CHARS.test(name)) {
    fail(Code.ILLEGAL_TOPIC, `${field} ${describe(name)} has characters outside [%|a-zA-Z0-9_-]`);
  }
  if (name.toLowerCase().startsWith('rmq_sys_')) fail(Code.ILLEGAL_TOPIC, `${field} ${describe(name)} is a system topic`);
  return name;
}

/** A consumer group resource → its broker name. */
export function checkGroup(r: Resource | undefined, settings: GrpcSettings, field = 'group'): string {
  if (!r || r.name === '') fail(Code.ILLEGAL_CONSUMER_GROUP, `${field} is required`);
  const name = resourceName(r);
  if (name.trim() === '') fail(Code.ILLEGAL_CONSUMER_GROUP, `${field} is blank`);
  if (name.length > settings.maxGroupLength) {
    fail(Code.ILLEGAL_CONSUMER_GROUP, `${field} ${describe(name)} is longer than ${settings.maxGroupLength} characters`);
  }
  if (!NAME_CHARS.test(name)) {
    fail(Code.ILLEGAL_CONSUMER_GROUP, `${field} ${describe(name)} has characters outside [%|a-zA-Z0-9_-]`);
  }
  if (name.startsWith('CID_RMQ_SYS_')) fail(Code.ILLEGAL_CONSUMER_GROUP, `${field} ${describe(name)} is a system group`);
  return name;
}

/** A message tag: absent/empty means none. */
export function checkTag(tag: string | undefined): string | undefined {
  if (tag === undefined || tag === '') return undefined;
  if (tag.trim() === '') fail(Code.ILLEGAL_MESSAGE_TAG, 'tag is blank');
  if (tag.includes('|')) fail(Code.ILLEGAL_MESSAGE_TAG, `tag ${describe(tag)} contains '|'`);
  if (CONTROL.test(tag)) fail(Code.ILLEGAL_MESSAGE_TAG, `tag ${describe(tag)} contains a control character`);
  return tag;
}

export function checkKeys(keys: string[]): string[] {
  for (const k of keys) {
    if (k.trim() === '') fail(Code.ILLEGAL_MESSAGE_KEY, 'message key is blank');
    if (CONTROL.test(k)) fail(Code.ILLEGAL_MESSAGE_KEY, `message key ${describe(k)} contains a control character`);
  }
  return keys;
}

export function checkMessageGroup(group: string, settings: GrpcSettings): string {
  if (group.trim() === '') fail(Code.ILLEGAL_MESSAGE_GROUP, 'message group is blank');
  if (group.length > settings.maxMessageGroupLength) {
    fail(Code.ILLEGAL_MESSAGE_GROUP, `message group ${describe(group)} is longer than ${settings.maxMessageGroupLength} characters`);
  }
  if (CONTROL.test(group)) fail(Code.ILLEGAL_MESSAGE_GROUP, `message group ${describe(group)} contains a control character`);
  return group;
}

export function checkMessageId(id: string): string {
  if (id.trim() === '') fail(Code.ILLEGAL_MESSAGE_ID, 'message id is empty');
  if (id.length > 128) fail(Code.ILLEGAL_MESSAGE_ID, `message id ${describe(id)} is longer than 128 characters`);
  if (CONTROL.test(id) || /\s/.test(id)) fail(Code.ILLEGAL_MESSAGE_ID, `message id ${describe(id)} contains whitespace or control characters`);
  return id;
}

export function checkUserProperties(props: Record<string, string>, settings: GrpcSettings): Record<string, string> {
  let count = 0;
  let bytes = 0;
  for (const [k, v] of Object.entries(props)) {
    count++;
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    if (k.trim() === '') fail(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, 'user property name is blank');
    if (CONTROL.test(k)) fail(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, `user property name ${describe(k)} contains a control character`);
    if (RESERVED_PROPERTY_NAMES.has(k)) fail(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, `user property name ${describe(k)} is reserved for the system`);
    // RocketMQ's proxy refuses control characters in values too (same code): they break its property encoding.
    if (CONTROL.test(v)) fail(Code.ILLEGAL_MESSAGE_PROPERTY_KEY, `value of user property ${describe(k)} contains a control character`);
  }
  if (count > settings.maxUserProperties) {
    fail(Code.MESSAGE_PROPERTIES_TOO_LARGE, `${count} user properties exceed the limit of ${settings.maxUserProperties}`);
  }
  if (bytes > settings.maxUserPropertiesBytes) {
    fail(Code.MESSAGE_PROPERTIES_TOO_LARGE, `user properties take ${bytes} bytes, more than the limit of ${settings.maxUserPropertiesBytes}`);
  }
  return props;
}

export function checkReceiptHandle(handle: string, field = 'receipt_handle'): string {
  if (handle.trim() === '') fail(Code.INVALID_RECEIPT_HANDLE, `${field} is empty`);
  return handle;
}

/** An invisible duration within the configured range. */
export function checkInvisibleDuration(d: Duration | undefined, settings: GrpcSettings, field = 'invisible_duration'): number {
  if (!d) fail(Code.ILLEGAL_INVISIBLE_TIME, `${field} is required`);
  const ms = durationToMs(d);
  if (ms === undefined) fail(Code.ILLEGAL_INVISIBLE_TIME, `${field} is malformed (negative or nanos out of range)`);
  if (ms < settings.minInvisibleMs) fail(Code.ILLEGAL_INVISIBLE_TIME, `${field} ${ms} ms is below the minimum of ${settings.minInvisibleMs} ms`);
  if (ms > settings.maxInvisibleMs) fail(Code.ILLEGAL_INVISIBLE_TIME, `${field} ${ms} ms is above the maximum of ${settings.maxInvisibleMs} ms`);
  return ms;
}

/** Queue id of a message queue field: -1 means "any queue". */
export function checkQueueId(id: number, field = 'message_queue.id'): number {
  if (!Number.isInteger(id) || id < -1) fail(Code.BAD_REQUEST, `${field} ${id} is not a queue id`);
  return id;
}

export function checkOffset(offset: number, field = 'offset'): number {
  if (!Number.isSafeInteger(offset) || offset < 0) fail(Code.ILLEGAL_OFFSET, `${field} ${offset} must be a non-negative integer`);
  return offset;
}
