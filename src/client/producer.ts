/**
 * Producer: sends to a topic's queues through the name server's route, many sends in flight on one connection
 * per broker. A failed send (connection, timeout, or a retriable broker code) goes again to the next queue,
 * preferring another broker, up to `retryTimesWhenSendFailed` more times within `sendMsgTimeoutMs` (the same
 * UNIQ_KEY each time, so a consumer can tell a duplicate). Sends with a queue, a selector or a message group
 * go to that one queue only: retrying elsewhere would break their order.
 */
import { RequestCode } from '../protocol/remoting/codes.js';
import { encodeBatch, encodeProperties } from '../protocol/remoting/message-codec.js';
import { ClientInstance, type ClientMember } from './client-instance.js';
import { checkGroupName, resolveClientOptions, type ClientOptions } from './client-options.js';
import { MQClientError } from './errors.js';
import { javaStringHash } from './java-hash.js';
import { messageProperties, validateMessage } from './message-convert.js';
import { newUniqueId } from './message-id.js';
import { Semaphore } from './semaphore.js';
import { toSendResult } from './send-result.js';
import type { TopicRoute } from './topic-route.js';
import type { Message, MessageQueue, SendResult } from './types.js';

export interface ProducerOptions extends ClientOptions {
  producerGroup: string;
  /** Budget for one send, retries included (default 3 s). */
  sendMsgTimeoutMs?: number;
  /** Further attempts after a failed send (default 2). */
  retryTimesWhenSendFailed?: number;
  /** Largest body accepted (default 4 MiB, RocketMQ's). */
  maxMessageSize?: number;
  /** Sends awaiting their answer at most; more wait for a free slot within their timeout (default 10 000). */
  maxInFlightSends?: number;
}

/** Picks the queue for one send (MessageQueueSelector): e.g. by order id, so one order's messages keep their order. */
export type MessageQueueSelector = (queues: readonly MessageQueue[], message: Message, arg: unknown) => MessageQueue;

export interface SendOptions {
  /** Exactly this queue. */
  queue?: MessageQueue;
  /** A queue chosen by the application from the topic's writable queues. */
  selector?: MessageQueueSelector;
  arg?: unknown;
  /** Overrides sendMsgTimeoutMs for this send. */
  timeoutMs?: number;
}


/** Internal shape of one prepared send (the transaction producer adds its properties and sysFlag). */
export interface PreparedSend {
  topic: string;
  body: Buffer;
  properties: Record<string, string>;
  uniqueId: string;
  sysFlag: number;
  batch: boolean;
}

export class Producer {
  protected readonly instance: ClientInstance;
  readonly producerGroup: string;
  protected readonly sendMsgTimeoutMs: number;
  protected readonly retryTimes: number;
  protected readonly maxMessageSize: number;
  private readonly rr = new Map<string, number>();
  private readonly inFlight: Semaphore;
  private state: 'CREATED' | 'RUNNING' | 'SHUTDOWN' = 'CREATED';
  protected readonly member: ClientMember;

  constructor(options: ProducerOptions) {
    this.producerGroup = checkGroupName('producerGroup', options?.producerGroup);
    this.instance = new ClientInstance(resolveClientOptions(options));
    this.sendMsgTimeoutMs = options.sendMsgTimeoutMs ?? 3000;
    this.retryTimes = options.retryTimesWhenSendFailed ?? 2;
    this.maxMessageSize = options.maxMessageSize ?? 4 * 1024 * 1024;
    this.inFlight = new Semaphore(options.maxInFlightSends ?? 10_000);
    this.member = { producerGroup: this.producerGroup };
  }

  get clientId(): string {
    return this.instance.clientId;
  }

  /** Starts timers and introduces the producer group to every broker of the cluster (check-backs find it). */
  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new MQClientError('ILLEGAL_ARGUMENT', `the producer is ${this.state.toLowerCase()}; start() runs once`);
    this.state = 'RUNNING';
    this.instance.addMember(this.member);
    this.instance.start();
    try {
      await this.instance.discoverBrokers();
      await this.instance.heartbeatAll();
    } catch (err) {
      // The name server may come up later; the periodic refresh and the first send find the brokers then.
      this.instance.logger.warn({ err: (err as Error).message }, 'producer started without reaching the name server');
    }
  }

  async shutdown(): Promise<void> {
    if (this.state === 'SHUTDOWN') return;
    this.state = 'SHUTDOWN';
    await this.instance.shutdown();
  }

  /** The topic's writable queues (for selectors and tests). */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.instance.ensureRunning();
    return [...(await this.instance.route(topic)).publishQueues];
  }

  async send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    this.instance.ensureRunning();
    validateMessage(message, this.maxMessageSize);
    const uniqueId = newUniqueId();
    const prepared: PreparedSend = { topic: message.topic, body: message.body, properties: messageProperties(message, uniqueId), uniqueId, sysFlag: 0, batch: false };
    return this.sendPrepared(prepared, message, options);
  }

  /** Fire and forget: no result, no retry. */
  async sendOneway(message: Message, options: Omit<SendOptions, 'timeoutMs'> = {}): Promise<void> {
    this.instance.ensureRunning();
    validateMessage(message, this.maxMessageSize);
    const uniqueId = newUniqueId();
    const route = await this.instance.route(message.topic);
    const queue = this.pick(route, message, options, undefined);
    const addr = this.addrOf(route, queue);
    await this.instance.connections.oneway(addr, RequestCode.SEND_MESSAGE_V2, this.header(queue, encodeProperties(messageProperties(message, uniqueId)), 0, false), message.body);
  }

  /**
   * Several messages of one topic in one request, stored in order on one queue (no delay, no transaction).
   * The result's msgId is the messages' unique ids joined by commas, as the Java client reports a batch.
   */
  async sendBatch(messages: readonly Message[], options: SendOptions = {}): Promise<SendResult> {
    this.instance.ensureRunning();
    if (!Array.isArray(messages) || messages.length === 0) throw new MQClientError('ILLEGAL_ARGUMENT', 'a batch needs at least one message');
    const first = messages[0] as Message;
    let total = 0;
    const ids: string[] = [];
    const entries = messages.map((m) => {
      validateMessage(m, this.maxMessageSize);
      if (m.topic !== first.topic) throw new MQClientError('ILLEGAL_ARGUMENT', `a batch holds one topic; '${m.topic}' is not '${first.topic}'`);
      if ((m.delayTimeLevel ?? 0) > 0 || m.deliverTimeMs !== undefined) throw new MQClientError('ILLEGAL_ARGUMENT', 'batch messages cannot be delayed');
      total += m.body.length;
      const id = newUniqueId();
      ids.push(id);
      return { flag: 0, body: m.body, properties: messageProperties(m, id) };
    });
    if (total > this.maxMessageSize) throw new MQClientError('ILLEGAL_ARGUMENT', `the batch's bodies total ${total} bytes, more than ${this.maxMessageSize}`);
    const prepared: PreparedSend = { topic: first.topic, body: encodeBatch(entries), properties: { WAIT: 'true' }, uniqueId: ids.join(','), sysFlag: 0, batch: true };
    return this.sendPrepared(prepared, first, options);
  }

  protected async sendPrepared(p: PreparedSend, message: Message, options: SendOptions): Promise<SendResult> {
    const timeoutMs = options.timeoutMs ?? this.sendMsgTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const route = await this.instance.route(p.topic);
    const pinned = options.queue !== undefined || options.selector !== undefined || message.messageGroup !== undefined;
    const attempts = pinned ? 1 : 1 + Math.max(0, this.retryTimes);
    const propsString = encodeProperties(p.properties);
    let lastError: unknown;
    let lastBroker: string | undefined;
    for (let i = 0; i < attempts; i++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const current = i === 0 ? route : (this.instance.cachedRoute(p.topic) ?? route);
      const queue = this.pick(current, message, options, lastBroker);
      const addr = this.addrOf(current, queue);
      if (!(await this.inFlight.acquireWithin(remaining))) {
        throw new MQClientError('TIMEOUT', `${this.inFlight.permits} sends were in flight for ${timeoutMs} ms; this one was not sent`);
      }
      try {
        const code = p.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
        const r = await this.instance.connections.invokeRaw(addr, code, this.header(queue, propsString, p.sysFlag, p.batch), p.body, Math.max(1, deadline - Date.now()));
        return toSendResult(r, addr, queue, p.uniqueId);
      } catch (err) {
        lastError = err;
        lastBroker = queue.brokerName;
        if (!(err instanceof MQClientError) || !err.retriable) throw err;
        this.instance.logger.debug({ topic: p.topic, broker: queue.brokerName, attempt: i + 1, err: err.message }, 'send failed; trying again');
        // The broker may have moved (restart on new ports, or gone): ask the name server before the next attempt.
        await this.instance.updateRoute(p.topic).catch(() => undefined);
      } finally {
        this.inFlight.release();
      }
    }
    if (lastError instanceof MQClientError && attempts === 1) throw lastError;
    throw new MQClientError(lastError instanceof MQClientError ? lastError.kind === 'BROKER' ? 'TIMEOUT' : lastError.kind : 'TIMEOUT', `send to ${p.topic} failed after ${attempts} attempt(s) within ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : 'timed out'}`, {
      cause: lastError,
      ...(lastError instanceof MQClientError ? { responseCode: lastError.responseCode } : {}),
      retriable: true,
    });
  }

  private pick(route: TopicRoute, message: Message, options: SendOptions, avoidBroker: string | undefined): MessageQueue {
    const queues = route.publishQueues;
    if (queues.length === 0) throw new MQClientError('NO_ROUTE', `topic ${route.topic} has no writable queue`);
    if (options.queue) return options.queue;
    if (options.selector) {
      const q = options.selector(queues, message, options.arg);
      if (!q || typeof q.queueId !== 'number') throw new MQClientError('ILLEGAL_ARGUMENT', 'the queue selector returned no queue');
      return q;
    }
    if (message.messageGroup !== undefined) return queues[Math.abs(javaStringHash(message.messageGroup)) % queues.length] as MessageQueue;
    const start = this.rr.get(route.topic) ?? Math.floor(Math.random() * queues.length);
    for (let i = 0; i < queues.length; i++) {
      const q = queues[(start + i) % queues.length] as MessageQueue;
      if (avoidBroker === undefined || q.brokerName !== avoidBroker || i === queues.length - 1) {
        this.rr.set(route.topic, (start + i + 1) % queues.length);
        return q;
      }
    }
    return queues[0] as MessageQueue;
  }

  private addrOf(route: TopicRoute, queue: MessageQueue): string {
    const addr = route.brokerAddrs.get(queue.brokerName) ?? this.instance.brokerAddr(queue.brokerName);
    if (!addr) throw new MQClientError('NO_ROUTE', `no address for broker ${queue.brokerName} of topic ${route.topic}`);
    return addr;
  }

  private header(queue: MessageQueue, properties: string, sysFlag: number, batch: boolean): Record<string, string> {
    return {
      a: this.producerGroup,
      b: queue.topic,
      c: 'TBW102',
      d: '4',
      e: String(queue.queueId),
      f: String(sysFlag),
      g: String(Date.now()),
      h: '0',
      i: properties,
      j: '0',
      k: 'false',
      m: String(batch),
      n: queue.brokerName,
    };
  }
}
