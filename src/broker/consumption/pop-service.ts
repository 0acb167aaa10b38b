/**
 * Pop consumption (RocketMQ 5's model): receive hands out messages with receipt handles and hides them from the
 * group for an invisible duration; ack removes them for good; unacked messages come back with the next delivery
 * attempt; after the group's max attempts they move to `%DLQ%<group>`. FIFO groups on FIFO topics get the
 * messages of one message group strictly in order, one at a time.
 */
import { join } from 'node:path';
import type { MessageStore, StoredMessage } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { BrokerError, BrokerErrorCode } from '../errors.js';
import { compileFilter, type CompiledFilter } from '../filter/index.js';
import { toMessageView } from '../message-codec.js';
import { MetadataFile } from '../metadata-file.js';
import { Prop } from '../properties.js';
import { PERM_READ, type FilterSpec, type GroupConfig, type GroupQueueState, type OffsetResetTarget, type ReceiveRequest, type ReceivedMessage, type TopicConfig } from '../types.js';
import { LongPollRegistry } from './long-poll.js';
import {
  POP_JOURNAL_TOPIC,
  applyJournalRecord,
  fromTuple,
  isJournalRecord,
  queueKey,
  toTuple,
  type EntryTuple,
  type JournalRecord,
  type QueueData,
  type SnapshotFileV1,
} from './pop-journal.js';
import { PopQueue, type PopEntry } from './pop-queue.js';
import { decodeReceiptHandle, encodeReceiptHandle } from './receipt-handle.js';
import type { ConsumptionMetricsSink } from './metrics-sink.js';

export const MIN_INVISIBLE_MS = 1;
export const MAX_INVISIBLE_MS = 12 * 60 * 60 * 1000;
export const MAX_POLL_MS = 5 * 60 * 1000;
export const MAX_RECEIVE_BATCH = 1024;
/** Body bytes one receive gathers before it stops taking more (at least one message is always returned). */
export const DEFAULT_MAX_RECEIVE_BYTES = 16 * 1024 * 1024;

/** What one receive may still take; shared by the queues it visits. */
interface ReceiveBudget {
  messages: number;
  bytes: number;
}

export interface PopServiceOptions {
  store: MessageStore;
  configDir: string;
  clock: Clock;
  logger: Logger;
  /** The topic or TOPIC_NOT_FOUND. */
  requireTopic(name: string): TopicConfig;
  /** The group (created on first use when the broker allows it) or CONSUMER_GROUP_NOT_FOUND. */
  resolveGroup(name: string): Promise<GroupConfig>;
  /** The dead-letter topic of a group, created on demand. */
  ensureDeadLetterTopic(group: string): Promise<TopicConfig>;
  /** Read-but-undone messages kept per group/queue before reading further stops (backpressure). */
  maxWindow?: number;
  /**
   * Body bytes one receive gathers at most (default 16 MiB, overshot by at most one message): a batch of 1024
   * messages of 4 MiB would otherwise sit in memory at once for one slow receiver.
   */
  maxReceiveBytes?: number;
  maxWaitersPerGroup?: number;
  /** Counts deliveries, acks and dead-letter moves (admin metrics). */
  metrics?: ConsumptionMetricsSink;
  snapshotIntervalMs?: number;
}

export class PopService {
  private readonly queues = new Map<string, PopQueue>();
  private readonly polls: LongPollRegistry;
  private readonly snapshotFile: MetadataFile<SnapshotFileV1>;
  private readonly filters = new Map<string, CompiledFilter>();
  private seq: number;
  private dirty = false;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private readonly maxWindow: number;
  private readonly maxReceiveBytes: number;
  private closed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: PopServiceOptions) {
    this.polls = new LongPollRegistry(o.maxWaitersPerGroup ?? 1024);
    this.snapshotFile = new MetadataFile(join(o.configDir, 'pop-state.json'), 1);
    this.maxWindow = o.maxWindow ?? 20_000;
    this.maxReceiveBytes = Math.max(1, o.maxReceiveBytes ?? DEFAULT_MAX_RECEIVE_BYTES); // a receive always takes a message
    // Sequence numbers must grow across restarts so an old receipt handle never matches a new delivery.
    this.seq = o.clock.now();
  }

  /** Loads the snapshot and replays the journal after it. */
  async start(): Promise<void> {
    const snap = await this.snapshotFile.load();
    const state = new Map<string, QueueData>();
    for (const q of snap?.queues ?? []) {
      const d: QueueData = { group: q.g, topic: q.t, queueId: q.q, ack: q.ack, next: q.next, entries: new Map(), doneAhead: new Set(), dl: q.dl ?? 0 };
      for (const t of q.e) d.entries.set(t[0], fromTuple(t));
      state.set(queueKey(q.g, q.t, q.q), d);
    }
    const store = this.o.store;
    let offset = Math.max(snap?.journalOffset ?? 0, store.minQueueOffset(POP_JOURNAL_TOPIC, 0));
    const max = store.maxQueueOffset(POP_JOURNAL_TOPIC, 0);
    let replayed = 0;
    while (offset < max) {
      const batch = await store.readQueue(POP_JOURNAL_TOPIC, 0, offset, 256);
      if (batch.length === 0) break;
      for (const entry of batch) {
        const msg = await store.readQueued(entry.commitLogOffset);
        offset = entry.queueOffset + 1;
        if (!msg) continue;
        let rec: unknown;
        try {
          rec = JSON.parse(msg.body.toString('utf8'));
        } catch {
          this.o.logger.warn({ offset: entry.queueOffset }, 'pop journal record is not JSON; skipped');
          continue;
        }
        if (isJournalRecord(rec)) {
          applyJournalRecord(state, rec);
          replayed++;
        }
      }
    }
    let maxSeq = 0;
    for (const [key, d] of state) {
      const q = new PopQueue(d.topic, d.queueId, d.ack);
      q.nextOffset = d.next;
      q.deadLettered = d.dl;
      const sorted = [...d.entries.values()].filter((e) => e.offset >= d.ack).sort((a, b) => a.offset - b.offset);
      for (const e of sorted) {
        q.restore(e);
        if (e.seq > maxSeq) maxSeq = e.seq;
      }
      for (const o of d.doneAhead) q.doneAhead.add(o);
      q.nextOffset = Math.max(q.nextOffset, d.next);
      q.advanceAckOffset();
      this.queues.set(key, q);
    }
    this.seq = Math.max(this.seq, maxSeq + 1);
    this.o.logger.info({ queues: this.queues.size, journalRecordsReplayed: replayed }, 'pop consumption state loaded');
    this.unsubscribe = store.onDispatch((ev) => this.polls.notify(ev.topic));
    const interval = this.o.snapshotIntervalMs ?? 5000;
    this.snapshotTimer = setInterval(() => {
      if (this.dirty) void this.snapshot().catch((err) => this.o.logger.error({ err }, 'pop state snapshot failed'));
    }, interval);
    this.snapshotTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.snapshotTimer);
    this.unsubscribe?.();
    this.polls.notifyAll();
    await this.snapshot();
  }

  /** Writes the whole state; the journal is replayed from the offset it names. */
  async snapshot(): Promise<void> {
    this.dirty = false;
    await this.snapshotFile.save(() => {
      const journalOffset = this.o.store.maxQueueOffset(POP_JOURNAL_TOPIC, 0);
      const queues: SnapshotFileV1['queues'] = [];
      for (const [key, q] of this.queues) {
        const [g = '', t = ''] = key.split('\u0000');
        const e: EntryTuple[] = [];
        for (const entry of q.entries.values()) e.push(toTuple(entry));
        queues.push({ g, t, q: q.queueId, ack: q.ackOffset, next: q.nextOffset, e, dl: q.deadLettered });
      }
      return { version: 1, journalOffset, queues };
    });
  }

  /** Lowest commit-log offset the consumption state still needs (retention keeps it). */
  protectedOffset(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const q of this.queues.values()) {
      const first = q.entries.values().next();
      if (!first.done && first.value.commitLogOffset < min) min = first.value.commitLogOffset;
    }
    return min;
  }

  private nextSeq(): number {
    return ++this.seq;
  }

  private async journal(rec: JournalRecord): Promise<void> {
    this.dirty = true;
    const now = this.o.clock.now();
    await this.o.store.append({
      topic: POP_JOURNAL_TOPIC,
      queueId: 0,
      flag: 0,
      sysFlag: 0,
      bornTimestamp: now,
      bornHost: '',
      storeHost: '',
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      properties: {},
      body: Buffer.from(JSON.stringify(rec)),
    });
  }

  private compiled(spec: FilterSpec | undefined): CompiledFilter {
    const key = spec ? `${spec.type}\u0000${spec.expression}` : '';
    let f = this.filters.get(key);
    if (!f) {
      f = compileFilter(spec);
      if (this.filters.size > 10_000) this.filters.clear();
      this.filters.set(key, f);
    }
    return f;
  }

  private async queueFor(group: GroupConfig, topic: string, queueId: number): Promise<PopQueue> {
    const key = queueKey(group.name, topic, queueId);
    let q = this.queues.get(key);
    if (q) return q;
    const store = this.o.store;
    const min = store.minQueueOffset(topic, queueId);
    const max = store.maxQueueOffset(topic, queueId);
    // RocketMQ 5 pop: a new group starts at 0 while the queue still holds its first message, else at the end.
    const start = group.consumeFromWhere === 'earliest' ? min : group.consumeFromWhere === 'latest' ? max : min === 0 ? 0 : max;
    q = new PopQueue(topic, queueId, start);
    this.queues.set(key, q);
    await this.journal({ k: 'S', g: group.name, t: topic, q: queueId, o: start });
    return q;
  }

  // ------------------------------------------------------------------ receive

  async receive(req: ReceiveRequest): Promise<ReceivedMessage[]> {
    if (!Number.isInteger(req.maxMessages) || req.maxMessages < 1 || req.maxMessages > MAX_RECEIVE_BATCH) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `batch size must be from 1 to ${MAX_RECEIVE_BATCH}, got ${req.maxMessages}`);
    }
    checkInvisible(req.invisibleDurationMs, MIN_INVISIBLE_MS);
    if (!Number.isFinite(req.pollTimeoutMs) || req.pollTimeoutMs < 0 || req.pollTimeoutMs > MAX_POLL_MS) {
      throw new BrokerError(BrokerErrorCode.ILLEGAL_POLLING_TIME, `long polling timeout must be from 0 to ${MAX_POLL_MS} ms, got ${req.pollTimeoutMs}`);
    }
    const topic = this.o.requireTopic(req.topic);
    if ((topic.perm & PERM_READ) === 0) {
      throw new BrokerError(BrokerErrorCode.FORBIDDEN, `topic '${topic.name}' is not readable (perm ${topic.perm})`);
    }
    const filter = this.compiled(req.filter);
    const group = await this.o.resolveGroup(req.group);
    let queueIds: number[];
    if (req.queueId !== undefined && req.queueId >= 0) {
      if (!Number.isInteger(req.queueId) || req.queueId >= topic.readQueueNums) {
        throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `queue ${req.queueId} is not a read queue of '${topic.name}'`);
      }
      queueIds = [req.queueId];
    } else {
      queueIds = Array.from({ length: topic.readQueueNums }, (_, i) => i);
    }
    const fifo = group.fifo && topic.messageType === 'FIFO';
    const deadline = this.o.clock.now() + req.pollTimeoutMs;
    for (;;) {
      const found = await this.collect(group, topic, queueIds, req.maxMessages, req.invisibleDurationMs, filter, fifo);
      const now = this.o.clock.now();
      if (found.length > 0 || now >= deadline || req.signal?.aborted || this.closed) return found;
      let wakeAt = deadline;
      for (const qid of queueIds) {
        const at = this.queues.get(queueKey(group.name, topic.name, qid))?.nextExpiryAt();
        if (at !== undefined && at < wakeAt) wakeAt = at;
      }
      await this.polls.wait(group.name, topic.name, Math.max(1, wakeAt - now), req.signal);
    }
  }

  private async collect(
    group: GroupConfig,
    topic: TopicConfig,
    queueIds: number[],
    max: number,
    invisibleMs: number,
    filter: CompiledFilter,
    fifo: boolean,
  ): Promise<ReceivedMessage[]> {
    const out: ReceivedMessage[] = [];
    const budget: ReceiveBudget = { messages: max, bytes: this.maxReceiveBytes };
    const start = queueIds.length > 1 ? Math.floor(Math.random() * queueIds.length) : 0;
    for (let i = 0; i < queueIds.length && budget.messages > 0 && budget.bytes > 0; i++) {
      const qid = queueIds[(start + i) % queueIds.length] as number;
      const q = await this.queueFor(group, topic.name, qid);
      await this.collectFromQueue(group, topic.name, q, budget, invisibleMs, filter, fifo, out);
    }
    return out;
  }

  private async collectFromQueue(
    group: GroupConfig,
    topic: string,
    q: PopQueue,
    budget: ReceiveBudget,
    invisibleMs: number,
    filter: CompiledFilter,
    fifo: boolean,
    out: ReceivedMessage[],
  ): Promise<void> {
    const store = this.o.store;
    const now = this.o.clock.now();
    // 1. In-flight messages whose invisible time ended: redeliver, or dead-letter after the max attempts.
    for (const e of q.takeExpired(now)) {
      if (e.attempt >= group.maxDeliveryAttempts) await this.deadLetter(group.name, topic, q, e);
      else q.makeReady(e);
    }
    // 2. Redeliveries and FIFO messages released by acks.
    const redelivered: EntryTuple[] = [];
    const ready = q.takeReady(budget.messages);
    for (let i = 0; i < ready.length; i++) {
      if (budget.bytes <= 0) {
        q.returnReady(ready.slice(i)); // over the byte budget: the next receive takes them
        break;
      }
      const e = ready[i] as PopEntry;
      const msg = await store.readQueued(e.commitLogOffset);
      if (!msg) {
        q.done(e.offset); // deleted by retention
        continue;
      }
      q.deliver(e, now, invisibleMs, this.nextSeq());
      redelivered.push(toTuple(e));
      out.push(this.received(group.name, topic, msg, e));
      budget.messages--;
      budget.bytes -= msg.body.length;
    }
    if (redelivered.length > 0) {
      this.o.metrics?.delivered(group.name, topic, 0, redelivered.length);
      await this.journal({ k: 'P', g: group.name, t: topic, q: q.queueId, e: redelivered });
    }
    if (budget.messages <= 0 || budget.bytes <= 0 || q.reading) return;
    // 3. New messages from the read cursor.
    q.reading = true;
    let left = false;
    try {
      const from = q.nextOffset;
      const tuples: EntryTuple[] = [];
      let firstDeliveries = 0;
      let cursor = from;
      const maxOffset = store.maxQueueOffset(topic, q.queueId);
      while (budget.messages > 0 && budget.bytes > 0 && cursor < maxOffset && q.windowSize < this.maxWindow) {
        const entries = await store.readQueue(topic, q.queueId, cursor, Math.min(64, Math.max(budget.messages * 2, 8)));
        if (entries.length === 0) break;
        for (const ce of entries) {
          if (budget.messages <= 0 || budget.bytes <= 0 || q.windowSize >= this.maxWindow) break;
          cursor = ce.queueOffset + 1;
          if (q.doneAhead.delete(ce.queueOffset) || !filter.matchesTagsCode(ce.tagsCode)) {
            q.skipRead(ce.queueOffset);
            continue;
          }
          const msg = await store.readQueued(ce.commitLogOffset);
          if (!msg) {
            q.skipRead(ce.queueOffset);
            continue;
          }
          const tag = msg.properties[Prop.TAGS];
          if (!filter.matches({ ...(tag !== undefined ? { tag } : {}), properties: msg.properties })) {
            q.skipRead(ce.queueOffset);
            continue;
          }
          const mg = fifo ? msg.properties[Prop.SHARDING_KEY] : undefined;
          const entry = q.addRead(ce.queueOffset, ce.commitLogOffset, mg);
          if (entry) {
            q.deliver(entry, now, invisibleMs, this.nextSeq());
            out.push(this.received(group.name, topic, msg, entry));
            budget.messages--;
            budget.bytes -= msg.body.length;
            firstDeliveries++;
            tuples.push(toTuple(entry));
          } else {
            const waiting = q.entries.get(ce.queueOffset);
            if (waiting) tuples.push(toTuple(waiting));
          }
        }
        // Entries below `cursor` were all handled; keep the cursor in step when some were missing (retention).
        if (q.nextOffset < cursor) q.skipRead(cursor - 1);
      }
      if (firstDeliveries > 0) this.o.metrics?.delivered(group.name, topic, firstDeliveries, 0);
      // Stopped by this receive's batch with messages left: receivers that found the queue busy meanwhile went
      // back to waiting, and no new arrival may come to wake them.
      left = cursor < maxOffset && q.windowSize < this.maxWindow;
      if (cursor > from) await this.journal({ k: 'R', g: group.name, t: topic, q: q.queueId, a: from, b: cursor, e: tuples });
    } finally {
      q.reading = false;
    }
    if (left) this.polls.notify(topic);
  }

  private received(group: string, topic: string, msg: StoredMessage, e: PopEntry): ReceivedMessage {
    const view = toMessageView(msg);
    return {
      ...view,
      receiptHandle: encodeReceiptHandle(group, topic, {
        queueId: msg.queueId,
        queueOffset: e.offset,
        commitLogOffset: e.commitLogOffset,
        seq: e.seq,
        invisibleUntil: e.visibleAt,
      }),
      deliveryAttempt: e.attempt,
      invisibleUntil: e.visibleAt,
    };
  }

  private async deadLetter(group: string, topic: string, q: PopQueue, e: PopEntry): Promise<void> {
    const msg = await this.o.store.readQueued(e.commitLogOffset);
    if (msg) {
      const dlq = await this.o.ensureDeadLetterTopic(group);
      const now = this.o.clock.now();
      await this.o.store.append({
        topic: dlq.name,
        queueId: 0,
        flag: msg.flag,
        sysFlag: msg.sysFlag,
        bornTimestamp: msg.bornTimestamp,
        bornHost: msg.bornHost,
        storeHost: msg.storeHost,
        reconsumeTimes: e.attempt,
        preparedTransactionOffset: 0,
        properties: {
          ...msg.properties,
          [Prop.DLQ_ORIGIN_TOPIC]: topic,
          [Prop.DLQ_ORIGIN_GROUP]: group,
          [Prop.RECONSUME_TIME]: String(e.attempt),
          [Prop.ORIGIN_MESSAGE_ID]: msg.properties[Prop.UNIQ_KEY] ?? '',
        },
        body: msg.body,
      });
      this.o.logger.info({ group, topic, queueId: q.queueId, offset: e.offset, attempts: e.attempt, dlq: dlq.name, at: now }, 'message moved to dead-letter topic');
    }
    q.done(e.offset);
    q.deadLettered++;
    this.o.metrics?.deadLettered(group, topic);
    await this.journal({ k: 'D', g: group, t: topic, q: q.queueId, o: [e.offset] });
    this.polls.notify(topic);
  }

  // ------------------------------------------------------------------ ack & friends

  private locate(group: string, topic: string, handle: string): { q: PopQueue; e: PopEntry } {
    const f = decodeReceiptHandle(group, topic, handle);
    const q = this.queues.get(queueKey(group, topic, f.queueId));
    const e = q?.entries.get(f.queueOffset);
    if (!q || !e || e.seq !== f.seq) {
      throw new BrokerError(
        BrokerErrorCode.INVALID_RECEIPT_HANDLE,
        'receipt handle is stale: the message was already acked, its invisible time was changed, or it was redelivered',
      );
    }
    return { q, e };
  }

  async ack(group: string, topic: string, receiptHandle: string): Promise<void> {
    this.o.requireTopic(topic);
    const { q, e } = this.locate(group, topic, receiptHandle);
    q.done(e.offset);
    this.o.metrics?.acked(group, topic);
    await this.journal({ k: 'A', g: group, t: topic, q: q.queueId, o: [e.offset] });
    if (e.messageGroup !== undefined) this.polls.notify(topic);
  }

  async changeInvisibleDuration(group: string, topic: string, receiptHandle: string, invisibleMs: number): Promise<string> {
    checkInvisible(invisibleMs, 0);
    this.o.requireTopic(topic);
    const { q, e } = this.locate(group, topic, receiptHandle);
    const now = this.o.clock.now();
    if (!e.inflight) {
      // Expired but not yet redelivered: taking it back in flight keeps the client's view consistent.
      q.deliver(e, now, invisibleMs, this.nextSeq());
      e.attempt--; // not a new delivery
    } else {
      q.changeInvisible(e, now, invisibleMs, this.nextSeq());
    }
    await this.journal({ k: 'P', g: group, t: topic, q: q.queueId, e: [toTuple(e)] });
    if (invisibleMs === 0) this.polls.notify(topic);
    return encodeReceiptHandle(group, topic, {
      queueId: q.queueId,
      queueOffset: e.offset,
      commitLogOffset: e.commitLogOffset,
      seq: e.seq,
      invisibleUntil: e.visibleAt,
    });
  }

  async forwardToDeadLetter(group: string, topic: string, receiptHandle: string): Promise<void> {
    this.o.requireTopic(topic);
    const { q, e } = this.locate(group, topic, receiptHandle);
    await this.deadLetter(group, topic, q, e);
  }

  // ------------------------------------------------------------------ offsets

  async resetOffset(group: GroupConfig, topic: TopicConfig, target: OffsetResetTarget): Promise<Array<{ queueId: number; offset: number }>> {
    const out: Array<{ queueId: number; offset: number }> = [];
    const store = this.o.store;
    for (let qid = 0; qid < topic.readQueueNums; qid++) {
      let offset: number;
      if (target.kind === 'earliest') offset = store.minQueueOffset(topic.name, qid);
      else if (target.kind === 'latest') offset = store.maxQueueOffset(topic.name, qid);
      else offset = await store.queueOffsetByTime(topic.name, qid, target.timestamp);
      await this.setOffset(group, topic.name, qid, offset);
      out.push({ queueId: qid, offset });
    }
    return out;
  }

  async setOffset(group: GroupConfig, topic: string, queueId: number, offset: number): Promise<void> {
    const q = await this.queueFor(group, topic, queueId);
    q.reset(offset);
    await this.journal({ k: 'S', g: group.name, t: topic, q: queueId, o: offset });
    this.polls.notify(topic);
  }

  queryOffset(group: string, topic: string, queueId: number): number | undefined {
    return this.queues.get(queueKey(group, topic, queueId))?.ackOffset;
  }

  async dropGroup(group: string): Promise<void> {
    for (const [key, q] of this.queues) if (key.startsWith(group + '\u0000')) this.queues.delete(key) && q.reset(0);
    await this.journal({ k: 'X', g: group });
  }

  groupQueues(group: string): GroupQueueState[] {
    const out: GroupQueueState[] = [];
    const now = this.o.clock.now();
    for (const [key, q] of this.queues) {
      if (!key.startsWith(group + '\u0000')) continue;
      const maxOffset = this.o.store.maxQueueOffset(q.topic, q.queueId);
      // Counted at `now`: an entry whose invisible time is over waits for redelivery even before a receive notices.
      let inFlight = 0;
      let retrying = 0;
      for (const e of q.entries.values()) {
        if (e.inflight && e.visibleAt > now) inFlight++;
        else if (e.attempt > 0) retrying++;
      }
      out.push({
        topic: q.topic,
        queueId: q.queueId,
        offset: q.ackOffset,
        maxOffset,
        lag: Math.max(0, maxOffset - q.ackOffset),
        inFlight,
        retrying,
        deadLettered: q.deadLettered,
      });
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.queueId - b.queueId);
  }

  waitingReceivers(group?: string): number {
    return this.polls.waiting(group);
  }
}

function checkInvisible(ms: number, min: number): void {
  if (!Number.isFinite(ms) || ms < min || ms > MAX_INVISIBLE_MS) {
    throw new BrokerError(
      BrokerErrorCode.ILLEGAL_INVISIBLE_TIME,
      `invisible duration must be from ${min} ms to ${MAX_INVISIBLE_MS} ms (12 h), got ${ms}`,
    );
  }
}
