/**
 * Transactional messages: half messages, end (commit/rollback), durable check-backs.
 *
 * A TRANSACTION send is stored as a half message on HALF_TOPIC (real topic/queue in properties), invisible to
 * consumers. COMMIT appends the message to its real topic and then an op record (C) on OP_TOPIC; ROLLBACK appends
 * only an op record (R). The half + op pair means "finished"; nothing is edited in place. Ending is idempotent per
 * transaction id: the first outcome wins, a repeat answers OK and writes nothing, the opposite is refused.
 *
 * Pending half messages live in memory, rebuilt at start from a snapshot plus a replay of both system topics, then
 * reconciled against the durable record: an op record found by key (the transaction id is the op record's key)
 * finishes it, and a real-topic copy found by message id (a crash between the commit's two appends) is finished
 * with the missing op record — so a crash never loses a commit, never delivers a message twice and never lets a
 * rolled-back message through.
 */
import { join } from 'node:path';
import type { AppendInput, AppendResult, MessageStore, StoredMessage } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { BrokerError, BrokerErrorCode } from '../errors.js';
import { SysFlag, toMessageView } from '../message-codec.js';
import { MetadataFile } from '../metadata-file.js';
import { Prop } from '../properties.js';
import type { MessageView } from '../types.js';
import type { CheckBackChannel } from './check-channel.js';
import {
  CHECK_MAX_TIME_TOPIC,
  HALF_TOPIC,
  OP_TOPIC,
  type EndSource,
  type OpKind,
  type OpRecord,
  type Resolution,
  type TransactionOptions,
} from './constants.js';

export interface PendingTransaction {
  transactionId: string;
  messageId: string;
  /** Commit-log offset of the half message. */
  halfOffset: number;
  topic: string;
  queueId: number;
  producerGroup: string;
  /** Address of the producer that sent the half message (its born host). */
  bornHost?: string;
  bornAt: number;
  immunityMs: number;
  checks: number;
  lastCheckAt: number;
  /** A check-back was sent and not answered yet. */
  awaitingAnswer: boolean;
  /** Gave up after the max checks: on TRANS_CHECK_MAX_TIME_TOPIC, still endable by its producer or an operator. */
  gaveUp: boolean;
}

export interface TransactionStats {
  /** Half messages waiting for an end or a check-back (given-up ones excluded). */
  pending: number;
  /** Half messages given up after the max checks and not ended since (they wait for an operator). */
  givenUp: number;
  commits: number;
  rollbacks: number;
  checksSent: number;
  checksAnswered: number;
  checksTimedOut: number;
  checksSkippedNoProducer: number;
  giveUps: number;
}

interface SnapshotV1 {
  version: 1;
  halfScanFrom: number;
  opScanFrom: number;
  pending: PendingTransaction[];
}

export interface TransactionServiceOptions extends TransactionOptions {
  store: MessageStore;
  configDir: string;
  clock: Clock;
  logger: Logger;
  storeHost: string;
  /** Registers TRANS_CHECK_MAX_TIME_TOPIC with the topic registry so operators can read it. */
  ensureCheckMaxTimeTopic(): Promise<void>;
}

const FINISHED_CACHE_MAX = 100_000;
const MAX_INFLIGHT_CHECKS = 10_000;

export class TransactionService {
  private readonly pending = new Map<string, PendingTransaction>();
  /** Recently finished transactions (the durable answer is the op record, found by key). */
  private readonly finished = new Map<string, OpKind>();
  /** Ends in progress per transaction id, so two concurrent ends of one transaction run one after the other. */
  private readonly ending = new Map<string, Promise<void>>();
  private readonly prepareBounds = new Set<{ bound: number }>();
  private readonly snapshotFile: MetadataFile<SnapshotV1>;
  /** Tried in order; the first that reaches a live producer of the group takes the check. */
  private channels: CheckBackChannel[] = [];
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  /** Pending transactions whose half message this process stored and that no end has touched yet. */
  private readonly fresh = new Set<string>();
  private dirty = false;
  private closed = false;
  private lastNoProducerLog = 0;
  readonly stats: Omit<TransactionStats, 'pending' | 'givenUp'> = {
    commits: 0,
    rollbacks: 0,
    checksSent: 0,
    checksAnswered: 0,
    checksTimedOut: 0,
    checksSkippedNoProducer: 0,
    giveUps: 0,
  };

  constructor(private readonly o: TransactionServiceOptions) {
    this.snapshotFile = new MetadataFile(join(o.configDir, 'transactions.json'));
  }

  setCheckBackChannel(channel: CheckBackChannel): void {
    this.channels = [channel];
  }

  /** Adds a protocol's channel in front of the others (remoting producers name their group; gRPC ones do not). */
  addCheckBackChannel(channel: CheckBackChannel): void {
    this.channels.unshift(channel);
  }

  private sendCheck(producerGroup: string, view: MessageView, transactionId: string): boolean {
    for (const c of this.channels) if (c.sendCheck(producerGroup, view, transactionId)) return true;
    return false;
  }

  snapshotStats(): TransactionStats {
    let givenUp = 0;
    for (const p of this.pending.values()) if (p.gaveUp) givenUp++;
    return { pending: this.pending.size - givenUp, givenUp, ...this.stats };
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    const snap = await this.snapshotFile.load();
    for (const p of snap?.pending ?? []) this.pending.set(p.transactionId, { ...p, awaitingAnswer: false });
    let halves = 0;
    for await (const half of this.scan(HALF_TOPIC, snap?.halfScanFrom ?? 0)) {
      const tx = half.properties[Prop.TRANSACTION_ID];
      if (!tx || this.pending.has(tx)) continue;
      this.pending.set(tx, this.pendingFrom(half, tx));
      halves++;
    }
    let ops = 0;
    for await (const rec of this.scan(OP_TOPIC, snap?.opScanFrom ?? 0)) {
      const op = parseOp(rec);
      if (op) this.applyOp(op);
      ops++;
    }
    // Reconcile every pending half message with the durable record (see the file comment).
    let reconciled = 0;
    for (const p of [...this.pending.values()]) {
      const done = await this.durableOutcome(p.transactionId);
      if (done && done !== 'K') {
        this.applyOp({ k: done, tx: p.transactionId, half: p.halfOffset });
        reconciled++;
        continue;
      }
      if (await this.realCopyExists(p)) {
        await this.appendOp({ k: 'C', tx: p.transactionId, half: p.halfOffset });
        this.applyOp({ k: 'C', tx: p.transactionId, half: p.halfOffset });
        reconciled++;
        this.o.logger.warn({ transactionId: p.transactionId }, 'commit finished by recovery: the real message was written, its op record was not');
      }
    }
    this.o.logger.info({ pending: this.pending.size, halvesReplayed: halves, opsReplayed: ops, reconciled }, 'transactions loaded');
    await this.snapshot();
    this.timer = setInterval(() => void this.scanForChecks(), this.o.scanIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.ending.values()]);
    await this.snapshot();
  }

  private async *scan(topic: string, from: number): AsyncGenerator<StoredMessage> {
    const store = this.o.store;
    let offset = Math.max(from, store.minQueueOffset(topic, 0));
    const max = store.maxQueueOffset(topic, 0);
    while (offset < max) {
      const batch = await store.readQueue(topic, 0, offset, 256);
      if (batch.length === 0) return;
      for (const e of batch) {
        offset = e.queueOffset + 1;
        const m = await store.readQueued(e.commitLogOffset);
        if (m) yield m;
      }
    }
  }

  private async snapshot(): Promise<void> {
    this.dirty = false;
    await this.snapshotFile.save(() => {
      let halfScanFrom = this.o.store.maxQueueOffset(HALF_TOPIC, 0);
      for (const b of this.prepareBounds) halfScanFrom = Math.min(halfScanFrom, b.bound);
      return {
        version: 1,
        halfScanFrom,
        opScanFrom: this.o.store.maxQueueOffset(OP_TOPIC, 0),
        pending: [...this.pending.values()],
      };
    });
  }

  /** Lowest commit-log offset pending half messages still need. */
  protectedOffset(): number {
    let min = Number.MAX_SAFE_INTEGER;
    for (const p of this.pending.values()) if (p.halfOffset < min) min = p.halfOffset;
    return min;
  }

  // ------------------------------------------------------------------ prepare

  /**
   * Stores a half message for `record` (addressed to its real topic/queue). `immunityMs` is the producer's
   * orphaned-transaction recovery duration, if it sent one.
   */
  /** Stores the half message; resolves with where it went (the half topic's queue offset is what send reports). */
  async prepare(record: AppendInput, transactionId: string, producerGroup: string, immunityMs: number | undefined): Promise<AppendResult> {
    const props: Record<string, string> = {
      ...record.properties,
      [Prop.REAL_TOPIC]: record.topic,
      [Prop.REAL_QUEUE_ID]: String(record.queueId),
      [Prop.TRANSACTION_PREPARED]: 'true',
      [Prop.TRANSACTION_ID]: transactionId,
      [Prop.PRODUCER_GROUP]: producerGroup,
    };
    if (immunityMs !== undefined) props[Prop.CHECK_IMMUNITY_MS] = String(Math.min(Math.max(0, immunityMs), this.o.maxCheckImmunityMs));
    const bound = { bound: this.o.store.maxQueueOffset(HALF_TOPIC, 0) };
    this.prepareBounds.add(bound);
    try {
      const r = await this.o.store.append({
        ...record,
        topic: HALF_TOPIC,
        queueId: 0,
        sysFlag: record.sysFlag | SysFlag.TRANSACTION_PREPARED,
        properties: props,
      });
      const half: StoredMessage = { ...record, topic: HALF_TOPIC, queueId: 0, properties: props, ...r, tagsCode: 0 };
      this.pending.set(transactionId, this.pendingFrom(half, transactionId));
      this.fresh.add(transactionId);
      this.dirty = true;
      return r;
    } finally {
      this.prepareBounds.delete(bound);
    }
  }

  private pendingFrom(half: StoredMessage, tx: string): PendingTransaction {
    const p = half.properties;
    const imm = p[Prop.CHECK_IMMUNITY_MS];
    return {
      transactionId: tx,
      messageId: p[Prop.UNIQ_KEY] ?? '',
      halfOffset: half.commitLogOffset,
      topic: p[Prop.REAL_TOPIC] ?? '',
      queueId: Number(p[Prop.REAL_QUEUE_ID] ?? 0),
      producerGroup: p[Prop.PRODUCER_GROUP] ?? p[Prop.REAL_TOPIC] ?? '',
      bornHost: half.bornHost,
      bornAt: half.storeTimestamp,
      immunityMs: imm !== undefined ? Math.min(Number(imm), this.o.maxCheckImmunityMs) : this.o.checkImmunityMs,
      checks: Number(p[Prop.TRANSACTION_CHECK_TIMES] ?? 0),
      lastCheckAt: 0,
      awaitingAnswer: false,
      gaveUp: false,
    };
  }

  // ------------------------------------------------------------------ end

  /** Ends a transaction (COMMIT or ROLLBACK), idempotently per transaction id. */
  async end(req: { transactionId: string; topic?: string; messageId?: string; resolution: Resolution | undefined; source: EndSource }): Promise<void> {
    const tx = req.transactionId;
    if (typeof tx !== 'string' || tx.length === 0 || tx.length > 128 || /[\s\u0000-\u001f]/.test(tx)) {
      throw new BrokerError(BrokerErrorCode.INVALID_TRANSACTION_ID, 'transaction id is empty or malformed');
    }
    if (req.resolution !== 'COMMIT' && req.resolution !== 'ROLLBACK') {
      throw new BrokerError(BrokerErrorCode.INVALID_TRANSACTION_ID, `transaction resolution must be COMMIT or ROLLBACK, got ${String(req.resolution ?? 'UNSPECIFIED')}; the transaction stays pending`);
    }
    for (let prev = this.ending.get(tx); prev; prev = this.ending.get(tx)) await prev.catch(() => undefined);
    const work = this.endOnce({ ...req, resolution: req.resolution });
    this.ending.set(tx, work);
    try {
      await work;
    } finally {
      if (this.ending.get(tx) === work) this.ending.delete(tx);
    }
  }

  private async endOnce(req: { transactionId: string; topic?: string; messageId?: string; resolution: Resolution; source: EndSource }): Promise<void> {
    const tx = req.transactionId;
    const wanted: OpKind = req.resolution === 'COMMIT' ? 'C' : 'R';
    const p = this.pending.get(tx);
    if (!p) {
      const outcome = this.finished.get(tx) ?? (await this.durableOutcome(tx));
      if (outcome === wanted) return; // a repeat of the outcome already recorded: OK, nothing written
      if (outcome === 'C' || outcome === 'R') {
        const msg = `transaction ${tx} was already ${outcome === 'C' ? 'committed' : 'rolled back'}; ${req.resolution} refused`;
        this.o.logger.warn({ transactionId: tx, source: req.source, resolution: req.resolution }, msg);
        throw new BrokerError(BrokerErrorCode.INVALID_TRANSACTION_ID, msg);
      }
      throw new BrokerError(BrokerErrorCode.INVALID_TRANSACTION_ID, `unknown transaction id '${tx}'`);
    }
    if (req.topic !== undefined && req.topic !== p.topic) {
      throw new BrokerError(BrokerErrorCode.INVALID_TRANSACTION_ID, `transaction ${tx} belongs to topic '${p.topic}', not '${req.topic}'`);
    }
    if (req.messageId !== undefined && req.messageId !== '' && req.messageId !== p.messageId) {
      throw new BrokerError(BrokerErrorCode.ILLEGAL_MESSAGE_ID, `transaction ${tx} is for message '${p.messageId}', not '${req.messageId}'`);
    }
    if (req.source === 'check' && p.awaitingAnswer) this.stats.checksAnswered++;
    // Only the first end of a half message prepared by this process can be sure no real copy exists yet.
    const fresh = this.fresh.delete(tx);
    const op: OpRecord = { k: wanted, tx, half: p.halfOffset };
    if (wanted === 'C') {
      const half = await this.o.store.readQueued(p.halfOffset);
      if (!half) throw new BrokerError(BrokerErrorCode.INTERNAL_ERROR, `half message of transaction ${tx} is gone from the store`);
      if (fresh) {
        await this.appendRealAndOp(this.realRecord(half), op);
      } else {
        if (!(await this.realCopyExists(p))) await this.o.store.append(this.realRecord(half));
        await this.appendOp(op);
      }
      this.stats.commits++;
    } else {
      this.stats.rollbacks++;
      await this.appendOp(op);
    }
    this.applyOp(op);
    this.o.logger.debug({ transactionId: tx, resolution: req.resolution, source: req.source }, 'transaction ended');
  }

  /**
   * A commit's real copy and its op record queued in the same tick: the store writes them in one batch with one
   * fdatasync, the copy first. A torn batch can keep the copy without the op (start() then finishes the commit),
   * never the op without the copy. The copy is no larger than its half message, which this process stored under
   * the same limits, so the store cannot refuse the copy alone for its size.
   */
  private async appendRealAndOp(real: AppendInput, op: OpRecord): Promise<void> {
    const [copy, opDone] = await Promise.allSettled([this.o.store.append(real), this.appendOp(op)]);
    if (copy.status === 'rejected') throw copy.reason;
    if (opDone.status === 'rejected') throw opDone.reason;
  }

  /** The message as it goes to its real topic: no longer prepared, still carrying its transaction id. */
  private realRecord(half: StoredMessage): AppendInput {
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(half.properties)) {
      if (k === Prop.TRANSACTION_PREPARED || k === Prop.REAL_TOPIC || k === Prop.REAL_QUEUE_ID || k === Prop.CHECK_IMMUNITY_MS || k === Prop.TRANSACTION_CHECK_TIMES) continue;
      props[k] = v;
    }
    return {
      topic: half.properties[Prop.REAL_TOPIC] ?? '',
      queueId: Number(half.properties[Prop.REAL_QUEUE_ID] ?? 0),
      flag: half.flag,
      sysFlag: (half.sysFlag & ~SysFlag.TRANSACTION_ROLLBACK) | SysFlag.TRANSACTION_COMMIT,
      bornTimestamp: half.bornTimestamp,
      bornHost: half.bornHost,
      storeHost: half.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: half.commitLogOffset,
      properties: props,
      body: half.body,
    };
  }

  private async realCopyExists(p: PendingTransaction): Promise<boolean> {
    if (!p.messageId) return false;
    const found = await this.o.store.queryByUniqKey(p.messageId, 16);
    return found.some((m) => m.topic === p.topic && m.properties[Prop.TRANSACTION_ID] === p.transactionId);
  }

  /** The recorded outcome of a transaction from its op records (found by key), if any. */
  private async durableOutcome(tx: string): Promise<OpKind | undefined> {
    const ops = await this.o.store.queryByKey(OP_TOPIC, tx, 32);
    let outcome: OpKind | undefined;
    for (const m of ops) {
      const op = parseOp(m);
      if (!op || op.tx !== tx) continue;
      if (op.k === 'C' || op.k === 'R') return op.k;
      if (op.k === 'G') outcome = 'G';
    }
    return outcome;
  }

  private async appendOp(op: OpRecord): Promise<void> {
    const now = this.o.clock.now();
    await this.o.store.append({
      topic: OP_TOPIC,
      queueId: 0,
      flag: 0,
      sysFlag: 0,
      bornTimestamp: now,
      bornHost: '',
      storeHost: this.o.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: op.half,
      // RocketMQ tags op messages 'd'; the transaction id as key makes the outcome findable after restarts.
      properties: { [Prop.TAGS]: 'd', [Prop.KEYS]: op.tx },
      body: Buffer.from(JSON.stringify(op)),
    });
    this.dirty = true;
  }

  private applyOp(op: OpRecord): void {
    const p = this.pending.get(op.tx);
    switch (op.k) {
      case 'C':
      case 'R':
        this.pending.delete(op.tx);
        this.fresh.delete(op.tx);
        this.finished.set(op.tx, op.k);
        if (this.finished.size > FINISHED_CACHE_MAX) {
          const oldest = this.finished.keys().next();
          if (!oldest.done) this.finished.delete(oldest.value);
        }
        break;
      case 'K':
        if (p && op.n !== undefined) p.checks = Math.max(p.checks, op.n);
        break;
      case 'G':
        if (p) p.gaveUp = true;
        break;
    }
    this.dirty = true;
  }

  // ------------------------------------------------------------------ check-back

  /** One pass of the check-back scheduler. Public for tests and operators ("check now"). */
  async scanForChecks(): Promise<void> {
    if (this.scanning || this.closed) return;
    this.scanning = true;
    try {
      if (this.dirty) await this.snapshot();
      const now = this.o.clock.now();
      let sent = 0;
      let inflight = 0;
      for (const p of this.pending.values()) if (p.awaitingAnswer && now - p.lastCheckAt < this.o.checkIntervalMs) inflight++;
      let noProducer = 0;
      for (const p of [...this.pending.values()]) {
        if (this.closed || sent >= this.o.maxChecksPerScan || inflight >= MAX_INFLIGHT_CHECKS) break;
        if (p.gaveUp || this.ending.has(p.transactionId)) continue; // an end in progress is never checked
        if (now - p.bornAt < p.immunityMs) continue;
        if (p.lastCheckAt > 0 && now - p.lastCheckAt < this.o.checkIntervalMs) continue;
        if (p.awaitingAnswer) {
          this.stats.checksTimedOut++;
          p.awaitingAnswer = false;
        }
        if (p.checks >= this.o.maxChecks) {
          await this.giveUp(p);
          continue;
        }
        const half = await this.o.store.readQueued(p.halfOffset);
        if (!half) continue;
        if (!this.pending.has(p.transactionId) || this.ending.has(p.transactionId)) continue; // ended while we read
        const view = this.checkView(half);
        if (!this.sendCheck(p.producerGroup, view, p.transactionId)) {
          noProducer++;
          this.stats.checksSkippedNoProducer++;
          continue;
        }
        p.checks++;
        p.lastCheckAt = now;
        p.awaitingAnswer = true;
        sent++;
        inflight++;
        this.stats.checksSent++;
        await this.appendOp({ k: 'K', tx: p.transactionId, half: p.halfOffset, n: p.checks });
      }
      if (noProducer > 0 && now - this.lastNoProducerLog > 10_000) {
        this.lastNoProducerLog = now;
        this.o.logger.warn({ halfMessages: noProducer }, 'check-back skipped: no live producer of the group (not counted as a check)');
      }
    } catch (err) {
      this.o.logger.error({ err }, 'check-back scan failed');
    } finally {
      this.scanning = false;
    }
  }

  /** The half message as its producer sees it: its real topic, its transaction id as a property. */
  private checkView(half: StoredMessage): MessageView {
    const v = toMessageView(half);
    v.topic = half.properties[Prop.REAL_TOPIC] ?? v.topic;
    v.queueId = Number(half.properties[Prop.REAL_QUEUE_ID] ?? 0);
    v.messageType = 'TRANSACTION';
    return v;
  }

  private async giveUp(p: PendingTransaction): Promise<void> {
    const half = await this.o.store.readQueued(p.halfOffset);
    if (half) {
      await this.o.ensureCheckMaxTimeTopic();
      await this.o.store.append({
        ...half,
        topic: CHECK_MAX_TIME_TOPIC,
        queueId: 0,
        properties: { ...half.properties, [Prop.TRANSACTION_CHECK_TIMES]: String(p.checks) },
      });
    }
    await this.appendOp({ k: 'G', tx: p.transactionId, half: p.halfOffset });
    this.applyOp({ k: 'G', tx: p.transactionId, half: p.halfOffset });
    this.stats.giveUps++;
    this.o.logger.warn({ transactionId: p.transactionId, topic: p.topic, checks: p.checks }, `no answer after ${p.checks} check-backs: half message moved to ${CHECK_MAX_TIME_TOPIC}`);
  }

  // ------------------------------------------------------------------ operators

  listPending(topic?: string): PendingTransaction[] {
    const out: PendingTransaction[] = [];
    for (const p of this.pending.values()) if (topic === undefined || p.topic === topic) out.push({ ...p });
    return out.sort((a, b) => a.bornAt - b.bornAt);
  }

  /**
   * The half messages on TRANS_CHECK_MAX_TIME_TOPIC (oldest first, one per transaction), each with what became
   * of its transaction since: still waiting for an operator, or ended by its producer or an operator.
   */
  async listGivenUp(topic?: string, max = 1000): Promise<GivenUpTransaction[]> {
    const seen = new Map<string, GivenUpTransaction>();
    for await (const m of this.scan(CHECK_MAX_TIME_TOPIC, 0)) {
      const tx = m.properties[Prop.TRANSACTION_ID];
      const realTopic = m.properties[Prop.REAL_TOPIC] ?? '';
      // A crash between the copy and its G op record gives up twice: show the transaction once.
      if (!tx || seen.has(tx) || (topic !== undefined && realTopic !== topic)) continue;
      seen.set(tx, {
        transactionId: tx,
        messageId: m.properties[Prop.UNIQ_KEY] ?? '',
        topic: realTopic,
        queueId: Number(m.properties[Prop.REAL_QUEUE_ID] ?? 0),
        producerGroup: m.properties[Prop.PRODUCER_GROUP] ?? realTopic,
        bornHost: m.bornHost,
        bornAt: m.bornTimestamp,
        givenUpAt: m.storeTimestamp,
        checks: Number(m.properties[Prop.TRANSACTION_CHECK_TIMES] ?? 0),
        bodySize: m.body.length,
        state: 'given-up',
      });
      if (seen.size >= max) break;
    }
    for (const g of seen.values()) {
      if (this.pending.has(g.transactionId)) continue;
      const outcome = this.finished.get(g.transactionId) ?? (await this.durableOutcome(g.transactionId));
      if (outcome === 'C') g.state = 'committed';
      else if (outcome === 'R') g.state = 'rolled-back';
    }
    return [...seen.values()];
  }

  /**
   * Operator: sends a given-up half message to its real topic (a COMMIT with the usual idempotency: a repeat is
   * OK and writes nothing, a rolled-back transaction is refused). Only given-up transactions: a pending one that
   * is still being checked is committed with `end` (apogee tx commit), so nobody resends one by mistake.
   */
  async resendGivenUp(transactionId: string): Promise<void> {
    const p = this.pending.get(transactionId);
    if (p && !p.gaveUp) {
      throw new BrokerError(
        BrokerErrorCode.INVALID_TRANSACTION_ID,
        `transaction ${transactionId} was not given up (${p.checks} of ${this.o.maxChecks} check-backs so far); commit it instead`,
      );
    }
    await this.end({ transactionId, resolution: 'COMMIT', source: 'operator' });
    this.o.logger.info({ transactionId }, `given-up transaction resent to its real topic by an operator`);
  }
}

export interface GivenUpTransaction {
  transactionId: string;
  messageId: string;
  topic: string;
  queueId: number;
  producerGroup: string;
  bornHost: string;
  bornAt: number;
  /** When the half message was moved to TRANS_CHECK_MAX_TIME_TOPIC. */
  givenUpAt: number;
  checks: number;
  bodySize: number;
  /** given-up: waits for an operator; committed / rolled-back: ended since (by its producer or an operator). */
  state: 'given-up' | 'committed' | 'rolled-back';
}

function parseOp(m: StoredMessage): OpRecord | undefined {
  try {
    const v = JSON.parse(m.body.toString('utf8')) as OpRecord;
    return typeof v.tx === 'string' && typeof v.k === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
