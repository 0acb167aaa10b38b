/**
 * Durable delay / timer messages.
 *
 * ## Where timers live
 * A scheduled message is appended to the system topic `rmq_sys_wheel_timer` (queue 0) with its real topic/queue
 * in properties and its delivery time as the consume-queue tag code. When a timer finishes — delivered to its
 * real topic, recalled, or dropped — an op record naming it (tag code = the timer's commit-log offset, its
 * "timer id") is appended to `rmq_sys_timer_op` (queue 0). Pending = timer records without an op record.
 * In memory the pending timers sit in two indexed min-heaps: by due time (what fires next; one setTimeout armed
 * for the earliest drives the whole service) and by queue offset (the checkpoint).
 *
 * ## Restart
 * A small checkpoint file holds (timerQueueOffset, opQueueOffset): every timer below the first is finished, and
 * every op below the second finishes a timer below the first. Replay reads op consume-queue entries from the
 * op offset (collecting finished timer ids), then timer consume-queue entries from the timer offset; each
 * timer not finished is pending again. Only 20-byte consume-queue entries are read, no records. The checkpoint is
 * the lowest pending timer's queue offset and, for ops, the op queue's length when that timer's append was
 * issued — an op for a timer is only ever appended after the timer's own append resolved, and the store assigns
 * offsets in call order, so no op needed for a timer at or above the checkpoint lies below that length.
 * One long timer would pin that checkpoint (a 24 h timer among many short ones → replay of a day's log), so
 * when the replay window grows past max(snapshotMinWindow, 2 × pending) the checkpoint instead names a snapshot
 * file of all pending timers plus the queue lengths at that moment (minus appends still in flight).
 *
 * ## Exactly-once delivery across crashes
 * Delivery is: read the timer record → `deliver` (the broker appends the real copy, same UNIQ_KEY) → append the
 * op record. A crash between the real copy and the op leaves a timer that looks pending but was delivered. So
 * before delivering a timer that may already have been delivered — every timer recovered by replay whose time had
 * come at restart, and every timer whose earlier `deliver` or op append failed — the service looks the UNIQ_KEY up
 * (`queryByUniqKey`) for a copy on the real topic stored after the timer record; if there is one it only writes
 * the op. Timers scheduled in this run and delivered on the first try skip the look-up.
 *
 * ## Failures
 * `deliver` rejecting with a non-retriable BrokerError (topic deleted, no permission) drops the timer (logged,
 * with a durable `dropped` op: retrying cannot help). Any other failure is retried with exponential backoff up to
 * `maxDeliveryAttempts`, then dropped. A failed op append after a successful delivery is retried without limit
 * (the look-up above makes the retry harmless).
 */
import { dirname, join } from 'node:path';
import type { AppendInput, AppendResult, MessageStore, StoredMessage } from '../../store/types.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { BrokerError, BrokerErrorCode, isBrokerError } from '../errors.js';
import { Prop } from '../properties.js';
import { TimerCheckpointFile, TIMER_CHECKPOINT_VERSION, type TimerCheckpoint } from './checkpoint.js';
import { encodeSnapshot, readSnapshot, removeOtherSnapshots, snapshotFileName, writeSnapshot } from './snapshot.js';
import { IndexedHeap } from './indexed-heap.js';
import { decodeRecallHandle, encodeRecallHandle } from './recall-handle.js';
import {
  TIMER_OP_QUEUE_ID,
  TIMER_OP_TOPIC,
  TIMER_QUEUE_ID,
  TIMER_TOPIC,
  realTopicOf,
  toOpAppendInput,
  toTimerAppendInput,
  type TimerOpKind,
} from './timer-record.js';

const HOUR = 3_600_000;
/** setTimeout's largest delay (2^31-1 ms); longer waits just re-arm. */
const MAX_TIMEOUT_MS = 2_147_483_647;
const REPLAY_BATCH = 1024;

export interface TimerServiceOptions {
  store: MessageStore;
  logger: Logger;
  clock?: Clock;
  /**
   * Called when a timer is due: append the message to its real topic/queue (`toRealAppendInput(timerRecord)`
   * rebuilds it; keep its UNIQ_KEY). The timer counts as delivered once this resolves. Reject with a
   * non-retriable BrokerError to drop the timer, with anything else to have it retried.
   */
  deliver(timerRecord: StoredMessage): Promise<void>;
  /** Largest accepted distance of a delivery time into the future (default 24 h). */
  maxDelayMs?: number;
  /**
   * Timers being delivered at once (default 256); due timers beyond wait their turn. Each delivery is two
   * durable appends in a row, so with group commit this is what sets delivery throughput; it also bounds the
   * record bodies held in memory (× the store's max message size in the worst case).
   */
  maxConcurrentDeliveries?: number;
  /** Pending timers accepted before `schedule` answers TOO_MANY_REQUESTS (default 1,000,000). */
  maxPending?: number;
  /** Default `<store.dataDir>/config/timerCheckpoint.json`. */
  checkpointPath?: string;
  /** How often a changed checkpoint is written (default 1000 ms). Only affects replay length after a crash. */
  checkpointIntervalMs?: number;
  /**
   * Replay length (log entries) a plain checkpoint may imply before a snapshot of pending timers is written
   * instead (default 20,000; the bar is max(this, 2 × pending)).
   */
  snapshotMinWindow?: number;
  /** Attempts of a failing `deliver` before the timer is dropped (default 10). */
  maxDeliveryAttempts?: number;
  /** First retry delay after a failed `deliver`, doubled per attempt (default 1000 ms). */
  retryInitialBackoffMs?: number;
  /** Cap of the retry delay (default 60 s). */
  retryMaxBackoffMs?: number;
  /** Written as born/store host of op records. */
  storeHost?: string;
}

export interface ScheduleResult extends AppendResult {
  /** Opaque handle for `recall` while the message is pending. */
  recallHandle: string;
  /** The message's UNIQ_KEY (one is generated when the input had none). */
  messageId: string;
}

export interface TimerStats {
  pending: number;
  delivering: number;
  delivered: number;
  recalled: number;
  dropped: number;
  /** Failed deliveries that were scheduled again. */
  retried: number;
  /** Timers found pending by the last start. */
  recovered: number;
  /** Recovered timers found already delivered (real copy present) and not delivered again. */
  deduplicated: number;
  /** Snapshot entries + timer and op consume-queue entries the last start read. */
  replayEntries: number;
}

type EntryState = 'waiting' | 'delivering' | 'recalling' | 'done';

/** One pending timer. Kept small: topic and message id stay in the commit log. */
interface TimerEntry {
  /** Commit-log offset of the timer record: the timer's identity. */
  timerId: number;
  /** Queue offset in the timer topic (orders the checkpoint). */
  queueOffset: number;
  /** Durable delivery time. */
  deliverAt: number;
  /** When to try next: deliverAt, or later after a failed attempt. */
  dueAt: number;
  /** Op queue length when this timer's append was issued (see the header comment). */
  opFloor: number;
  /** Op queue length when this timer's op append was issued (while it is in flight). */
  finishFloor: number;
  state: EntryState;
  /** The real copy may already exist: look it up before delivering. */
  verifyFirst: boolean;
  attempts: number;
  timeIdx: number;
  offsetIdx: number;
}

function byDue(a: TimerEntry, b: TimerEntry): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.queueOffset < b.queueOffset);
}

function byQueueOffset(a: TimerEntry, b: TimerEntry): boolean {
  return a.queueOffset < b.queueOffset;
}

type ServiceState = 'new' | 'starting' | 'running' | 'closing' | 'closed';

export class TimerService {
  private readonly store: MessageStore;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly deliver: (timerRecord: StoredMessage) => Promise<void>;
  readonly maxDelayMs: number;
  private readonly maxConcurrent: number;
  private readonly maxPending: number;
  private readonly checkpointIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly storeHost: string;
  private readonly checkpoint: TimerCheckpointFile;
  private readonly checkpointDir: string;
  private readonly snapshotMinWindow: number;
  /** The checkpoint on disk (what a restart would replay from). */
  private current: TimerCheckpoint | undefined;
  /** Serializes checkpoint writes (snapshot file, then checkpoint, then old snapshot removal). */
  private checkpointChain: Promise<void> = Promise.resolve();

  private state: ServiceState = 'new';
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;

  private readonly pending = new Map<number, TimerEntry>();
  private readonly byTime = new IndexedHeap<TimerEntry>(byDue, {
    get: (e) => e.timeIdx,
    set: (e, i) => void (e.timeIdx = i),
  });
  private readonly byOffset = new IndexedHeap<TimerEntry>(byQueueOffset, {
    get: (e) => e.offsetIdx,
    set: (e, i) => void (e.offsetIdx = i),
  });
  /** Schedules whose append is in flight: their provisional offsets hold the checkpoint back. */
  private readonly scheduling = new Set<TimerEntry>();
  /** Timers whose op append is in flight: their finish floors hold a snapshot checkpoint's op offset back. */
  private readonly finishing = new Set<TimerEntry>();

  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = 0;
  private delivering = 0;
  /** Operations (schedule, delivery, recall) in flight; close waits for them. */
  private busy = 0;
  private onIdle: (() => void) | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  private readonly counters: Omit<TimerStats, 'pending' | 'delivering'> = {
    delivered: 0,
    recalled: 0,
    dropped: 0,
    retried: 0,
    recovered: 0,
    deduplicated: 0,
    replayEntries: 0,
  };

  constructor(options: TimerServiceOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.deliver = options.deliver;
    this.maxDelayMs = positive('maxDelayMs', options.maxDelayMs ?? 24 * HOUR);
    this.maxConcurrent = positive('maxConcurrentDeliveries', options.maxConcurrentDeliveries ?? 256);
    this.maxPending = positive('maxPending', options.maxPending ?? 1_000_000);
    this.checkpointIntervalMs = positive('checkpointIntervalMs', options.checkpointIntervalMs ?? 1000);
    this.maxAttempts = positive('maxDeliveryAttempts', options.maxDeliveryAttempts ?? 10);
    this.retryInitialMs = positive('retryInitialBackoffMs', options.retryInitialBackoffMs ?? 1000);
    this.retryMaxMs = positive('retryMaxBackoffMs', options.retryMaxBackoffMs ?? 60_000);
    this.storeHost = options.storeHost ?? '';
    this.snapshotMinWindow = positive('snapshotMinWindow', options.snapshotMinWindow ?? 20_000);
    const ckPath = options.checkpointPath ?? join(options.store.dataDir, 'config', 'timerCheckpoint.json');
    this.checkpoint = new TimerCheckpointFile(ckPath);
    this.checkpointDir = dirname(ckPath);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Rebuilds pending timers from the commit log (after a crash too) and starts delivering. Idempotent. */
  start(): Promise<void> {
    if (this.closePromise) return Promise.reject(unavailable('timer service is closed'));
    this.startPromise ??= this.replay();
    return this.startPromise;
  }

  /** Stops firing, waits for deliveries/recalls/schedules in flight, writes the checkpoint. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    const started = this.startPromise ? await this.startPromise.then(() => true, () => false) : false;
    this.state = 'closing';
    this.disarm();
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = undefined;
    if (this.busy > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    if (started) await this.writeCheckpoint();
    this.state = 'closed';
  }

  private async replay(): Promise<void> {
    this.state = 'starting';
    const t0 = Date.now();
    const ck = await this.checkpoint.load();
    this.current = ck;
    const s = this.store;
    const timerMax = s.maxQueueOffset(TIMER_TOPIC, TIMER_QUEUE_ID);
    const opStart = clamp(ck?.opQueueOffset ?? 0, s.minQueueOffset(TIMER_OP_TOPIC, TIMER_OP_QUEUE_ID), s.maxQueueOffset(TIMER_OP_TOPIC, TIMER_OP_QUEUE_ID));
    const timerStart = clamp(ck?.timerQueueOffset ?? 0, s.minQueueOffset(TIMER_TOPIC, TIMER_QUEUE_ID), timerMax);
    const found = new Map<number, TimerEntry>();

    // 1. Timers pending at the snapshot (if the checkpoint has one). Entries past the log's end are dropped: the
    //    store lost that tail (power loss in async flush mode), and their offsets will be reused.
    let fromSnapshot = 0;
    if (ck?.snapshot !== undefined) {
      const logEnd = s.stats().commitLogMaxOffset;
      for (const se of await readSnapshot(this.checkpointDir, ck.snapshot)) {
        if (se.queueOffset >= timerMax || se.timerId >= logEnd) continue;
        found.set(se.timerId, newEntry(se.timerId, se.queueOffset, se.deliverAt, opStart));
        fromSnapshot++;
      }
    }

    // 2. Ops since the checkpoint: timers finished since.
    const finished = new Set<number>();
    let opsRead = 0;
    for (let next = opStart; ; ) {
      const entries = await s.readQueue(TIMER_OP_TOPIC, TIMER_OP_QUEUE_ID, next, REPLAY_BATCH);
      if (entries.length === 0) break;
      for (const e of entries) {
        finished.add(e.tagsCode);
        found.delete(e.tagsCode);
      }
      opsRead += entries.length;
      next = (entries[entries.length - 1] as { queueOffset: number }).queueOffset + 1;
    }

    // 3. Timers scheduled since the checkpoint, unless finished.
    let timersRead = 0;
    for (let next = timerStart; ; ) {
      const entries = await s.readQueue(TIMER_TOPIC, TIMER_QUEUE_ID, next, REPLAY_BATCH);
      if (entries.length === 0) break;
      for (const ce of entries) {
        if (finished.has(ce.commitLogOffset) || found.has(ce.commitLogOffset)) continue;
        const deliverAt = await this.deliverAtOf(ce.commitLogOffset, ce.tagsCode);
        if (deliverAt === undefined) continue;
        found.set(ce.commitLogOffset, newEntry(ce.commitLogOffset, ce.queueOffset, deliverAt, opStart));
      }
      timersRead += entries.length;
      next = (entries[entries.length - 1] as { queueOffset: number }).queueOffset + 1;
    }

    const now = this.clock.now();
    for (const entry of found.values()) {
      // Due already: it may have been delivered just before the crash, without its op record.
      entry.verifyFirst = entry.deliverAt <= now;
      this.insert(entry);
    }
    this.counters.recovered = this.pending.size;

    // Write at once: if the store lost its tail (power loss, async flush) the old checkpoint may point past new
    // timers' offsets; the fresh one is computed from what actually exists.
    await this.writeCheckpoint();
    await removeOtherSnapshots(this.checkpointDir, this.current?.snapshot); // leftovers of a crash mid-write
    this.counters.replayEntries = fromSnapshot + timersRead + opsRead;
    if (this.closePromise) return;
    this.state = 'running';
    this.logger.info(
      { pending: this.pending.size, fromSnapshot, timersRead, opsRead, fromTimerOffset: timerStart, fromOpOffset: opStart, ms: Date.now() - t0 },
      'timer service started',
    );
    this.pump();
  }

  /** Delivery time of a replayed timer: the tag code, or the record when the tag code is not a plausible time. */
  private async deliverAtOf(timerId: number, tagsCode: number): Promise<number | undefined> {
    if (Number.isSafeInteger(tagsCode) && tagsCode > 0) return tagsCode;
    const rec = await this.store.readQueued(timerId);
    const t = rec ? Number(rec.properties[Prop.TIMER_DELIVER_MS]) : NaN;
    if (!Number.isSafeInteger(t)) {
      this.logger.error({ timerId }, 'timer record without a delivery time; ignored');
      return undefined;
    }
    return t;
  }

  // ---------------------------------------------------------------- API

  /**
   * Stores `input` (addressed to its real topic/queue) on the timer topic, to be delivered at `deliverAt`
   * (epoch ms; in the past → at once). Resolves when the timer is durable.
   */
  async schedule(input: AppendInput, deliverAt: number): Promise<ScheduleResult> {
    this.checkRunning();
    const now = this.clock.now();
    if (typeof deliverAt !== 'number' || !Number.isSafeInteger(deliverAt) || deliverAt < 0) {
      throw new BrokerError(BrokerErrorCode.ILLEGAL_DELIVERY_TIME, `delivery time ${String(deliverAt)} is not an epoch millisecond timestamp`);
    }
    if (deliverAt - now > this.maxDelayMs) {
      throw new BrokerError(
        BrokerErrorCode.ILLEGAL_DELIVERY_TIME,
        `delivery time ${new Date(deliverAt).toISOString()} is ${deliverAt - now} ms ahead; the maximum is ${this.maxDelayMs} ms`,
      );
    }
    if (this.pending.size + this.scheduling.size >= this.maxPending) {
      throw new BrokerError(BrokerErrorCode.TOO_MANY_REQUESTS, `too many pending delayed messages (${this.maxPending})`, true);
    }
    const timerInput = toTimerAppendInput(input, deliverAt);
    // Until the append resolves, this entry's provisional offsets keep the checkpoint at or below its record.
    const entry = newEntry(
      -1,
      this.store.maxQueueOffset(TIMER_TOPIC, TIMER_QUEUE_ID),
      deliverAt,
      this.store.maxQueueOffset(TIMER_OP_TOPIC, TIMER_OP_QUEUE_ID),
    );
    this.scheduling.add(entry);
    this.busy++;
    let result: AppendResult;
    try {
      result = await this.store.append(timerInput);
    } finally {
      this.scheduling.delete(entry);
      this.release();
    }
    entry.timerId = result.commitLogOffset;
    entry.queueOffset = result.queueOffset;
    this.insert(entry);
    this.markDirty();
    if (this.byTime.peek() === entry) this.arm();
    const messageId = timerInput.properties[Prop.UNIQ_KEY] as string;
    return {
      commitLogOffset: result.commitLogOffset,
      queueOffset: result.queueOffset,
      size: result.size,
      storeTimestamp: result.storeTimestamp,
      messageId,
      recallHandle: encodeRecallHandle({ topic: input.topic, timerId: result.commitLogOffset, deliverAt, messageId }),
    };
  }

  /**
   * Cancels a pending timer for good (a durable op record). A malformed handle or one of another topic is
   * BAD_REQUEST; a timer that is unknown, already delivered, being delivered or recalled is NOT_FOUND.
   */
  async recall(topic: string, recallHandle: string): Promise<void> {
    this.checkRunning();
    const h = decodeRecallHandle(recallHandle);
    if (h.topic !== topic) {
      throw new BrokerError(BrokerErrorCode.BAD_REQUEST, `recall handle belongs to topic '${h.topic}', not '${topic}'`);
    }
    const e = this.pending.get(h.timerId);
    if (e === undefined || e.deliverAt !== h.deliverAt) {
      throw new BrokerError(BrokerErrorCode.NOT_FOUND, `no pending delayed message ${h.messageId} on topic '${topic}' (already delivered, recalled or unknown)`);
    }
    if (e.state !== 'waiting') {
      throw new BrokerError(BrokerErrorCode.NOT_FOUND, `delayed message ${h.messageId} is already being ${e.state === 'delivering' ? 'delivered' : 'recalled'}`);
    }
    // Out of the due heap first, so it cannot fire while the record is checked and the op written.
    this.byTime.remove(e);
    e.state = 'recalling';
    this.busy++;
    try {
      const rec = await this.store.readQueued(e.timerId);
      if (rec === undefined || realTopicOf(rec) !== topic || rec.properties[Prop.UNIQ_KEY] !== h.messageId) {
        throw new BrokerError(BrokerErrorCode.NOT_FOUND, `no pending delayed message ${h.messageId} on topic '${topic}'`);
      }
      await this.finish(e, 'recalled', topic);
    } catch (err) {
      if (e.state === 'recalling') {
        e.state = 'waiting';
        this.byTime.push(e);
        this.arm();
      }
      throw err;
    } finally {
      this.release();
    }
  }

  /** Timers not finished yet (waiting, being delivered or being recalled). */
  pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Lowest commit-log offset pending timers still need (retention must keep it); MAX_SAFE_INTEGER when none.
   * Before `start` finished nothing is known yet, so everything is protected (0).
   */
  protectedOffset(): number {
    if (this.state === 'new' || this.state === 'starting') return 0;
    const low = this.byOffset.peek();
    return low === undefined ? Number.MAX_SAFE_INTEGER : low.timerId;
  }

  stats(): TimerStats {
    return { pending: this.pending.size, delivering: this.delivering, ...this.counters };
  }

  // ---------------------------------------------------------------- firing

  private insert(e: TimerEntry): void {
    this.pending.set(e.timerId, e);
    this.byOffset.push(e);
    this.byTime.push(e);
  }

  /** Arms the one timer for the earliest due entry (unless an earlier wake-up is already armed). */
  private arm(): void {
    if (this.state !== 'running') return;
    const top = this.byTime.peek();
    if (top === undefined || this.delivering >= this.maxConcurrent) {
      this.disarm(); // a finishing delivery calls pump again
      return;
    }
    if (this.timer !== undefined && this.timerDueAt <= top.dueAt) return;
    this.disarm();
    this.timerDueAt = top.dueAt;
    const delay = Math.min(Math.max(0, top.dueAt - this.clock.now()), MAX_TIMEOUT_MS);
    this.timer = setTimeout(this.onTimer, delay);
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.pump();
  };

  /** Starts deliveries of every due entry up to the concurrency cap, then re-arms. Never delivers early. */
  private pump(): void {
    if (this.state !== 'running') return;
    const now = this.clock.now();
    while (this.delivering < this.maxConcurrent) {
      const top = this.byTime.peek();
      if (top === undefined || top.dueAt > now) break;
      this.byTime.pop();
      top.state = 'delivering';
      this.delivering++;
      this.busy++;
      void this.deliverOne(top).then(this.afterDelivery);
    }
    this.arm();
  }

  private readonly afterDelivery = (): void => {
    this.delivering--;
    this.release();
    this.pump();
  };

  private async deliverOne(e: TimerEntry): Promise<void> {
    let delivered = false;
    let realTopic = '';
    try {
      const record = await this.store.readQueued(e.timerId);
      if (record === undefined) {
        this.logger.error({ timerId: e.timerId }, 'timer record is gone from the commit log (retention?); timer dropped');
        await this.finish(e, 'dropped', '');
        return;
      }
      realTopic = realTopicOf(record);
      if (e.verifyFirst && (await this.realCopyExists(record))) {
        delivered = true;
        this.counters.deduplicated++;
        await this.finish(e, 'delivered', realTopic);
        return;
      }
      // From here on a copy may exist even if something below fails.
      e.verifyFirst = true;
      await this.deliver(record);
      delivered = true;
      await this.finish(e, 'delivered', realTopic);
    } catch (err) {
      await this.afterFailure(e, err, delivered, realTopic);
    }
  }

  /** A copy of the timer's message on its real topic, stored after the timer record (so not an older send). */
  private async realCopyExists(record: StoredMessage): Promise<boolean> {
    const uniq = record.properties[Prop.UNIQ_KEY];
    if (!uniq) return false;
    const realTopic = realTopicOf(record);
    const found = await this.store.queryByUniqKey(uniq, 64);
    return found.some((m) => m.topic === realTopic && m.commitLogOffset > record.commitLogOffset);
  }

  private async afterFailure(e: TimerEntry, err: unknown, delivered: boolean, realTopic: string): Promise<void> {
    const permanent = !delivered && isBrokerError(err) && !err.retriable;
    if (!delivered) e.attempts++;
    const ctx = { timerId: e.timerId, topic: realTopic, attempts: e.attempts, err: errorText(err) };
    if (!delivered && (permanent || e.attempts >= this.maxAttempts)) {
      this.logger.error(ctx, permanent ? 'delayed message cannot be delivered; dropped' : 'delayed message failed too often; dropped');
      try {
        await this.finish(e, 'dropped', realTopic);
        return;
      } catch (opErr) {
        this.logger.error({ timerId: e.timerId, err: errorText(opErr) }, 'cannot record dropped timer; will retry');
      }
    } else {
      this.logger.warn(ctx, delivered ? 'cannot record delivered timer; will retry' : 'delayed message delivery failed; will retry');
    }
    if (this.state === 'closing' || this.state === 'closed') {
      // Stays pending durably; the next start retries it (verifyFirst covers a copy written meanwhile).
      e.state = 'waiting';
      return;
    }
    const backoff = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.max(0, e.attempts - 1));
    e.dueAt = this.clock.now() + backoff;
    e.state = 'waiting';
    this.counters.retried++;
    this.byTime.push(e);
  }

  /** Durably marks a timer finished, then forgets it. */
  private async finish(e: TimerEntry, kind: TimerOpKind, realTopic: string): Promise<void> {
    e.finishFloor = this.store.maxQueueOffset(TIMER_OP_TOPIC, TIMER_OP_QUEUE_ID);
    this.finishing.add(e);
    try {
      await this.store.append(toOpAppendInput(e.timerId, kind, realTopic, this.clock.now(), this.storeHost));
    } finally {
      this.finishing.delete(e);
    }
    e.state = 'done';
    this.pending.delete(e.timerId);
    this.byOffset.remove(e);
    this.byTime.remove(e);
    if (kind === 'delivered') this.counters.delivered++;
    else if (kind === 'recalled') this.counters.recalled++;
    else this.counters.dropped++;
    this.markDirty();
  }

  // ---------------------------------------------------------------- checkpoint

  /**
   * Decides (synchronously, so it is one consistent cut) what the next checkpoint is: plain offsets, the current
   * snapshot checkpoint kept as is, or a new snapshot. Appends in flight hold both offsets back.
   */
  private planCheckpoint(): { ck: TimerCheckpoint; snapshot?: Buffer } | undefined {
    const s = this.store;
    const timerMax = s.maxQueueOffset(TIMER_TOPIC, TIMER_QUEUE_ID);
    const opMax = s.maxQueueOffset(TIMER_OP_TOPIC, TIMER_OP_QUEUE_ID);
    let inflightTimer = timerMax;
    let inflightOp = opMax;
    for (const f of this.scheduling) {
      inflightTimer = Math.min(inflightTimer, f.queueOffset);
      inflightOp = Math.min(inflightOp, f.opFloor);
    }
    const low = this.byOffset.peek();
    const plain: TimerCheckpoint = {
      version: TIMER_CHECKPOINT_VERSION,
      timerQueueOffset: low === undefined ? inflightTimer : Math.min(inflightTimer, low.queueOffset),
      opQueueOffset: low === undefined ? inflightOp : Math.min(inflightOp, low.opFloor),
      savedAt: this.clock.now(),
    };
    const bar = Math.max(this.snapshotMinWindow, 2 * this.pending.size);
    const plainCost = timerMax - plain.timerQueueOffset + (opMax - plain.opQueueOffset);
    if (plainCost <= bar) return { ck: plain };
    const cur = this.current;
    if (cur?.snapshot !== undefined) {
      const curCost = (cur.snapshotCount ?? 0) + (timerMax - cur.timerQueueOffset) + (opMax - cur.opQueueOffset);
      if (curCost <= 2 * bar) return undefined; // the one on disk is still good enough
    }
    let opFloor = inflightOp;
    for (const f of this.finishing) opFloor = Math.min(opFloor, f.finishFloor);
    const seq = (cur?.snapshot !== undefined ? Number(cur.snapshot.split('.')[1]) : 0) + 1;
    const ck: TimerCheckpoint = {
      version: TIMER_CHECKPOINT_VERSION,
      timerQueueOffset: inflightTimer,
      opQueueOffset: opFloor,
      snapshot: snapshotFileName(seq),
      snapshotCount: this.pending.size,
      savedAt: plain.savedAt,
    };
    return { ck, snapshot: encodeSnapshot(this.pending.values(), this.pending.size) };
  }

  /** Writes the checkpoint now (serialized with other writes); a stale one on disk stays safe meanwhile. */
  private writeCheckpoint(): Promise<void> {
    const run = async (): Promise<void> => {
      this.dirty = false;
      const plan = this.planCheckpoint();
      if (plan === undefined) return;
      if (plan.snapshot !== undefined) await writeSnapshot(this.checkpointDir, plan.ck.snapshot as string, plan.snapshot);
      await this.checkpoint.save(() => plan.ck);
      const previous = this.current;
      this.current = plan.ck;
      if (previous?.snapshot !== undefined && previous.snapshot !== plan.ck.snapshot) {
        await removeOtherSnapshots(this.checkpointDir, plan.ck.snapshot);
      }
    };
    const p = this.checkpointChain.then(run);
    this.checkpointChain = p.catch(() => {});
    return p;
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.checkpointTimer !== undefined || this.state !== 'running') return;
    this.checkpointTimer = setTimeout(this.onCheckpointTimer, this.checkpointIntervalMs);
  }

  private readonly onCheckpointTimer = (): void => {
    this.checkpointTimer = undefined;
    if (!this.dirty || this.state !== 'running') return;
    this.busy++;
    this.writeCheckpoint()
      .catch((err: unknown) => {
        this.dirty = true;
        this.logger.error({ err: errorText(err) }, 'cannot write timer checkpoint');
      })
      .finally(() => this.release());
  };

  // ---------------------------------------------------------------- helpers

  private checkRunning(): void {
    if (this.state === 'running') return;
    if (this.state === 'new' || this.state === 'starting') throw unavailable('timer service is starting');
    throw unavailable('timer service is closed');
  }

  private release(): void {
    this.busy--;
    if (this.busy === 0 && this.onIdle) {
      const f = this.onIdle;
      this.onIdle = undefined;
      f();
    }
  }
}

function newEntry(timerId: number, queueOffset: number, deliverAt: number, opFloor: number): TimerEntry {
  return {
    timerId,
    queueOffset,
    deliverAt,
    dueAt: deliverAt,
    opFloor,
    finishFloor: 0,
    state: 'waiting',
    verifyFirst: false,
    attempts: 0,
    timeIdx: -1,
    offsetIdx: -1,
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, hi));
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`TimerService option ${name} must be a positive number, got ${String(v)}`);
  return v;
}

function unavailable(message: string): BrokerError {
  return new BrokerError(BrokerErrorCode.UNAVAILABLE, message, true);
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
