/**
 * The SDK's public vocabulary, in RocketMQ's own names (the classic Java client's shapes, made idiomatic for
 * TypeScript: plain objects for messages, async listeners, string enums). Producers, consumers and the database
 * helpers all speak these types; nothing here knows about sockets.
 */

/** What a transaction listener answers: the local transaction's outcome (RocketMQ spells UNKNOW without the N). */
export const LocalTransactionState = {
  COMMIT_MESSAGE: 'COMMIT_MESSAGE',
  ROLLBACK_MESSAGE: 'ROLLBACK_MESSAGE',
  UNKNOW: 'UNKNOW',
} as const;
export type LocalTransactionState = (typeof LocalTransactionState)[keyof typeof LocalTransactionState];

/** A send's outcome as the broker reports it; anything other than SEND_OK still means the message was stored. */
export const SendStatus = {
  SEND_OK: 'SEND_OK',
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

/** A concurrent listener's answer for a batch: RECONSUME_LATER sends every message back to the group's retry topic. */
export const ConsumeConcurrentlyStatus = {
  CONSUME_SUCCESS: 'CONSUME_SUCCESS',
  RECONSUME_LATER: 'RECONSUME_LATER',
} as const;
export type ConsumeConcurrentlyStatus = (typeof ConsumeConcurrentlyStatus)[keyof typeof ConsumeConcurrentlyStatus];

/** An orderly listener's answer: SUSPEND_CURRENT_QUEUE_A_MOMENT retries the same messages on the same queue. */
export const ConsumeOrderlyStatus = {
  SUCCESS: 'SUCCESS',
  SUSPEND_CURRENT_QUEUE_A_MOMENT: 'SUSPEND_CURRENT_QUEUE_A_MOMENT',
} as const;
export type ConsumeOrderlyStatus = (typeof ConsumeOrderlyStatus)[keyof typeof ConsumeOrderlyStatus];

export const MessageModel = { CLUSTERING: 'CLUSTERING', BROADCASTING: 'BROADCASTING' } as const;
export type MessageModel = (typeof MessageModel)[keyof typeof MessageModel];

/** Where a consumer group with no committed offset on a queue starts. */
export const ConsumeFromWhere = {
  CONSUME_FROM_LAST_OFFSET: 'CONSUME_FROM_LAST_OFFSET',
  CONSUME_FROM_FIRST_OFFSET: 'CONSUME_FROM_FIRST_OFFSET',
  CONSUME_FROM_TIMESTAMP: 'CONSUME_FROM_TIMESTAMP',
} as const;
export type ConsumeFromWhere = (typeof ConsumeFromWhere)[keyof typeof ConsumeFromWhere];

/** Subscription expression language: TAG (`*`, `a || b`) or SQL92 over properties. */
export const ExpressionType = { TAG: 'TAG', SQL92: 'SQL92' } as const;
export type ExpressionType = (typeof ExpressionType)[keyof typeof ExpressionType];

/** One queue of a topic on one broker. */
export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** A message to send. */
export interface Message {
  topic: string;
  body: Buffer;
  /** One tag (RocketMQ's TAGS property), what TAG subscriptions filter on. */
  tags?: string;
  /** Business keys, indexed by the broker for query-by-key. */
  keys?: string | readonly string[];
  /** User properties (SQL92 subscriptions read them). Reserved system names are refused by the broker. */
  properties?: Readonly<Record<string, string>>;
  /** 4.x delay level 1–18 (1 s, 5 s, 10 s, 30 s, 1 m, … 2 h). */
  delayTimeLevel?: number;
  /** Absolute delivery time, epoch ms (RocketMQ 5 timer messages). */
  deliverTimeMs?: number;
  /** FIFO message group: messages of one group go to one queue, in send order. */
  messageGroup?: string;
}

/** The message as a transaction listener's executeLocalTransaction sees it: the half message is stored already. */
export interface TransactionMessage extends Message {
  /** The transaction id the broker will ask about in check-backs (= the message's unique id). */
  readonly transactionId: string;
  readonly msgId: string;
  readonly producerGroup: string;
}

/** A message as the broker stored it (pulled, pushed, or carried by a check-back). */
export interface MessageExt {
  topic: string;
  body: Buffer;
  tags?: string;
  keys: string[];
  /** User properties (system ones such as UNIQ_KEY and TAGS are in the fields above). */
  properties: Record<string, string>;
  /** The message's unique id (UNIQ_KEY), the same id the gRPC clients see. */
  msgId: string;
  /** RocketMQ's offset message id (store host + commit-log offset). */
  offsetMsgId: string;
  brokerName: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  /** Deliveries that came before this one (0 on the first). */
  reconsumeTimes: number;
  /** Set on half messages carried by a check-back, and on committed transactional messages. */
  transactionId?: string;
  /** The producer group of a transactional message (PGROUP). */
  producerGroup?: string;
  /** FIFO message group (__SHARDINGKEY) when the sender set one. */
  messageGroup?: string;
  /** Every property as stored, system ones included (UNIQ_KEY, TAGS, RETRY_TOPIC, DELAY…). */
  systemProperties?: Readonly<Record<string, string>>;
}

export interface SendResult {
  sendStatus: SendStatus;
  /** The unique id (UNIQ_KEY); what consumers see as msgId. */
  msgId: string;
  offsetMsgId: string;
  queue: MessageQueue;
  queueOffset: number;
  transactionId?: string;
}

export interface TransactionSendResult extends SendResult {
  transactionId: string;
  localTransactionState: LocalTransactionState;
}

/**
 * Runs the local transaction after the half message is stored, and answers the broker's check-backs. Either
 * method throwing or timing out counts as UNKNOW: the broker asks again later.
 */
export interface TransactionListener {
  executeLocalTransaction(message: TransactionMessage, arg: unknown): LocalTransactionState | Promise<LocalTransactionState>;
  checkLocalTransaction(message: MessageExt): LocalTransactionState | Promise<LocalTransactionState>;
}

export interface ConsumeConcurrentlyContext {
  queue: MessageQueue;
  /** Delay level for RECONSUME_LATER (0: the broker's ladder from reconsume times; -1: straight to the DLQ). */
  delayLevelWhenNextConsume: number;
}

export interface ConsumeOrderlyContext {
  queue: MessageQueue;
  /** How long SUSPEND_CURRENT_QUEUE_A_MOMENT waits before the same messages are offered again (ms). */
  suspendCurrentQueueTimeMillis: number;
}

export type MessageListenerConcurrently = (
  messages: MessageExt[],
  context: ConsumeConcurrentlyContext,
) => ConsumeConcurrentlyStatus | Promise<ConsumeConcurrentlyStatus>;

export type MessageListenerOrderly = (
  messages: MessageExt[],
  context: ConsumeOrderlyContext,
) => ConsumeOrderlyStatus | Promise<ConsumeOrderlyStatus>;
