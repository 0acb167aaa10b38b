/**
 * An in-memory BrokerApi good enough to drive the gRPC front with the official client before the real
 * broker exists: topics, sends (queue choice, type vs topic), pop receive with invisible time, receipt
 * handles, ack, change invisible duration, DLQ, FIFO message-group ordering, delay + recall, tag filters,
 * long polling, offsets. Not durable and not fast; tests only.
 */
import { EventEmitter } from 'node:events';
import type { BrokerApi } from '../../../src/broker/api.js';
import { BrokerError, BrokerErrorCode } from '../../../src/broker/errors.js';
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
} from '../../../src/broker/types.js';
import { javaStringHashCode } from '../../../src/util/hash.js';

interface Stored {
  view: MessageView;
  visibleAt: number;
  recalled: boolean;
}

interface PopState {
  invisibleUntil: number;
  attempts: number;
  done: boolean;
  handleGen: number;
}

const bad = (code: BrokerErrorCode, msg: string): never => {
  throw new BrokerError(code, msg);
};

function tagMatches(filter: FilterSpec | undefined, tag: string | undefined): boolean {
  if (!filter) return true;
  if (filter.type === 'SQL') {
    // Tiny subset for tests: "a = 'x'" on a user property is not needed here; accept TAGS = 'x'.
    const m = /^\s*TAGS\s*=\s*'([^']*)'\s*$/.exec(filter.expression);
    if (!m) bad(BrokerErrorCode.ILLEGAL_FILTER_EXPRESSION, `unsupported SQL in fake broker: ${filter.expression}`);
    return tag === m![1];
  }
  const parts = filter.expression.split('||').map((s) => s.trim());
  if (parts.some((p) => p === '')) bad(BrokerErrorCode.ILLEGAL_FILTER_EXPRESSION, `bad tag expression ${filter.expression}`);
  return parts.includes('*') || (tag !== undefined && parts.includes(tag));
}

export class FakeBroker implements BrokerApi {
  state: 'starting' | 'serving' | 'stopping' | 'stopped' = 'serving';
  readonly topics = new Map<string, TopicConfig>();
  readonly groups = new Map<string, GroupConfig>();
  /** topic → queue → messages */
  readonly queues = new Map<string, Stored[][]>();
  /** `${group}\0${topic}\0${queue}\0${offset}` → pop state */
  readonly pops = new Map<string, PopState>();
  readonly offsets = new Map<string, number>();
  readonly dlq: Array<{ group: string; view: MessageView }> = [];
  readonly events = new EventEmitter();
  #rr = 0;
  #seq = 0;

  constructor() {
    this.events.setMaxListeners(0);
  }

  async createTopic(spec: TopicSpec): Promise<TopicConfig> {
    if (this.topics.has(spec.name)) bad(BrokerErrorCode.ALREADY_EXISTS, `topic ${spec.name} exists`);
    const n = spec.queueNums ?? 4;
    const cfg: TopicConfig = {
      name: spec.name,
      messageType: spec.messageType ?? 'NORMAL',
      readQueueNums: spec.readQueueNums ?? n,
      writeQueueNums: spec.writeQueueNums ?? n,
      perm: spec.perm ?? PERM_READ | PERM_WRITE,
      createdAt: Date.now(),
    };
    this.topics.set(spec.name, cfg);
    this.queues.set(spec.name, Array.from({ length: Math.max(cfg.readQueueNums, cfg.writeQueueNums) }, () => []));
    return cfg;
  }
  async updateTopic(spec: TopicSpec): Promise<TopicConfig> {
    const cfg = this.getTopic(spec.name) ?? bad(BrokerErrorCode.TOPIC_NOT_FOUND, spec.name);
    Object.assign(cfg, spec.perm !== undefined ? { perm: spec.perm } : {});
    return cfg;
  }
  async deleteTopic(name: string): Promise<void> {
    this.topics.delete(name);
  }
  getTopic(name: string): TopicConfig | undefined {
    return this.topics.get(name);
  }
  listTopics(): TopicConfig[] {
    return [...this.topics.values()];
  }
  describeTopic(name: string): TopicDescription {
    const config = this.getTopic(name) ?? bad(BrokerErrorCode.TOPIC_NOT_FOUND, `topic ${name} does not exist`);
    const qs = this.queues.get(name)!;
    return { config, queues: qs.map((q, queueId) => ({ queueId, minOffset: 0, maxOffset: q.length })) };
  }

  async createGroup(spec: GroupSpec): Promise<GroupConfig> {
    const cfg: GroupConfig = {
      name: spec.name,
      fifo: spec.fifo ?? false,
      maxDeliveryAttempts: spec.maxDeliveryAttempts ?? 16,
      retryPolicy: spec.retryPolicy ?? { kind: 'exponential', initialMs: 1000, maxMs: 10_000, multiplier: 2 },
      consumeFromWhere: spec.consumeFromWhere ?? 'young',
      createdAt: Date.now(),
    };
    this.groups.set(spec.name, cfg);
    return cfg;
  }
  async updateGroup(spec: GroupSpec): Promise<GroupConfig> {
    return this.createGroup(spec);
  }
  async deleteGroup(name: string): Promise<void> {
    this.groups.delete(name);
  }
  getGroup(name: string): GroupConfig | undefined {
    return this.groups.get(name);
  }
  listGroups(): GroupConfig[] {
    return [...this.groups.values()];
  }
  describeGroup(name: string): GroupDescription {
    const config = this.getGroup(name) ?? bad(BrokerErrorCode.CONSUMER_GROUP_NOT_FOUND, name);
    return { config, queues: [], retrying: 0, deadLettered: this.dlq.filter((d) => d.group === name).length };
  }

  async send(input: SendInput): Promise<SendResult> {
    const cfg = this.getTopic(input.topic) ?? bad(BrokerErrorCode.TOPIC_NOT_FOUND, `topic ${input.topic} does not exist`);
    if (cfg.messageType !== input.messageType) {
      bad(BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, `topic ${input.topic} accepts ${cfg.messageType}, not ${input.messageType}`);
    }
    const qs = this.queues.get(input.topic)!;
    const queueId =
      input.messageGroup !== undefined
        ? Math.abs(javaStringHashCode(input.messageGroup)) % cfg.writeQueueNums
        : this.#rr++ % cfg.writeQueueNums;
    const now = Date.now();
    const messageId = input.messageId ?? `FAKE${++this.#seq}`;
    const view: MessageView = {
      topic: input.topic,
      queueId,
      queueOffset: qs[queueId]!.length,
      commitLogOffset: ++this.#seq,
      messageId,
      messageType: input.messageType,
      keys: input.keys ?? [],
      properties: input.properties ?? {},
      body: input.body,
      bornTimestamp: input.bornTimestamp ?? now,
      bornHost: input.bornHost ?? '',
      storeTimestamp: now,
      storeHost: '127.0.0.1:0',
      reconsumeTimes: 0,
    };
    if (input.tag !== undefined) view.tag = input.tag;
    if (input.messageGroup !== undefined) view.messageGroup = input.messageGroup;
    if (input.deliveryTimestamp !== undefined) view.deliveryTimestamp = input.deliveryTimestamp;
    const visibleAt = input.deliveryTimestamp ?? 0;
    qs[queueId]!.push({ view, visibleAt, recalled: false });
    if (visibleAt > now) setTimeout(() => this.events.emit('message', input.topic), visibleAt - now + 5).unref();
    else this.events.emit('message', input.topic);
    const result: SendResult = {
      messageId,
      topic: input.topic,
      queueId,
      queueOffset: view.queueOffset,
      commitLogOffset: view.commitLogOffset,
      transactionId: messageId,
    };
    if (input.messageType === 'DELAY') result.recallHandle = `recall:${input.topic}:${queueId}:${view.queueOffset}`;
    return result;
  }

  async pull(topic: string, queueId: number, offset: number, maxMessages: number, filter?: FilterSpec) {
    const qs = this.queues.get(topic) ?? bad(BrokerErrorCode.TOPIC_NOT_FOUND, topic);
    const q = qs[queueId] ?? bad(BrokerErrorCode.BAD_REQUEST, `no queue ${queueId}`);
    if (offset > q.length) bad(BrokerErrorCode.ILLEGAL_OFFSET, `offset ${offset} beyond ${q.length}`);
    const messages: MessageView[] = [];
    let next = offset;
    for (; next < q.length && messages.length < maxMessages; next++) {
      if (tagMatches(filter, q[next]!.view.tag)) messages.push(q[next]!.view);
    }
    return { messages, nextOffset: next, minOffset: 0, maxOffset: q.length };
  }
  async getMessageById(): Promise<MessageView[]> {
    return [];
  }
  async queryMessagesByKey(): Promise<MessageView[]> {
    return [];
  }
  async commitOffset(group: string, topic: string, queueId: number, offset: number): Promise<void> {
    this.offsets.set(`${group}\0${topic}\0${queueId}`, offset);
  }
  queryOffset(group: string, topic: string, queueId: number): number | undefined {
    return this.offsets.get(`${group}\0${topic}\0${queueId}`);
  }
  async resetOffset(_g: string, _t: string, _target: OffsetResetTarget): Promise<Array<{ queueId: number; offset: number }>> {
    return [];
  }

  #groupFor(name: string): GroupConfig {
    const g = this.groups.get(name);
    if (g) return g;
    const cfg: GroupConfig = {
      name,
      fifo: false,
      maxDeliveryAttempts: 16,
      retryPolicy: { kind: 'exponential', initialMs: 1000, maxMs: 10_000, multiplier: 2 },
      consumeFromWhere: 'young',
      createdAt: Date.now(),
    };
    this.groups.set(name, cfg);
    return cfg;
  }

  #collect(req: ReceiveRequest, group: GroupConfig): ReceivedMessage[] {
    const qs = this.queues.get(req.topic)!;
    const now = Date.now();
    const out: ReceivedMessage[] = [];
    for (let queueId = 0; queueId < qs.length && out.length < req.maxMessages; queueId++) {
      const blockedGroups = new Set<string>();
      const q = qs[queueId]!;
      for (let offset = 0; offset < q.length && out.length < req.maxMessages; offset++) {
        const s = q[offset]!;
        if (s.recalled || s.visibleAt > now) continue;
        const key = `${req.group}\0${req.topic}\0${queueId}\0${offset}`;
        let st = this.pops.get(key);
        if (st?.done) continue;
        const mg = group.fifo ? s.view.messageGroup : undefined;
        if (mg !== undefined && blockedGroups.has(mg)) continue;
        if (st && st.invisibleUntil > now) {
          if (mg !== undefined) blockedGroups.add(mg);
          continue;
        }
        if (!tagMatches(req.filter, s.view.tag)) continue;
        if (st && st.attempts >= group.maxDeliveryAttempts) {
          st.done = true;
          this.dlq.push({ group: req.group, view: s.view });
          continue;
        }
        if (!st) this.pops.set(key, (st = { invisibleUntil: 0, attempts: 0, done: false, handleGen: 0 }));
        st.attempts++;
        st.handleGen++;
        st.invisibleUntil = now + req.invisibleDurationMs;
        if (mg !== undefined) blockedGroups.add(mg);
        out.push({
          ...s.view,
          reconsumeTimes: st.attempts - 1,
          receiptHandle: `${req.group}|${req.topic}|${queueId}|${offset}|${st.handleGen}`,
          deliveryAttempt: st.attempts,
          invisibleUntil: st.invisibleUntil,
        });
      }
    }
    return out;
  }

  async receive(req: ReceiveRequest): Promise<ReceivedMessage[]> {
    if (!this.getTopic(req.topic)) bad(BrokerErrorCode.TOPIC_NOT_FOUND, `topic ${req.topic} does not exist`);
    const group = this.#groupFor(req.group);
    const deadline = Date.now() + req.pollTimeoutMs;
    for (;;) {
      const found = this.#collect(req, group);
      if (found.length > 0 || Date.now() >= deadline || req.signal?.aborted) return found;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(200, Math.max(1, deadline - Date.now())));
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.events.once('message', done);
      });
    }
  }

  #state(group: string, topic: string, handle: string): { st: PopState; view: MessageView } {
    const parts = handle.split('|');
    if (parts.length !== 5) bad(BrokerErrorCode.INVALID_RECEIPT_HANDLE, 'malformed receipt handle');
    const [g, t, q, o, gen] = parts as [string, string, string, string, string];
    if (g !== group || t !== topic) bad(BrokerErrorCode.INVALID_RECEIPT_HANDLE, 'receipt handle of another group/topic');
    const st = this.pops.get(`${g}\0${t}\0${q}\0${o}`);
    if (!st || st.done || String(st.handleGen) !== gen) bad(BrokerErrorCode.INVALID_RECEIPT_HANDLE, 'stale receipt handle');
    return { st: st!, view: this.queues.get(t)![Number(q)]![Number(o)]!.view };
  }

  async ack(group: string, topic: string, receiptHandle: string): Promise<void> {
    this.#state(group, topic, receiptHandle).st.done = true;
    this.events.emit('message', topic);
  }
  async changeInvisibleDuration(group: string, topic: string, receiptHandle: string, ms: number): Promise<string> {
    const { st } = this.#state(group, topic, receiptHandle);
    st.handleGen++;
    st.invisibleUntil = Date.now() + ms;
    setTimeout(() => this.events.emit('message', topic), ms + 5).unref();
    const p = receiptHandle.split('|');
    return `${p[0]}|${p[1]}|${p[2]}|${p[3]}|${st.handleGen}`;
  }
  async forwardToDeadLetter(group: string, topic: string, receiptHandle: string): Promise<void> {
    const { st, view } = this.#state(group, topic, receiptHandle);
    st.done = true;
    this.dlq.push({ group, view });
    this.events.emit('message', topic);
  }
  async recall(topic: string, recallHandle: string): Promise<void> {
    const [kind, t, q, o] = recallHandle.split(':');
    if (kind !== 'recall' || t !== topic) bad(BrokerErrorCode.BAD_REQUEST, 'bad recall handle');
    const s = this.queues.get(topic)?.[Number(q)]?.[Number(o)];
    if (!s || s.visibleAt <= Date.now()) bad(BrokerErrorCode.NOT_FOUND, 'message already delivered or unknown');
    s!.recalled = true;
  }
  async close(): Promise<void> {
    this.state = 'stopped';
  }
}
