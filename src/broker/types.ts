/** The broker's model and its public API, as protocol/, admin/ and tests see it. */

export const MESSAGE_TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** RocketMQ permission bits: PERM_READ=4, PERM_WRITE=2 (6 = read+write). */
export const PERM_READ = 4;
export const PERM_WRITE = 2;

export interface TopicConfig {
  name: string;
  messageType: MessageType;
  readQueueNums: number;
  writeQueueNums: number;
  /** PERM_READ | PERM_WRITE bits. */
  perm: number;
  createdAt: number;
}

export interface TopicSpec {
  name: string;
  messageType?: MessageType;
  /** Sets read and write queue counts together (default 8). */
  queueNums?: number;
  readQueueNums?: number;
  writeQueueNums?: number;
  perm?: number;
}

/** How long a message waits before redelivery after a failed/expired delivery. */
export type RetryPolicy =
  /** RocketMQ's delay-level ladder starting at 10 s: 10s 30s 1m 2m 3m ... 20m 30m 1h 2h. */
  | { kind: 'customized'; delaysMs: number[] }
  | { kind: 'exponential'; initialMs: number; maxMs: number; multiplier: number };

/** Where a consumer group with no committed offset on a queue starts. */
export type ConsumeFromWhere =
  /** RocketMQ 5 pop default: from 0 while the queue still holds its first message, else from the end. */
  | 'young'
  | 'earliest'
  | 'latest';

export interface GroupConfig {
  name: string;
  fifo: boolean;
  /** Deliveries before a message goes to %DLQ%<group> (default 17, RocketMQ's 16 retries + 1). */
  maxDeliveryAttempts: number;
  retryPolicy: RetryPolicy;
  consumeFromWhere: ConsumeFromWhere;
  createdAt: number;
}

export interface GroupSpec {
  name: string;
  fifo?: boolean;
  maxDeliveryAttempts?: number;
  retryPolicy?: RetryPolicy;
  consumeFromWhere?: ConsumeFromWhere;
}

export interface QueueDescription {
  queueId: number;
  minOffset: number;
  /** Next offset to be written (= count of messages ever stored). */
  maxOffset: number;
}

export interface TopicDescription {
  config: TopicConfig;
  queues: QueueDescription[];
}

export interface GroupQueueState {
  topic: string;
  queueId: number;
  /** Consume progress: every message below this offset is done for the group. */
  offset: number;
  maxOffset: number;
  lag: number;
  /** Messages received, not yet acked, and still invisible. */
  inFlight: number;
  /** Messages delivered before and now waiting for redelivery (their invisible time ended unacked). */
  retrying: number;
  /** Messages of this queue moved to the group's dead-letter topic so far. */
  deadLettered: number;
}

export interface GroupDescription {
  config: GroupConfig;
  queues: GroupQueueState[];
  /** Messages waiting for redelivery (sum over the queues). */
  retrying: number;
  /** Messages in the group's dead-letter topic `%DLQ%<group>`. */
  deadLettered: number;
}

/** A stored message as the broker presents it. */
export interface MessageView {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  /** Producer-assigned unique id (RocketMQ UNIQ_KEY / v2 message_id). */
  messageId: string;
  messageType: MessageType;
  tag?: string;
  keys: string[];
  messageGroup?: string;
  deliveryTimestamp?: number;
  /** User properties only (system ones are fields here). */
  properties: Record<string, string>;
  body: Buffer;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  reconsumeTimes: number;
}

export interface SendInput {
  topic: string;
  body: Buffer;
  messageType: MessageType;
  /** Client-generated unique id; the broker makes one when absent. */
  messageId?: string;
  tag?: string;
  keys?: string[];
  messageGroup?: string;
  /** Epoch ms at which a DELAY message becomes visible. */
  deliveryTimestamp?: number;
  /** DELAY only, instead of `deliveryTimestamp`: a RocketMQ 4.x delay level 1..18 (1 s ... 2 h from now). */
  delayLevel?: number;
  properties?: Record<string, string>;
  bornTimestamp?: number;
  bornHost?: string;
  /** Pin a queue; otherwise the broker chooses (FIFO: hash of the message group). */
  queueId?: number;
  /** TRANSACTION only: who answers check-backs (4.x producer group; gRPC clients: the topic, the default). */
  producerGroup?: string;
  /** TRANSACTION only: the producer's orphaned-transaction recovery duration (check immunity), ms. */
  transactionCheckImmunityMs?: number;
  /** RocketMQ's user `flag` word (classic clients). */
  flag?: number;
  /** Deliveries already made (a classic client re-sending to a retry topic). */
  reconsumeTimes?: number;
  /** RocketMQ system properties a classic client set (MAX_RECONSUME_TIMES, RETRY_TOPIC, ...): stored as given. */
  systemProperties?: Record<string, string>;
  /**
   * Classic clients: the message's own type decides (a RocketMQ broker does not check it against the topic's),
   * and ordered messages may go to a FIFO topic without a message group (their queue is chosen by the client).
   */
  lenientType?: boolean;
}

export interface SendResult {
  messageId: string;
  topic: string;
  queueId: number;
  /** Offset in the queue that holds the message now (as RocketMQ reports): the half queue for a transactional message, the timer queue for a delayed one. */
  queueOffset: number;
  commitLogOffset: number;
  /** Set for every send (RocketMQ fills it with the message id for non-transactional sends). */
  transactionId: string;
  /** DELAY only: a handle that cancels the message while it is still pending. */
  recallHandle?: string;
}

export interface FilterSpec {
  type: 'TAG' | 'SQL';
  expression: string;
}

export interface ReceivedMessage extends MessageView {
  receiptHandle: string;
  /** 1 on first delivery. */
  deliveryAttempt: number;
  /** Epoch ms when the message becomes receivable again unless acked. */
  invisibleUntil: number;
}

export interface ReceiveRequest {
  group: string;
  topic: string;
  /** Restrict to one queue; otherwise all readable queues of the topic. */
  queueId?: number;
  maxMessages: number;
  invisibleDurationMs: number;
  filter?: FilterSpec;
  /** Long polling: how long to wait for a message when none is available (0 = return at once). */
  pollTimeoutMs: number;
  /** Aborts the wait (client gone); resolves with what was found so far. */
  signal?: AbortSignal;
}

export type OffsetResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestamp: number };

/** A stored record as the broker hands it to fronts that need every property (remoting pulls and views). */
export type { StoredMessage } from '../store/types.js';
