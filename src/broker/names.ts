/**
 * Name and field rules, as RocketMQ enforces them (TopicValidator / Validators): one place, one message per rule.
 */
import { BrokerError, BrokerErrorCode } from './errors.js';

const NAME_CHARS = /^[%|a-zA-Z0-9_-]+$/;
export const NAME_MAX_LENGTH = 127;

/** System topics the broker itself uses; users cannot create or send to them. */
export const SYSTEM_TOPIC_PREFIXES = ['RMQ_SYS_', 'rmq_sys_', '%RETRY%', '%DLQ%', '%LMQ%'] as const;
export const SYSTEM_TOPICS = new Set([
  'SCHEDULE_TOPIC_XXXX',
  'TBW102',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'BenchmarkTest',
  'OFFSET_MOVED_EVENT',
  'SELF_TEST_TOPIC',
]);
const SYSTEM_GROUP_PREFIXES = ['CID_RMQ_SYS_', '%RETRY%', '%DLQ%'] as const;

function checkName(kind: 'topic' | 'consumer group', name: unknown, code: BrokerErrorCode): string {
  if (typeof name !== 'string' || name.length === 0) throw new BrokerError(code, `${kind} name is empty`);
  if (name.length > NAME_MAX_LENGTH) {
    throw new BrokerError(code, `${kind} name '${name.slice(0, 40)}...' is longer than ${NAME_MAX_LENGTH} characters`);
  }
  if (!NAME_CHARS.test(name)) {
    throw new BrokerError(code, `${kind} name '${name}' has characters outside [%|a-zA-Z0-9_-]`);
  }
  return name;
}

/** A topic name a user may create or address. */
export function validateTopicName(name: unknown): string {
  const n = checkName('topic', name, BrokerErrorCode.ILLEGAL_TOPIC);
  if (SYSTEM_TOPICS.has(n) || SYSTEM_TOPIC_PREFIXES.some((p) => n.startsWith(p))) {
    throw new BrokerError(BrokerErrorCode.ILLEGAL_TOPIC, `topic name '${n}' is reserved for system use`);
  }
  return n;
}

/** Syntax only (system topics allowed): for reading/administering topics the broker made itself. */
export function validateTopicNameSyntax(name: unknown): string {
  return checkName('topic', name, BrokerErrorCode.ILLEGAL_TOPIC);
}

export function validateGroupName(name: unknown): string {
  const n = checkName('consumer group', name, BrokerErrorCode.ILLEGAL_CONSUMER_GROUP);
  if (SYSTEM_GROUP_PREFIXES.some((p) => n.startsWith(p))) {
    throw new BrokerError(BrokerErrorCode.ILLEGAL_CONSUMER_GROUP, `consumer group name '${n}' is reserved for system use`);
  }
  return n;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Tags: non-blank, no `|` (it separates tags in expressions), no control characters. */
export function validateTag(tag: string): string {
  if (tag.trim().length === 0) throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_TAG, 'message tag is blank');
  if (tag.includes('|')) throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_TAG, `message tag '${tag}' contains '|'`);
  if (CONTROL_CHARS.test(tag)) {
    throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_TAG, `message tag '${tag}' contains control characters`);
  }
  if (tag.length > NAME_MAX_LENGTH * 8) throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_TAG, 'message tag is too long');
  return tag;
}

/** Keys are stored space-separated (RocketMQ KEYS), so a key may not be blank or contain whitespace/control chars. */
export function validateKey(key: string): string {
  if (key.trim().length === 0) throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_KEY, 'message key is blank');
  if (/\s/.test(key) || CONTROL_CHARS.test(key)) {
    throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_KEY, `message key '${key}' contains whitespace or control characters`);
  }
  return key;
}

export function validateMessageGroup(group: string): string {
  if (group.trim().length === 0) throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_GROUP, 'message group is blank');
  if (group.length > NAME_MAX_LENGTH) {
    throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_GROUP, `message group is longer than ${NAME_MAX_LENGTH} characters`);
  }
  if (CONTROL_CHARS.test(group)) {
    throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_GROUP, 'message group contains control characters');
  }
  return group;
}
