/**
 * PushConsumer (DefaultMQPushConsumer): subscribes topics with TAG or SQL92 expressions, owns a share of their
 * queues (rebalanced periodically and whenever the broker says the group changed), long-polls each owned queue
 * and hands messages to a concurrent or an orderly listener under one concurrency bound. Offsets are committed
 * periodically, with pulls, and at shutdown; clustering re-consumes through `%RETRY%<group>`, subscribed
 * automatically. A broker that goes away costs failed pulls (retried with a delay), never a crash.
 */
import { ClientInstance, type ClientMember, type ConsumerHeartbeatData } from './client-instance.js';
import { checkGroupName, resolveClientOptions, type ClientOptions } from './client-options.js';
import { ConsumeConcurrentlyService } from './consume-concurrently.js';
import type { ConsumeContext, ConsumeService } from './consume-context.js';
import { ConsumeOrderlyService } from './consume-orderly.js';
import { MQClientError } from './errors.js';
import { LocalOffsetStore, RemoteOffsetStore, type OffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { pullMessages } from './pull-api.js';
import { lockQueues, queuesToOwn, unlockQueues } from './rebalance.js';
import { Semaphore, sleep } from './semaphore.js';
import { buildSubscription, heartbeatSubscription, retryTopicOf, type Subscription } from './subscription.js';
import { queueKey } from './topic-route.js';
import { startOffset } from './start-offset.js';
import {
  ConsumeFromWhere,
  ExpressionType,
  MessageModel,
  type MessageListenerConcurrently,
  type MessageListenerOrderly,
  type MessageQueue,
} from './types.js';

export interface PushConsumerOptions extends ClientOptions {
  consumerGroup: string;
  messageModel?: MessageModel;
  /** Where a group with no committed offset starts (default CONSUME_FROM_LAST_OFFSET). */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP: epoch ms (default half an hour ago). */
  consumeTimestamp?: number;
  /** Consume tasks running at once, all queues together (default 20, consumeThreadMax). */
  consumeThreadMax?: number;
  /** Messages per listener call (default 1). */
  consumeMessageBatchMaxSize?: number;
  /** Messages per pull (default 32). */
  pullBatchSize?: number;
  /** Pulled, unconsumed messages per queue before pulling pauses (default 1000). */
  pullThresholdForQueue?: number;
  /**
   * Deliveries after the first before a message is dead-lettered (default 16). Orderly listeners: only when set,
   * a message still failing after this many re-offers goes to %DLQ%<group> and the queue moves on.
   */
  maxReconsumeTimes?: number;
  suspendCurrentQueueTimeMillis?: number;
  /** Periodic rebalance (default 20 s). */
  rebalanceIntervalMs?: number;
  /** Periodic offset commit (default 5 s). */
  persistConsumerOffsetIntervalMs?: number;
  /** How long the broker may hold a pull with nothing new (default 15 s). */
  brokerSuspendMaxTimeMillis?: number;
  /** Pause after a failed pull (default 1 s). */
  pullTimeDelayMillsWhenException?: number;
  /** Broadcasting: keep offsets in this directory too (default: memory only). */
  offsetStoreDir?: string;
}

type Listener = { kind: 'concurrently'; fn: MessageListenerConcurrently } | { kind: 'orderly'; fn: MessageListenerOrderly };

export class PushConsumer {
  readonly consumerGroup: string;
  private readonly instance: ClientInstance;
  private readonly model: MessageModel;
  private readonly options: PushConsumerOptions;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly owned = new Map<string, ProcessQueue>();
  private readonly offsetStore: OffsetStore;
  private readonly slots: Semaphore;
  private listener: Listener | undefined;
  private service: ConsumeService | undefined;
  private state: 'CREATED' | 'RUNNING' | 'SHUTDOWN' = 'CREATED';
  private timers: NodeJS.Timeout[] = [];
  private rebalancing: Promise<void> | undefined;
  private rebalanceAgain = false;
  private readonly pullLoops = new Set<Promise<void>>();
  private readonly member: ClientMember;

  constructor(options: PushConsumerOptions) {
    this.consumerGroup = checkGroupName('consumerGroup', options?.consumerGroup);
    this.options = options;
    this.model = options.messageModel ?? MessageModel.CLUSTERING;
    this.instance = new ClientInstance(resolveClientOptions(options));
    this.offsetStore = this.model === MessageModel.BROADCASTING ? new LocalOffsetStore(this.consumerGroup, options.offsetStoreDir) : new RemoteOffsetStore(this.instance, this.consumerGroup);
    this.slots = new Semaphore(options.consumeThreadMax ?? 20);
    this.member = {
      consumerData: (): ConsumerHeartbeatData => ({
        groupName: this.consumerGroup,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: this.model,
        consumeFromWhere: this.options.consumeFromWhere ?? ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET,
        subscriptionDataSet: [...this.subscriptions.values()].map(heartbeatSubscription),
        unitMode: false,
      }),
      onConsumerIdsChanged: () => this.triggerRebalance(),
      onRouteChanged: (topic: string) => {
        if (this.subscriptions.has(topic)) this.triggerRebalance();
      },
    };
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  /** Subscribes a topic: `expression` is a TAG expression (`*`, `a || b`) or, with ExpressionType.SQL92, a SQL92 filter. */
  subscribe(topic: string, expression = '*', type: ExpressionType = ExpressionType.TAG): void {
    if (typeof topic !== 'string' || topic.length === 0) throw new MQClientError('ILLEGAL_ARGUMENT', 'subscribe needs a topic');
    this.subscriptions.set(topic, buildSubscription(topic, expression, type));
    if (this.state === 'RUNNING') {
      void this.instance.heartbeatAll();
      this.triggerRebalance();
    }
  }

  unsubscribe(topic: string): void {
    this.subscriptions.delete(topic);
    if (this.state === 'RUNNING') this.triggerRebalance();
  }

  registerMessageListener(listener: MessageListenerConcurrently): void {
    this.registerMessageListenerConcurrently(listener);
  }

  registerMessageListenerConcurrently(listener: MessageListenerConcurrently): void {
    if (typeof listener !== 'function') throw new MQClientError('ILLEGAL_ARGUMENT', 'the listener is not a function');
    this.listener = { kind: 'concurrently', fn: listener };
  }

  registerMessageListenerOrderly(listener: MessageListenerOrderly): void {
    if (typeof listener !== 'function') throw new MQClientError('ILLEGAL_ARGUMENT', 'the listener is not a function');
    this.listener = { kind: 'orderly', fn: listener };
  }

  /** Queues this consumer owns right now. */
  assignedQueues(): MessageQueue[] {
    return [...this.owned.values()].map((pq) => pq.queue);
  }

  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new MQClientError('ILLEGAL_ARGUMENT', `the consumer is ${this.state.toLowerCase()}; start() runs once`);
    if (!this.listener) throw new MQClientError('ILLEGAL_ARGUMENT', 'register a message listener before start()');
    if (this.subscriptions.size === 0) throw new MQClientError('ILLEGAL_ARGUMENT', 'subscribe to a topic before start()');
    if (this.model === MessageModel.CLUSTERING) this.subscriptions.set(retryTopicOf(this.consumerGroup), buildSubscription(retryTopicOf(this.consumerGroup), '*'));
    await this.offsetStore.load();
    const ctx: ConsumeContext = {
      group: this.consumerGroup,
      model: this.model,
      instance: this.instance,
      offsetStore: this.offsetStore,
      slots: this.slots,
      batchSize: Math.max(1, this.options.consumeMessageBatchMaxSize ?? 1),
      maxReconsumeTimes: this.options.maxReconsumeTimes ?? 16,
      orderlyMaxReconsumeTimes: this.options.maxReconsumeTimes,
      suspendCurrentQueueTimeMillis: this.options.suspendCurrentQueueTimeMillis ?? 1000,
      running: () => this.state === 'RUNNING',
      lock: (pq) => this.lockOne(pq),
    };
    this.service = this.listener.kind === 'orderly' ? new ConsumeOrderlyService(ctx, this.listener.fn) : new ConsumeConcurrentlyService(ctx, this.listener.fn);
    this.state = 'RUNNING';
    this.instance.addMember(this.member);
    this.instance.start();
    for (const t of this.subscriptions.keys()) await this.instance.updateRoute(t).catch((err: unknown) => this.instance.logger.warn({ topic: t, err: (err as Error).message }, 'no route yet'));
    await this.instance.discoverBrokers().catch(() => undefined);
    await this.instance.heartbeatAll();
    const every = (ms: number, fn: () => Promise<void>): void => {
      const t = setInterval(() => void fn().catch((err: unknown) => this.instance.logger.debug({ err: (err as Error).message }, 'consumer task failed')), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.rebalanceIntervalMs ?? 20_000, async () => this.triggerRebalance());
    every(this.options.persistConsumerOffsetIntervalMs ?? 5000, () => this.persistOffsets());
    if (this.listener.kind === 'orderly' && this.model === MessageModel.CLUSTERING) every(20_000, () => this.lockAll());
    this.triggerRebalance();
    await this.rebalancing;
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'RUNNING') {
      this.state = 'SHUTDOWN';
      return;
    }
    this.state = 'SHUTDOWN';
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.rebalancing?.catch(() => undefined);
    // Listeners already running finish and move their queues' offsets; queued ones do not start.
    await this.service?.drain();
    await this.persistOffsets();
    if (this.listener?.kind === 'orderly' && this.model === MessageModel.CLUSTERING) await unlockQueues(this.instance, this.consumerGroup, this.assignedQueues());
    for (const pq of this.owned.values()) pq.dropped = true;
    await this.instance.shutdown();
    await Promise.allSettled([...this.pullLoops]);
    this.owned.clear();
  }

  private async persistOffsets(): Promise<void> {
    await this.offsetStore.persist(this.assignedQueues()).catch((err: unknown) => this.instance.logger.warn({ err: (err as Error).message }, 'offset persist failed'));
  }

  // ------------------------------------------------------------------------------------------ rebalance

  /** Runs one rebalance now, or one more right after the running one. */
  triggerRebalance(): void {
    if (this.state !== 'RUNNING') return;
    if (this.rebalancing) {
      this.rebalanceAgain = true;
      return;
    }
    this.rebalancing = (async () => {
      do {
        this.rebalanceAgain = false;
        await this.rebalance().catch((err: unknown) => this.instance.logger.warn({ err: (err as Error).message }, 'rebalance failed'));
      } while (this.rebalanceAgain && this.state === 'RUNNING');
    })().finally(() => {
      this.rebalancing = undefined;
    });
  }

  private async rebalance(): Promise<void> {
    const wanted = new Map<string, MessageQueue>();
    const known = new Set<string>();
    for (const topic of this.subscriptions.keys()) {
      const qs = await queuesToOwn(this.instance, this.consumerGroup, topic, this.model);
      if (!qs) {
        // Unknown now: keep what this topic's queues are.
        for (const [k, pq] of this.owned) if (pq.queue.topic === topic) known.add(k);
        continue;
      }
      for (const q of qs) wanted.set(queueKey(q), q);
    }
    if (this.state !== 'RUNNING') return;
    const removed: ProcessQueue[] = [];
    for (const [k, pq] of this.owned) {
      if (!wanted.has(k) && !known.has(k)) {
        pq.dropped = true;
        this.owned.delete(k);
        removed.push(pq);
      }
    }
    if (removed.length > 0) {
      const qs = removed.map((pq) => pq.queue);
      await this.offsetStore.persist(qs);
      for (const q of qs) this.offsetStore.remove(q);
      if (this.listener?.kind === 'orderly' && this.model === MessageModel.CLUSTERING) await unlockQueues(this.instance, this.consumerGroup, qs);
    }
    let added = [...wanted].filter(([k]) => !this.owned.has(k)).map(([, q]) => q);
    const orderlyClustering = this.listener?.kind === 'orderly' && this.model === MessageModel.CLUSTERING;
    let lockedKeys: Set<string> | undefined;
    if (orderlyClustering && added.length > 0) {
      lockedKeys = await lockQueues(this.instance, this.consumerGroup, added);
      added = added.filter((q) => lockedKeys!.has(queueKey(q)));
    }
    for (const q of added) {
      if (this.state !== 'RUNNING') return;
      let offset: number;
      try {
        offset = await startOffset(this.instance, this.offsetStore, q, this.options.consumeFromWhere ?? ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET, this.options.consumeTimestamp);
        // Known from now on: pulls commit it and the periodic persist writes it even before a first message.
        this.offsetStore.update(q, offset, false);
      } catch (err) {
        this.instance.logger.debug({ queue: q, err: (err as Error).message }, 'start offset unknown; next rebalance tries again');
        continue;
      }
      const pq = new ProcessQueue(q, offset);
      if (lockedKeys) {
        pq.locked = true;
        pq.lastLockAt = Date.now();
      }
      this.owned.set(queueKey(q), pq);
      const loop = this.pullLoop(pq).catch((err: unknown) => this.instance.logger.error({ err, queue: q }, 'pull loop failed'));
      this.pullLoops.add(loop);
      void loop.finally(() => this.pullLoops.delete(loop));
    }
  }

  private async lockOne(pq: ProcessQueue): Promise<boolean> {
    const locked = await lockQueues(this.instance, this.consumerGroup, [pq.queue]);
    pq.locked = locked.has(queueKey(pq.queue));
    if (pq.locked) pq.lastLockAt = Date.now();
    return pq.locked;
  }

  private async lockAll(): Promise<void> {
    const pqs = [...this.owned.values()];
    if (pqs.length === 0) return;
    const locked = await lockQueues(this.instance, this.consumerGroup, pqs.map((p) => p.queue));
    const now = Date.now();
    for (const pq of pqs) {
      pq.locked = locked.has(queueKey(pq.queue));
      if (pq.locked) pq.lastLockAt = now;
    }
  }

  // ------------------------------------------------------------------------------------------ pulling

  private async pullLoop(pq: ProcessQueue): Promise<void> {
    const threshold = this.options.pullThresholdForQueue ?? 1000;
    const suspendMs = this.options.brokerSuspendMaxTimeMillis ?? 15_000;
    const delayOnError = this.options.pullTimeDelayMillsWhenException ?? 1000;
    const orderly = this.listener?.kind === 'orderly';
    const clustering = this.model === MessageModel.CLUSTERING;
    while (!pq.dropped && this.state === 'RUNNING') {
      if (pq.msgCount >= threshold) {
        await sleep(50);
        continue;
      }
      const subscription = this.subscriptions.get(pq.queue.topic);
      const addr = this.instance.brokerAddr(pq.queue.brokerName);
      if (!subscription || !addr) {
        await sleep(delayOnError);
        continue;
      }
      let r;
      try {
        const commitOffset = clustering ? await this.offsetStore.read(pq.queue, false) : -1;
        r = await pullMessages(this.instance.connections, addr, {
          group: this.consumerGroup,
          queue: pq.queue,
          offset: pq.nextOffset,
          maxNums: this.options.pullBatchSize ?? 32,
          subscription,
          commitOffset,
          suspendMs,
          timeoutMs: suspendMs + 5000,
        });
      } catch (err) {
        if (pq.dropped || this.state !== 'RUNNING') return;
        this.instance.logger.debug({ queue: pq.queue, err: (err as Error).message }, 'pull failed; trying again shortly');
        await sleep(delayOnError);
        // The broker may be back on another address: the route says.
        await this.instance.updateRoute(pq.queue.topic).catch(() => undefined);
        continue;
      }
      if (pq.dropped) return;
      switch (r.status) {
        case 'FOUND':
          pq.nextOffset = r.nextBeginOffset;
          pq.add(r.messages, orderly);
          this.service?.submit(pq, r.messages);
          break;
        case 'NO_NEW_MSG':
        case 'NO_MATCHED_MSG':
          pq.nextOffset = r.nextBeginOffset;
          if (pq.msgCount === 0) this.offsetStore.update(pq.queue, r.nextBeginOffset, true);
          break;
        case 'OFFSET_ILLEGAL':
          this.instance.logger.warn({ queue: pq.queue, from: pq.nextOffset, to: r.nextBeginOffset }, 'pull offset illegal; moving to the broker\'s offset');
          pq.nextOffset = r.nextBeginOffset;
          this.offsetStore.update(pq.queue, r.nextBeginOffset, false);
          await this.offsetStore.persist([pq.queue]);
          break;
      }
    }
  }
}
