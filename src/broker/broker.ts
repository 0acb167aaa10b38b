/**
 * The broker: topics, consumer groups, sends, reads, offsets and pop consumption as plain logic over the store.
 * Protocols (gRPC, admin HTTP) and embedded users call it through `BrokerApi`.
 */
import { join } from 'node:path';
import type { MessageStore } from '../store/types.js';
import { systemClock, type Clock } from '../util/clock.js';
import { javaStringHashCode } from '../util/hash.js';
import type { Logger } from '../util/logger.js';
import type { BrokerApi } from './api.js';
import { PopService } from './consumption/pop-service.js';
import { BrokerError, BrokerErrorCode } from './errors.js';
import { compileFilter } from './filter/index.js';
import { GroupRegistry } from './group-registry.js';
import { newMessageId, toAppendInput, toMessageView } from './message-codec.js';
import { Prop } from './properties.js';
import { validateGroupName, validateTopicNameSyntax } from './names.js';
import type { BrokerOptions } from './options.js';
import { validateSend, type SendLimits } from './send-validation.js';
import { TopicRegistry } from './topic-registry.js';
import {
  PERM_READ,
  PERM_WRITE,
  type FilterSpec,
  type GroupConfig,
  type GroupDescription,
  type GroupSpec,
  type MessageView,
  type OffsetResetTarget,
  type ReceiveRequest,
  type ReceivedMessage,
  type SendInput,
  type SendResult,
  type TopicConfig,
  type TopicDescription,
  type TopicSpec,
} from './types.js';
import { TimerService, delayLevelToMs, toRealAppendInput } from './timer/index.js';
import type { EndTransactionRequest } from './api.js';
import type { CheckBackChannel } from './transaction/check-channel.js';
import { CHECK_MAX_TIME_TOPIC, DEFAULT_TRANSACTION_OPTIONS } from './transaction/constants.js';
import { QueueLockTable } from './consumption/queue-locks.js';
import { RETRY_PREFIX, sendBack, type SendBackRequest, type SendBackResult } from './consumption/send-back.js';
import type { StoredMessage } from '../store/types.js';
import { TransactionService, type GivenUpTransaction, type PendingTransaction, type TransactionStats } from './transaction/transaction-service.js';

export const DLQ_PREFIX = '%DLQ%';

export class Broker implements BrokerApi {
  state: BrokerApi['state'] = 'starting';
  readonly store: MessageStore;
  readonly topics: TopicRegistry;
  readonly groups: GroupRegistry;
  readonly pop: PopService;
  readonly transactions: TransactionService;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly storeHost: string;
  private readonly autoCreateGroups: boolean;
  private readonly limits: SendLimits;
  private readonly roundRobin = new Map<string, number>();
  readonly timers: TimerService;
  /** Orderly classic consumers' queue locks. */
  readonly queueLocks: QueueLockTable;

  private constructor(options: BrokerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    const configDir = join(options.dataDir, 'config');
    const now = (): number => this.clock.now();
    this.topics = new TopicRegistry(configDir, options.defaultQueueNums ?? 8, now);
    this.groups = new GroupRegistry(configDir, now);
    this.storeHost = options.storeHost ?? options.brokerName ?? 'apogee';
    this.autoCreateGroups = options.autoCreateGroups ?? true;
    this.queueLocks = new QueueLockTable(now);
    this.limits = {
      maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
      maxDelayMs: options.maxDelayMs ?? 24 * 60 * 60 * 1000,
      maxPropertiesBytes: 16 * 1024,
    };
    this.pop = new PopService({
      store: this.store,
      configDir,
      clock: this.clock,
      logger: this.logger.child({ component: 'pop' }),
      requireTopic: (name) => this.requireTopicForRead(name),
      resolveGroup: (name) => this.resolveGroup(name),
      ensureDeadLetterTopic: (group) => this.ensureDeadLetterTopic(group),
      ...(options.maxReceiveBytes !== undefined ? { maxReceiveBytes: options.maxReceiveBytes } : {}),
      ...(options.maxLongPollsPerGroup !== undefined ? { maxWaitersPerGroup: options.maxLongPollsPerGroup } : {}),
      ...(options.consumptionMetrics ? { metrics: options.consumptionMetrics } : {}),
    });
    this.timers = new TimerService({
      store: this.store,
      clock: this.clock,
      logger: this.logger.child({ component: 'timer' }),
      maxDelayMs: this.limits.maxDelayMs,
      storeHost: this.storeHost,
      checkpointPath: join(configDir, 'timerCheckpoint.json'),
      deliver: async (timerRecord) => {
        const real = toRealAppendInput(timerRecord);
        if (!this.topics.get(real.topic)) {
          // Not retriable: the topic was deleted while the message waited.
          throw new BrokerError(BrokerErrorCode.TOPIC_NOT_FOUND, `topic '${real.topic}' was deleted before the delayed message was due`);
        }
        await this.store.append(real);
      },
    });
    this.transactions = new TransactionService({
      ...DEFAULT_TRANSACTION_OPTIONS,
      ...options.transaction,
      store: this.store,
      configDir,
      clock: this.clock,
      logger: this.logger.child({ component: 'transaction' }),
      storeHost: this.storeHost,
      ensureCheckMaxTimeTopic: () => this.ensureCheckMaxTimeTopic(),
    });
  }

  private ensureCheckMaxTimeTopic = async (): Promise<void> => {
    if (this.topics.get(CHECK_MAX_TIME_TOPIC)) return;
    try {
      // Readable by operators, not writable by users: consumers never get these messages by accident.
      await this.topics.create({ name: CHECK_MAX_TIME_TOPIC, messageType: 'NORMAL', queueNums: 1, perm: PERM_READ }, { system: true });
    } catch (err) {
      if (!this.topics.get(CHECK_MAX_TIME_TOPIC)) throw err;
    }
  };

  static async open(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    await broker.topics.load();
    await broker.groups.load();
    await broker.pop.start();
    await broker.transactions.start();
    await broker.timers.start();
    broker.state = 'serving';
    broker.logger.info({ topics: broker.topics.list().length, groups: broker.groups.list().length }, 'broker serving');
    return broker;
  }

  /** Lowest commit-log offset the broker's state still needs (for store retention). */
  protectedOffset(): number {
    return Math.min(this.pop.protectedOffset(), this.transactions.protectedOffset(), this.timers.protectedOffset());
  }

  async close(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    await this.transactions.close();
    await this.pop.close();
    await this.timers.close();
    this.state = 'stopped';
  }

  private checkServing(): void {
    if (this.state !== 'serving') {
      throw new BrokerError(BrokerErrorCode.UNAVAILABLE, `broker is ${this.state}`, true);
    }
  }

  // ------------------------------------------------------------------ topics

  async createTopic(spec: TopicSpec): Promise<TopicConfig> {
    this.checkServing();
    return this.topics.create(spec);
  }

  async updateTopic(spec: TopicSpec): Promise<TopicConfig> {
    this.checkServing();
    return this.topics.update(spec);
  }

  async deleteTopic(name: string): Promise<void> {
    this.checkServing();
    await this.topics.delete(name);
    await this.store.deleteTopicQueues(name);
    this.logger.info({ topic: name }, 'topic deleted');
  }

  getTopic(name: string): TopicConfig | undefined {
    return this.topics.get(name);
  }

  listTopics(): TopicConfig[] {
    return this.topics.list();
  }

  describeTopic(name: string): TopicDescription {
    const config = this.topics.require(name);
    const n = Math.max(config.readQueueNums, config.writeQueueNums);
    const queues = Array.from({ length: n }, (_, queueId) => ({
      queueId,
      minOffset: this.store.minQueueOffset(name, queueId),
      maxOffset: this.store.maxQueueOffset(name, queueId),
    }));
    return { config, queues };
  }

  private requireTopicForRead(name: string): TopicConfig {
    validateTopicNameSyntax(name);
    return this.topics.require(name);
  }

  private async ensureDeadLetterTopic(group: string): Promise<TopicConfig> {
    const name = DLQ_PREFIX + group;
    const existing = this.topics.get(name);
    if (existing) return existing;
    try {
      return await this.topics.create({ name, messageType: 'NORMAL', queueNums: 1, perm: PERM_READ | PERM_WRITE }, { system: true });
    } catch (err) {
      const again = this.topics.get(name); // created concurrently
      if (again) return again;
      throw err;
    }
  }

  // ------------------------------------------------------------------ groups

  async createGroup(spec: GroupSpec): Promise<GroupConfig> {
    this.checkServing();
    return this.groups.create(spec);
  }

  async updateGroup(spec: GroupSpec): Promise<GroupConfig> {
    this.checkServing();
    return this.groups.update(spec);
  }

  async deleteGroup(name: string): Promise<void> {
    this.checkServing();
    await this.groups.delete(name);
    await this.pop.dropGroup(name);
  }

  getGroup(name: string): GroupConfig | undefined {
    return this.groups.get(name);
  }

  listGroups(): GroupConfig[] {
    return this.groups.list();
  }

  describeGroup(name: string): GroupDescription {
    const config = this.groups.require(name);
    const dlq = this.topics.get(DLQ_PREFIX + name);
    const queues = this.pop.groupQueues(name);
    return {
      config,
      queues,
      retrying: queues.reduce((n, q) => n + q.retrying, 0),
      deadLettered: dlq ? this.store.maxQueueOffset(dlq.name, 0) : 0,
    };
  }

  /**
   * Operators' resend: a copy of a dead-lettered message goes back to the topic it came from, with its body, tag,
   * keys, message group and user properties and a new message id. Every group consuming that topic receives it.
   */
  async resendDeadLetter(group: string, messageId: string): Promise<SendResult> {
    this.checkServing();
    this.groups.require(group);
    const dlqName = DLQ_PREFIX + group;
    const found = this.topics.get(dlqName) && typeof messageId === 'string' && messageId.length > 0 ? await this.store.queryByUniqKey(messageId, 32) : [];
    const dead = found.find((m) => m.topic === dlqName);
    if (!dead) throw new BrokerError(BrokerErrorCode.MESSAGE_NOT_FOUND, `no message with id '${messageId}' in ${dlqName}`);
    const origin = dead.properties[Prop.DLQ_ORIGIN_TOPIC];
    const topic = origin !== undefined ? this.topics.get(origin) : undefined;
    if (!topic) throw new BrokerError(BrokerErrorCode.TOPIC_NOT_FOUND, `topic '${origin ?? '?'}' that message '${messageId}' came from does not exist`);
    if (topic.messageType === 'TRANSACTION') {
      throw new BrokerError(BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, `topic '${topic.name}' takes transactional messages, which need a producer`);
    }
    const view = toMessageView(dead);
    const result = await this.send({
      topic: topic.name,
      body: view.body,
      messageType: topic.messageType,
      properties: view.properties,
      ...(view.tag !== undefined ? { tag: view.tag } : {}),
      ...(view.keys.length > 0 ? { keys: view.keys } : {}),
      ...(topic.messageType === 'FIFO' && view.messageGroup !== undefined ? { messageGroup: view.messageGroup } : {}),
      ...(topic.messageType === 'DELAY' ? { deliveryTimestamp: this.clock.now() } : {}),
    });
    this.logger.info({ group, messageId, topic: topic.name, newMessageId: result.messageId }, 'dead-lettered message resent');
    return result;
  }

  /** The group, created with defaults on first use when the broker allows it. */
  async resolveGroup(name: string): Promise<GroupConfig> {
    const existing = this.groups.get(name);
    if (existing) return existing;
    validateGroupName(name);
    if (!this.autoCreateGroups) {
      throw new BrokerError(BrokerErrorCode.CONSUMER_GROUP_NOT_FOUND, `consumer group '${name}' does not exist (auto-creation is off)`);
    }
    try {
      const g = await this.groups.create({ name });
      this.logger.info({ group: name }, 'consumer group created on first use');
      return g;
    } catch (err) {
      const again = this.groups.get(name);
      if (again) return again;
      throw err;
    }
  }

  // ------------------------------------------------------------------ send

  async send(input: SendInput): Promise<SendResult> {
    this.checkServing();
    const topic = this.topics.get(input.topic);
    if (!topic) {
      validateTopicNameSyntax(input.topic);
      throw new BrokerError(BrokerErrorCode.TOPIC_NOT_FOUND, `topic '${input.topic}' does not exist`);
    }
    const now = this.clock.now();
    if (input.delayLevel !== undefined) input = withDelayLevel(input, now);
    validateSend(input, topic, this.limits, now);
    const queueId = input.queueId ?? this.chooseQueue(topic, input.messageGroup);
    const messageId = input.messageId ?? newMessageId(now);
    const record = toAppendInput(input, queueId, messageId, this.storeHost, now);
    if (input.messageType === 'DELAY') {
      const r = await this.timers.schedule(record, input.deliveryTimestamp ?? now);
      // As RocketMQ: the offset reported is the one in the queue that holds the message until it is due.
      return { messageId, topic: topic.name, queueId, queueOffset: r.queueOffset, commitLogOffset: r.commitLogOffset, transactionId: messageId, recallHandle: r.recallHandle };
    }
    if (input.messageType === 'TRANSACTION') {
      // RocketMQ 5 clients expect the transaction id to equal the message id; one message per transaction.
      const half = await this.transactions.prepare(record, messageId, input.producerGroup ?? topic.name, input.transactionCheckImmunityMs);
      return { messageId, topic: topic.name, queueId, queueOffset: half.queueOffset, commitLogOffset: half.commitLogOffset, transactionId: messageId };
    }
    const r = await this.store.append(record);
    return {
      messageId,
      topic: topic.name,
      queueId,
      queueOffset: r.queueOffset,
      commitLogOffset: r.commitLogOffset,
      transactionId: messageId,
    };
  }

  /**
   * A batch: every message is checked before the first is written, so a bad one stores nothing; then all are
   * appended in order without waiting for each (one flush covers them).
   */
  async sendAll(inputs: readonly SendInput[]): Promise<SendResult[]> {
    this.checkServing();
    const now = this.clock.now();
    for (const raw of inputs) {
      const topic = this.topics.get(raw.topic);
      if (!topic) {
        validateTopicNameSyntax(raw.topic);
        throw new BrokerError(BrokerErrorCode.TOPIC_NOT_FOUND, `topic '${raw.topic}' does not exist`);
      }
      validateSend(raw.delayLevel !== undefined ? withDelayLevel(raw, now) : raw, topic, this.limits, now);
    }
    return Promise.all(inputs.map((i) => this.send(i)));
  }

  private chooseQueue(topic: TopicConfig, messageGroup: string | undefined): number {
    if (messageGroup !== undefined) {
      // FIFO: one message group always lands on one queue, so its order is the queue's order.
      return Math.abs(javaStringHashCode(messageGroup)) % topic.writeQueueNums;
    }
    const next = ((this.roundRobin.get(topic.name) ?? -1) + 1) % topic.writeQueueNums;
    this.roundRobin.set(topic.name, next);
    return next;
  }

  async recall(topic: string, recallHandle: string): Promise<void> {
    this.checkServing();
    this.topics.require(topic);
    await this.timers.recall(topic, recallHandle);
  }

  // ------------------------------------------------------------------ transactions

  async endTransaction(request: EndTransactionRequest): Promise<void> {
    this.checkServing();
    return this.transactions.end(request);
  }

  listTransactions(topic?: string): PendingTransaction[] {
    return this.transactions.listPending(topic);
  }

  async listGivenUpTransactions(topic?: string, max?: number): Promise<GivenUpTransaction[]> {
    return this.transactions.listGivenUp(topic, max);
  }

  async resendGivenUpTransaction(transactionId: string): Promise<void> {
    this.checkServing();
    return this.transactions.resendGivenUp(transactionId);
  }

  transactionStats(): TransactionStats {
    return this.transactions.snapshotStats();
  }

  setCheckBackChannel(channel: CheckBackChannel): void {
    this.transactions.setCheckBackChannel(channel);
  }

  addCheckBackChannel(channel: CheckBackChannel): void {
    this.transactions.addCheckBackChannel(channel);
  }

  // ------------------------------------------------------------------ reads

  async pull(topicName: string, queueId: number, offset: number, maxMessages: number, filter?: FilterSpec) {
    const r = await this.pullStored(topicName, queueId, offset, maxMessages, filter);
    return { messages: r.messages.map(toMessageView), nextOffset: r.nextOffset, minOffset: r.minOffset, maxOffset: r.maxOffset };
  }

  async pullStored(topicName: string, queueId: number, offset: number, maxMessages: number, filter?: FilterSpec, maxBytes = Number.MAX_SAFE_INTEGER) {
    const topic = this.requireTopicForRead(topicName);
    if (!Number.isInteger(queueId) || queueId < 0 || queueId >= Math.max(topic.readQueueNums, topic.writeQueueNums)) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `queue ${queueId} does not exist in '${topicName}'`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw new BrokerError(BrokerErrorCode.ILLEGAL_OFFSET, `offset must be a non-negative integer, got ${offset}`);
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > 1024) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `batch size must be from 1 to 1024, got ${maxMessages}`);
    }
    const f = compileFilter(filter);
    const minOffset = this.store.minQueueOffset(topicName, queueId);
    const maxOffset = this.store.maxQueueOffset(topicName, queueId);
    const messages: StoredMessage[] = [];
    let next = Math.max(offset, minOffset);
    let scanned = 0;
    let bytes = 0;
    outer: while (messages.length < maxMessages && next < maxOffset && scanned < 4 * 1024) {
      const entries = await this.store.readQueue(topicName, queueId, next, Math.min(maxMessages - messages.length + 16, 256));
      if (entries.length === 0) break;
      for (const e of entries) {
        if (messages.length > 0 && bytes + e.size > maxBytes) break outer;
        next = e.queueOffset + 1;
        scanned++;
        if (!f.matchesTagsCode(e.tagsCode)) continue;
        const m = await this.store.readQueued(e.commitLogOffset);
        if (!m) continue;
        const tag = m.properties[Prop.TAGS];
        if (!f.matches(tag !== undefined ? { tag, properties: m.properties } : { properties: m.properties })) continue;
        messages.push(m);
        bytes += m.size;
        if (messages.length >= maxMessages) break outer;
      }
    }
    return { messages, nextOffset: next, minOffset, maxOffset, scanned };
  }

  /** The record at a commit-log offset (offset message ids), if it is a message of a topic that still exists. */
  async readMessageAt(commitLogOffset: number): Promise<StoredMessage | undefined> {
    if (!Number.isSafeInteger(commitLogOffset) || commitLogOffset < 0) return undefined;
    const m = await this.store.read(commitLogOffset).catch(() => undefined);
    return m && m.commitLogOffset === commitLogOffset ? m : undefined;
  }

  /** Stored messages of a topic by key, or by unique key (message id), for remoting QUERY_MESSAGE. */
  async queryStored(topic: string, key: string, maxCount: number, uniqueKey: boolean): Promise<StoredMessage[]> {
    this.requireTopicForRead(topic);
    if (typeof key !== 'string' || key.length === 0) throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_KEY, 'message key is empty');
    const n = Math.min(Math.max(1, maxCount), 1000);
    if (!uniqueKey) return this.store.queryByKey(topic, key, n);
    return (await this.store.queryByUniqKey(key, n)).filter((m) => m.topic === topic || m.properties[Prop.REAL_TOPIC] === topic);
  }

  /** Classic consumers' failed message: to the group's retry topic after a delay, or its dead-letter topic. */
  async sendBack(request: SendBackRequest): Promise<SendBackResult> {
    this.checkServing();
    const g = await this.resolveGroup(request.group);
    return sendBack(
      {
        store: this.store,
        timers: this.timers,
        clock: this.clock,
        logger: this.logger.child({ component: 'send-back' }),
        ensureRetryTopic: (group) => this.ensureRetryTopic(group),
        ensureDeadLetterTopic: (group) => this.ensureDeadLetterTopic(group),
      },
      { ...request, group: g.name },
    );
  }

  /** `%RETRY%<group>` (one queue), created with the group's first classic consumer as RocketMQ does. */
  async ensureRetryTopic(group: string): Promise<TopicConfig> {
    const name = RETRY_PREFIX + group;
    const existing = this.topics.get(name);
    if (existing) return existing;
    validateGroupName(group);
    try {
      return await this.topics.create({ name, messageType: 'NORMAL', queueNums: 1, perm: PERM_READ | PERM_WRITE }, { system: true });
    } catch (err) {
      const again = this.topics.get(name);
      if (again) return again;
      throw err;
    }
  }

  /** Calls `listener` for every message that becomes readable (long-polling pulls wait on it). */
  onMessageArrived(listener: (topic: string, queueId: number) => void): () => void {
    return this.store.onDispatch((e) => listener(e.topic, e.queueId));
  }

  /** First queue offset whose message was stored at or after `timestamp`. */
  async searchOffset(topic: string, queueId: number, timestamp: number): Promise<number> {
    this.requireTopicForRead(topic);
    return this.store.queueOffsetByTime(topic, queueId, timestamp);
  }

  async getMessageById(messageId: string): Promise<MessageView[]> {
    if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > 128) {
      throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_ID, 'message id is empty or too long');
    }
    const found = await this.store.queryByUniqKey(messageId, 32);
    return found.filter((m) => this.topics.get(m.topic) !== undefined).map(toMessageView);
  }

  async queryMessagesByKey(topic: string, key: string, maxCount: number): Promise<MessageView[]> {
    this.requireTopicForRead(topic);
    if (typeof key !== 'string' || key.length === 0) throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_KEY, 'message key is empty');
    const found = await this.store.queryByKey(topic, key, Math.min(Math.max(1, maxCount), 1000));
    return found.map(toMessageView);
  }

  // ------------------------------------------------------------------ offsets

  async commitOffset(group: string, topic: string, queueId: number, offset: number): Promise<void> {
    this.checkServing();
    const t = this.requireTopicForRead(topic);
    if (!Number.isInteger(queueId) || queueId < 0 || queueId >= t.readQueueNums) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `queue ${queueId} is not a read queue of '${topic}'`);
    }
    const max = this.store.maxQueueOffset(topic, queueId);
    if (!Number.isInteger(offset) || offset < 0 || offset > max) {
      throw new BrokerError(BrokerErrorCode.ILLEGAL_OFFSET, `offset ${offset} is outside 0..${max} of ${topic}/${queueId}`);
    }
    // Only a valid commit may auto-create the group: a refused request changes nothing.
    const g = await this.resolveGroup(group);
    await this.pop.setOffset(g, topic, queueId, offset);
  }

  queryOffset(group: string, topic: string, queueId: number): number | undefined {
    return this.pop.queryOffset(group, topic, queueId);
  }

  async resetOffset(group: string, topic: string, target: OffsetResetTarget): Promise<Array<{ queueId: number; offset: number }>> {
    this.checkServing();
    const g = this.groups.require(group);
    const t = this.requireTopicForRead(topic);
    if (target.kind === 'timestamp' && (!Number.isFinite(target.timestamp) || target.timestamp < 0)) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, 'reset timestamp must be a non-negative epoch ms');
    }
    const result = await this.pop.resetOffset(g, t, target);
    this.logger.info({ group, topic, target, result }, 'consumer offsets reset');
    return result;
  }

  // ------------------------------------------------------------------ pop consumption

  async receive(request: ReceiveRequest): Promise<ReceivedMessage[]> {
    this.checkServing();
    validateGroupName(request.group);
    return this.pop.receive(request);
  }

  async ack(group: string, topic: string, receiptHandle: string): Promise<void> {
    this.checkServing();
    validateGroupName(group);
    return this.pop.ack(group, topic, receiptHandle);
  }

  async changeInvisibleDuration(group: string, topic: string, receiptHandle: string, invisibleDurationMs: number): Promise<string> {
    this.checkServing();
    validateGroupName(group);
    return this.pop.changeInvisibleDuration(group, topic, receiptHandle, invisibleDurationMs);
  }

  async forwardToDeadLetter(group: string, topic: string, receiptHandle: string): Promise<void> {
    this.checkServing();
    validateGroupName(group);
    return this.pop.forwardToDeadLetter(group, topic, receiptHandle);
  }
}


/** A 4.x delay level becomes the delivery timestamp it stands for (now + the level's fixed duration). */
function withDelayLevel(input: SendInput, now: number): SendInput {
  if (input.deliveryTimestamp !== undefined) {
    throw new BrokerError(BrokerErrorCode.BAD_REQUEST, 'give a delivery timestamp or a delay level, not both');
  }
  const { delayLevel, ...rest } = input;
  return { ...rest, deliveryTimestamp: now + delayLevelToMs(delayLevel as number) };
}
