/**
 * LitePullConsumer (DefaultLitePullConsumer) for poll loops: subscribe (queues shared out by rebalance, as a
 * push consumer) or assign queues yourself; background long-polling pulls fill a bounded buffer and
 * `poll(timeoutMs)` takes one batch. Offsets move when messages are polled and are committed by `commit()`
 * or, with autoCommit (default), every `autoCommitIntervalMs` and at shutdown. `seek` moves a queue's position.
 */
import { ClientInstance, type ClientMember, type ConsumerHeartbeatData } from './client-instance.js';
import { checkGroupName, resolveClientOptions, type ClientOptions } from './client-options.js';
import { MQClientError } from './errors.js';
import { LocalOffsetStore, RemoteOffsetStore, type OffsetStore } from './offset-store.js';
import { pullMessages } from './pull-api.js';
import { queuesToOwn } from './rebalance.js';
import { sleep } from './semaphore.js';
import { queueOffsetAt, startOffset } from './start-offset.js';
import { buildSubscription, heartbeatSubscription, type Subscription } from './subscription.js';
import { queueKey } from './topic-route.js';
import { ConsumeFromWhere, ExpressionType, MessageModel, type MessageExt, type MessageQueue } from './types.js';

export interface LitePullConsumerOptions extends ClientOptions {
  consumerGroup: string;
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
  consumeTimestamp?: number;
  /** Commit polled offsets automatically (default true). */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Messages per pull, and at most per poll (default 10). */
  pullBatchSize?: number;
  /** Buffered, unpolled messages per queue before pulling pauses (default 1000). */
  pullThresholdForQueue?: number;
  /** poll()'s timeout when none is given (default 5 s). */
  pollTimeoutMillis?: number;
  rebalanceIntervalMs?: number;
  brokerSuspendMaxTimeMillis?: number;
  offsetStoreDir?: string;
}

interface QueueState {
  queue: MessageQueue;
  nextOffset: number;
  /** Next offset after the last polled message; -1 before the first poll. */
  consumed: number;
  buffered: number;
  version: number;
  dropped: boolean;
}

interface Batch {
  state: QueueState;
  version: number;
  messages: MessageExt[];
}

export class LitePullConsumer {
  readonly consumerGroup: string;
  private readonly instance: ClientInstance;
  private readonly options: LitePullConsumerOptions;
  private readonly model: MessageModel;
  private readonly offsetStore: OffsetStore;
  private readonly subscriptions = new Map<string, Subscription>();
  private assigned: MessageQueue[] | undefined;
  private readonly owned = new Map<string, QueueState>();
  private readonly buffer: Batch[] = [];
  private waiters: Array<() => void> = [];
  private state: 'CREATED' | 'RUNNING' | 'SHUTDOWN' = 'CREATED';
  private timers: NodeJS.Timeout[] = [];
  private lastCommit = Date.now();
  private rebalancing: Promise<void> | undefined;
  private readonly member: ClientMember;

  constructor(options: LitePullConsumerOptions) {
    this.consumerGroup = checkGroupName('consumerGroup', options?.consumerGroup);
    this.options = options;
    this.model = options.messageModel ?? MessageModel.CLUSTERING;
    this.instance = new ClientInstance(resolveClientOptions(options));
    this.offsetStore = this.model === MessageModel.BROADCASTING ? new LocalOffsetStore(this.consumerGroup, options.offsetStoreDir) : new RemoteOffsetStore(this.instance, this.consumerGroup);
    this.member = {
      consumerData: (): ConsumerHeartbeatData => ({
        groupName: this.consumerGroup,
        consumeType: 'CONSUME_ACTIVELY',
        messageModel: this.model,
        consumeFromWhere: this.options.consumeFromWhere ?? ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET,
        subscriptionDataSet: [...this.subscriptions.values()].map(heartbeatSubscription),
        unitMode: false,
      }),
      onConsumerIdsChanged: () => this.triggerRebalance(),
    };
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  subscribe(topic: string, expression = '*', type: ExpressionType = ExpressionType.TAG): void {
    if (this.assigned) throw new MQClientError('ILLEGAL_ARGUMENT', 'subscribe and assign are exclusive');
    this.subscriptions.set(topic, buildSubscription(topic, expression, type));
    if (this.state === 'RUNNING') this.triggerRebalance();
  }

  /** Takes these queues, with no rebalance (all messages of each, with the subscription `*` unless subscribed). */
  assign(queues: readonly MessageQueue[]): void {
    if (this.subscriptions.size > 0 && !this.assigned) throw new MQClientError('ILLEGAL_ARGUMENT', 'subscribe and assign are exclusive');
    this.assigned = [...queues];
    for (const q of queues) if (!this.subscriptions.has(q.topic)) this.subscriptions.set(q.topic, buildSubscription(q.topic, '*'));
    if (this.state === 'RUNNING') void this.apply(this.assigned).catch((err: unknown) => this.instance.logger.warn({ err: (err as Error).message }, 'assign failed'));
  }

  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    const r = await this.instance.updateRoute(topic);
    if (!r) throw new MQClientError('NO_ROUTE', `No route info of this topic: ${topic}`);
    return [...r.subscribeQueues];
  }

  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new MQClientError('ILLEGAL_ARGUMENT', `the consumer is ${this.state.toLowerCase()}; start() runs once`);
    if (this.subscriptions.size === 0) throw new MQClientError('ILLEGAL_ARGUMENT', 'subscribe or assign before start()');
    await this.offsetStore.load();
    this.state = 'RUNNING';
    if (!this.assigned) this.instance.addMember(this.member);
    this.instance.start();
    for (const t of this.subscriptions.keys()) await this.instance.updateRoute(t).catch(() => undefined);
    await this.instance.heartbeatAll();
    const every = (ms: number, fn: () => Promise<void>): void => {
      const t = setInterval(() => void fn().catch((err: unknown) => this.instance.logger.debug({ err: (err as Error).message }, 'consumer task failed')), ms);
      t.unref();
      this.timers.push(t);
    };
    if (this.assigned) await this.apply(this.assigned);
    else {
      every(this.options.rebalanceIntervalMs ?? 20_000, async () => this.triggerRebalance());
      this.triggerRebalance();
      await this.rebalancing;
    }
    every(1000, async () => {
      if ((this.options.autoCommit ?? true) && Date.now() - this.lastCommit >= (this.options.autoCommitIntervalMs ?? 5000)) await this.commit();
    });
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'RUNNING') {
      this.state = 'SHUTDOWN';
      return;
    }
    if (this.options.autoCommit ?? true) await this.commit();
    this.state = 'SHUTDOWN';
    for (const t of this.timers) clearInterval(t);
    for (const s of this.owned.values()) s.dropped = true;
    for (const w of this.waiters.splice(0)) w();
    await this.instance.shutdown();
  }

  /** Queues owned now. */
  assignment(): MessageQueue[] {
    return [...this.owned.values()].map((s) => s.queue);
  }

  /** One batch of messages from one queue, or [] after `timeoutMs` with nothing. */
  async poll(timeoutMs = this.options.pollTimeoutMillis ?? 5000): Promise<MessageExt[]> {
    if (this.state !== 'RUNNING') throw new MQClientError('NOT_STARTED', 'the consumer is not running');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.buffer.length > 0) {
        const b = this.buffer.shift() as Batch;
        b.state.buffered -= b.messages.length;
        if (b.state.dropped || b.version !== b.state.version) continue;
        b.state.consumed = (b.messages[b.messages.length - 1] as MessageExt).queueOffset + 1;
        return b.messages;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.state !== 'RUNNING') return [];
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Commits the offsets of everything polled so far. */
  async commit(): Promise<void> {
    this.lastCommit = Date.now();
    for (const s of this.owned.values()) if (s.consumed >= 0) this.offsetStore.update(s.queue, s.consumed, false);
    await this.offsetStore.persist(this.assignment());
  }

  /** The group's committed offset of a queue (-1: none). */
  committed(queue: MessageQueue): Promise<number> {
    return this.offsetStore.read(queue, true);
  }

  /** Next poll of this queue starts at `offset`. */
  seek(queue: MessageQueue, offset: number): void {
    const s = this.owned.get(queueKey(queue));
    if (!s) throw new MQClientError('ILLEGAL_ARGUMENT', `queue ${queueKey(queue)} is not assigned to this consumer`);
    if (!Number.isInteger(offset) || offset < 0) throw new MQClientError('ILLEGAL_ARGUMENT', `offset ${offset} is not a non-negative integer`);
    s.version++;
    s.nextOffset = offset;
    s.consumed = offset;
  }

  async seekToBegin(queue: MessageQueue): Promise<void> {
    this.seek(queue, await queueOffsetAt(this.instance, queue, 'min'));
  }

  async seekToEnd(queue: MessageQueue): Promise<void> {
    this.seek(queue, await queueOffsetAt(this.instance, queue, 'max'));
  }

  // ------------------------------------------------------------------------------------------ ownership

  private triggerRebalance(): void {
    if (this.state !== 'RUNNING' || this.assigned || this.rebalancing) return;
    this.rebalancing = (async () => {
      const wanted: MessageQueue[] = [];
      for (const topic of this.subscriptions.keys()) {
        const qs = await queuesToOwn(this.instance, this.consumerGroup, topic, this.model);
        if (!qs) wanted.push(...[...this.owned.values()].filter((s) => s.queue.topic === topic).map((s) => s.queue));
        else wanted.push(...qs);
      }
      await this.apply(wanted);
    })()
      .catch((err: unknown) => this.instance.logger.warn({ err: (err as Error).message }, 'rebalance failed'))
      .finally(() => {
        this.rebalancing = undefined;
      });
  }

  private async apply(queues: readonly MessageQueue[]): Promise<void> {
    const wanted = new Map(queues.map((q) => [queueKey(q), q]));
    const removed: MessageQueue[] = [];
    for (const [k, s] of this.owned) {
      if (!wanted.has(k)) {
        s.dropped = true;
        this.owned.delete(k);
        if (s.consumed >= 0) this.offsetStore.update(s.queue, s.consumed, false);
        removed.push(s.queue);
      }
    }
    if (removed.length > 0) await this.offsetStore.persist(removed);
    for (const [k, q] of wanted) {
      if (this.owned.has(k) || this.state !== 'RUNNING') continue;
      let offset: number;
      try {
        offset = await startOffset(this.instance, this.offsetStore, q, this.options.consumeFromWhere ?? ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET, this.options.consumeTimestamp);
      } catch (err) {
        this.instance.logger.debug({ queue: q, err: (err as Error).message }, 'start offset unknown; trying again later');
        continue;
      }
      const s: QueueState = { queue: q, nextOffset: offset, consumed: -1, buffered: 0, version: 0, dropped: false };
      this.owned.set(k, s);
      void this.pullLoop(s).catch((err: unknown) => this.instance.logger.error({ err, queue: q }, 'pull loop failed'));
    }
  }

  private async pullLoop(s: QueueState): Promise<void> {
    const threshold = this.options.pullThresholdForQueue ?? 1000;
    const suspendMs = this.options.brokerSuspendMaxTimeMillis ?? 15_000;
    while (!s.dropped && this.state === 'RUNNING') {
      if (s.buffered >= threshold) {
        await sleep(50);
        continue;
      }
      const subscription = this.subscriptions.get(s.queue.topic);
      const addr = this.instance.brokerAddr(s.queue.brokerName);
      if (!subscription || !addr) {
        await sleep(1000);
        await this.instance.updateRoute(s.queue.topic).catch(() => undefined);
        continue;
      }
      const version = s.version;
      let r;
      try {
        r = await pullMessages(this.instance.connections, addr, {
          group: this.consumerGroup,
          queue: s.queue,
          offset: s.nextOffset,
          maxNums: this.options.pullBatchSize ?? 10,
          subscription,
          commitOffset: -1,
          suspendMs,
          timeoutMs: suspendMs + 5000,
        });
      } catch (err) {
        if (s.dropped || this.state !== 'RUNNING') return;
        this.instance.logger.debug({ queue: s.queue, err: (err as Error).message }, 'pull failed; trying again shortly');
        await sleep(1000);
        await this.instance.updateRoute(s.queue.topic).catch(() => undefined);
        continue;
      }
      if (s.dropped || version !== s.version) continue; // seeked meanwhile: pull again from the new position
      s.nextOffset = r.nextBeginOffset;
      if (r.status === 'FOUND') {
        s.buffered += r.messages.length;
        this.buffer.push({ state: s, version, messages: r.messages });
        for (const w of this.waiters.splice(0)) w();
      }
    }
  }
}
