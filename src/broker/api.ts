/**
 * The broker's in-process API: what protocol/grpc, admin/ and embedded users call. Implemented by `Broker`
 * (broker.ts). Every method throws `BrokerError` (errors.ts) for anything a caller can get wrong.
 */
import type {
  GroupConfig,
  GroupDescription,
  GroupSpec,
  MessageView,
  OffsetResetTarget,
  ReceiveRequest,
  ReceivedMessage,
  SendInput,
  SendResult,
  TopicConfig,
  TopicDescription,
  TopicSpec,
  FilterSpec,
} from './types.js';
import type { CheckBackChannel } from './transaction/check-channel.js';
import type { EndSource, Resolution } from './transaction/constants.js';
import type { GivenUpTransaction, PendingTransaction, TransactionStats } from './transaction/transaction-service.js';

export type { CheckBackChannel, EndSource, GivenUpTransaction, PendingTransaction, Resolution, TransactionStats };

export interface EndTransactionRequest {
  transactionId: string;
  /** The real topic the message was sent to (checked when given). */
  topic?: string;
  messageId?: string;
  /** undefined = the client sent UNSPECIFIED: refused, the transaction stays pending. */
  resolution: Resolution | undefined;
  source: EndSource;
}

export interface BrokerApi {
  // ---- topics
  createTopic(spec: TopicSpec): Promise<TopicConfig>;
  /** Changes queue counts, perm or message type of an existing topic. */
  updateTopic(spec: TopicSpec): Promise<TopicConfig>;
  deleteTopic(name: string): Promise<void>;
  getTopic(name: string): TopicConfig | undefined;
  listTopics(): TopicConfig[];
  describeTopic(name: string): TopicDescription;

  // ---- consumer groups
  createGroup(spec: GroupSpec): Promise<GroupConfig>;
  updateGroup(spec: GroupSpec): Promise<GroupConfig>;
  deleteGroup(name: string): Promise<void>;
  getGroup(name: string): GroupConfig | undefined;
  listGroups(): GroupConfig[];
  describeGroup(name: string): GroupDescription;
  /** Sends a copy of a message of `%DLQ%<group>` back to its original topic (new message id). */
  resendDeadLetter(group: string, messageId: string): Promise<SendResult>;

  // ---- messages
  /** Validates and appends; resolves when durable per the flush mode. */
  send(input: SendInput): Promise<SendResult>;
  /** Several messages: all validated before any is written, then appended in order. */
  sendAll(inputs: readonly SendInput[]): Promise<SendResult[]>;
  /** Plain read of a queue from an offset (PullMessage, admin browsing). Filtered entries are skipped. */
  pull(topic: string, queueId: number, offset: number, maxMessages: number, filter?: FilterSpec): Promise<{
    messages: MessageView[];
    nextOffset: number;
    minOffset: number;
    maxOffset: number;
  }>;
  getMessageById(messageId: string): Promise<MessageView[]>;
  queryMessagesByKey(topic: string, key: string, maxCount: number): Promise<MessageView[]>;

  // ---- consumer offsets (per group/topic/queue)
  commitOffset(group: string, topic: string, queueId: number, offset: number): Promise<void>;
  queryOffset(group: string, topic: string, queueId: number): number | undefined;
  resetOffset(group: string, topic: string, target: OffsetResetTarget): Promise<Array<{ queueId: number; offset: number }>>;

  // ---- pop consumption (issue 4)
  receive(request: ReceiveRequest): Promise<ReceivedMessage[]>;
  ack(group: string, topic: string, receiptHandle: string): Promise<void>;
  /** Returns the new receipt handle; the old one is invalid from now on. */
  changeInvisibleDuration(group: string, topic: string, receiptHandle: string, invisibleDurationMs: number): Promise<string>;
  forwardToDeadLetter(group: string, topic: string, receiptHandle: string): Promise<void>;
  /** Cancels a pending DELAY message by the handle its send returned. */
  recall(topic: string, recallHandle: string): Promise<void>;

  // ---- transactions (issue 6)
  /** Ends a transaction; idempotent per transaction id (see transaction/transaction-service.ts). */
  endTransaction(request: EndTransactionRequest): Promise<void>;
  /** Pending half messages (operators). */
  listTransactions(topic?: string): PendingTransaction[];
  /** Half messages moved to TRANS_CHECK_MAX_TIME_TOPIC after the max check-backs, with what became of them. */
  listGivenUpTransactions(topic?: string, max?: number): Promise<GivenUpTransaction[]>;
  /** Operator: commits a given-up transaction, i.e. sends its message to the real topic (idempotent). */
  resendGivenUpTransaction(transactionId: string): Promise<void>;
  /** Counters and gauges of the transaction service (metrics). */
  transactionStats(): TransactionStats;
  /** Plugs in the protocol layer's way of reaching live producers for check-backs. */
  setCheckBackChannel(channel: CheckBackChannel): void;
  /** A second protocol's channel, tried before the others. */
  addCheckBackChannel(channel: CheckBackChannel): void;

  // ---- lifecycle
  readonly state: 'starting' | 'serving' | 'stopping' | 'stopped';
  close(): Promise<void>;
}
