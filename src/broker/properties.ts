/**
 * Property names stored in commit-log records (RocketMQ's MessageConst vocabulary) and the split between
 * system properties (the broker's) and user properties (the application's).
 */
export const Prop = {
  TAGS: 'TAGS',
  KEYS: 'KEYS',
  UNIQ_KEY: 'UNIQ_KEY',
  /** Message group of a FIFO message; delivered to clients as a user property too. */
  SHARDING_KEY: '__SHARDINGKEY',
  /** Epoch ms a DELAY message becomes visible. */
  TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  /** 4.x delay level (1-18). */
  DELAY_LEVEL: 'DELAY',
  /** "true" on transactional (half) messages. */
  TRANSACTION_PREPARED: 'TRAN_MSG',
  TRANSACTION_ID: '__transactionId__',
  CHECK_IMMUNITY_MS: 'CHECK_IMMUNITY_TIME_IN_MS',
  TRANSACTION_CHECK_TIMES: 'TRANSACTION_CHECK_TIMES',
  PRODUCER_GROUP: 'PGROUP',
  /** Where a message moved to a system topic (half, timer, retry, DLQ) came from. */
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QUEUE_ID: 'REAL_QID',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  /** Delivery attempts already made when a message was moved to the DLQ. */
  RECONSUME_TIME: 'RECONSUME_TIME',
  DLQ_ORIGIN_TOPIC: 'DLQ_ORIGIN_TOPIC',
  DLQ_ORIGIN_GROUP: 'DLQ_ORIGIN_GROUP',
  /** Explicit message type (Apogee writes it so reads need no guessing). */
  MESSAGE_TYPE: '__MESSAGE_TYPE',
} as const;

/** Properties applications may not set themselves (RocketMQ rejects these names as user keys). */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set<string>([
  ...Object.values(Prop),
  'WAIT',
  'BUYER_ID',
  'MIN_OFFSET',
  'MAX_OFFSET',
  'MSG_REGION',
  'TRACE_ON',
  'RETRY_TOPIC',
  'CLUSTER',
  'MAX_RECONSUME_TIMES',
  'CONSUME_START_TIME',
  'POP_CK',
  'TIMER_DELAY_SEC',
  'TIMER_DELAY_MS',
  'INNER_NUM',
  'INNER_MULTI_DISPATCH',
  'INNER_MULTI_QUEUE_OFFSET',
  '__STARTDELIVERTIME',
]);

/** System properties that are shown to consumers as user properties (the official clients expect them). */
const VISIBLE_SYSTEM_PROPERTIES: ReadonlySet<string> = new Set([Prop.SHARDING_KEY, Prop.TRANSACTION_ID]);

export function isUserVisibleProperty(name: string): boolean {
  return !RESERVED_PROPERTY_NAMES.has(name) || VISIBLE_SYSTEM_PROPERTIES.has(name);
}
