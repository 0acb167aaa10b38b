/**
 * A small admin helper over the same protocol mqadmin uses: create a topic on every master broker of a cluster
 * (found in the name server's cluster table) and wait until the name server routes it, so tests and apps make
 * topics the same way on Apogee and on Apache RocketMQ.
 */
import { RequestCode } from '../protocol/remoting/codes.js';
import { ClientInstance } from './client-instance.js';
import { resolveClientOptions, type ClientOptions } from './client-options.js';
import { MQClientError } from './errors.js';
import { sleep } from './semaphore.js';

export interface CreateTopicOptions {
  /** Read and write queues on each broker (default 4). */
  queueNums?: number;
  /** RocketMQ 5 topic message type: NORMAL, FIFO, DELAY, TRANSACTION (default: none, i.e. NORMAL/mixed). */
  messageType?: 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION';
  /** Only this cluster's brokers (default: every cluster's). */
  clusterName?: string;
  /** Wait until the name server routes the topic (default 10 s; 0: do not wait). */
  waitForRouteMs?: number;
}

export class Admin {
  private readonly instance: ClientInstance;

  constructor(options: ClientOptions) {
    this.instance = new ClientInstance(resolveClientOptions(options));
    this.instance.start();
  }

  /** Masters of the cluster(s): brokerName → address. */
  async brokers(clusterName?: string): Promise<Map<string, string>> {
    const info = await this.instance.nameServer.clusterInfo();
    const names = clusterName ? (info.clusters.get(clusterName) ?? []) : [...info.brokers.keys()];
    const out = new Map<string, string>();
    for (const n of names) {
      const addr = info.brokers.get(n)?.masterAddr;
      if (addr) out.set(n, addr);
    }
    return out;
  }

  async createTopic(topic: string, options: CreateTopicOptions = {}): Promise<void> {
    const brokers = await this.brokers(options.clusterName);
    if (brokers.size === 0) throw new MQClientError('NO_ROUTE', `no broker in ${options.clusterName ? `cluster ${options.clusterName}` : 'the cluster table'}`);
    const n = String(options.queueNums ?? 4);
    const ext: Record<string, string> = {
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: n,
      writeQueueNums: n,
      perm: '6',
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: '0',
      order: String(options.messageType === 'FIFO'),
    };
    if (options.messageType) ext['attributes'] = `+message.type=${options.messageType}`;
    for (const addr of brokers.values()) await this.instance.connections.invoke(addr, RequestCode.UPDATE_AND_CREATE_TOPIC, ext, undefined, 10_000);
    const waitMs = options.waitForRouteMs ?? 10_000;
    const deadline = Date.now() + waitMs;
    while (waitMs > 0) {
      const r = await this.instance.nameServer.topicRoute(topic);
      if (r && r.brokerAddrs.size >= brokers.size && r.publishQueues.length > 0) return;
      if (Date.now() > deadline) throw new MQClientError('TIMEOUT', `topic ${topic} was created but the name server did not route it within ${waitMs} ms`);
      await sleep(100);
    }
  }

  /** A consumer group's settings on every broker (retryMaxTimes: deliveries after the first before the DLQ). */
  async createSubscriptionGroup(group: string, options: { retryMaxTimes?: number; consumeOrderly?: boolean; clusterName?: string } = {}): Promise<void> {
    const body = Buffer.from(
      JSON.stringify({
        groupName: group,
        consumeEnable: true,
        consumeFromMinEnable: true,
        consumeBroadcastEnable: true,
        consumeMessageOrderly: options.consumeOrderly ?? false,
        retryQueueNums: 1,
        retryMaxTimes: options.retryMaxTimes ?? 16,
        brokerId: 0,
        whichBrokerWhenConsumeSlowly: 1,
        notifyConsumerIdsChangedEnable: true,
      }),
    );
    for (const addr of (await this.brokers(options.clusterName)).values()) {
      await this.instance.connections.invoke(addr, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body, 10_000);
    }
  }

  async close(): Promise<void> {
    await this.instance.shutdown();
  }
}
