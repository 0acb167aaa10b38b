/**
 * The message store: one writer loop over the commit log (group commit), a dispatcher feeding consume queues and
 * the index, lazy durable flushing of that derived data with a checkpoint, retention, and open/close.
 *
 * Durability is decided here only: in sync mode an append resolves after the fdatasync that covers its bytes; all
 * appends waiting while a write+fdatasync is in flight are encoded into one buffer and share the next one.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Checkpoint, CHECKPOINT_FILE, VerifyPoints, writeCheckpoint } from './checkpoint.js';
import { CommitLog } from './commit-log.js';
import type { ConsumeQueue } from './consume-queue.js';
import { ConsumeQueueTable } from './consume-queue-table.js';
import { describeDiskError, diskErrorCode, isStoreError, StoreError, StoreErrorCode } from './errors.js';
import { fsyncDir, fsyncDirSync, offsetName } from './file-util.js';
import { HandlePool } from './handle-pool.js';
import type { IndexService } from './index-service.js';
import { acquireDirLock, type DirLock } from './lock.js';
import { BLANK_SIZE, checkTopicName, encodeBlank, encodeRecord, FIXED_SIZE, measureRecord } from './record-codec.js';
import { recover } from './recovery.js';
import { loadOrCreateMeta } from './store-meta.js';
import type {
  AppendInput,
  AppendResult,
  ConsumeQueueEntry,
  DispatchEvent,
  MessageStore,
  QueueId,
  RecoveryReport,
  RetentionOptions,
  RetentionReport,
  StoredMessage,
  StoreMetricsSink,
  StoreOptions,
  StoreStats,
} from './types.js';
import { PROPERTY_KEYS, PROPERTY_TAGS, PROPERTY_UNIQ_KEY } from './types.js';
import { type Clock, systemClock } from '../util/clock.js';
import { javaStringHashCode } from '../util/hash.js';
import type { Logger } from '../util/logger.js';

export const ABORT_FILE = 'abort';

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
/** A batch stops growing at this many bytes (a larger single record still goes alone). */
const BATCH_BYTES = 4 * MiB;
/** Largest encoded properties + strings a record can carry beyond its body. */
const MAX_RECORD_OVERHEAD = FIXED_SIZE + 3 * 255 + 0xffff;
/** Retention deletes at most this many segments per run for disk pressure alone (RocketMQ deletes in batches). */
const PRESSURE_DELETES_PER_RUN = 10;
/** After a failed commit-log write, appends are refused at once for this long, doubling up to the max, then retried. */
const WRITE_RETRY_MIN_MS = 100;
const WRITE_RETRY_MAX_MS = 1000;

/** Commit-log writes fail (disk full, read-only, I/O error): appends are refused until `retryAt`, then tried. */
interface WriteBlock {
  error: StoreError;
  retryAt: number;
  backoffMs: number;
  since: number;
  refused: number;
}

/** One append waiting for the writer; a class so every instance has the same shape. */
class PendingAppend {
  queue: ConsumeQueue | undefined = undefined;
  queueOffset = 0;
  commitLogOffset = 0;
  constructor(
    readonly input: AppendInput,
    readonly size: number,
    readonly tagsCode: number,
    readonly resolve: (r: AppendResult) => void,
    readonly reject: (err: unknown) => void,
  ) {}
}

interface Resolved {
  dataDir: string;
  flushMode: 'sync' | 'async';
  segmentSize: number;
  asyncFlushIntervalMs: number;
  maxMessageSize: number;
  retention: RetentionOptions;
  protectedOffset: () => number;
  logger: Logger;
  clock: Clock;
  metrics: StoreMetricsSink | undefined;
  consumeQueueEntriesPerFile: number;
  indexSlotCount: number;
  indexMaxEntries: number;
  checkpointIntervalMs: number;
  indexSnapshotIntervalMs: number;
  indexSnapshotBytes: number;
  recoveryVerifyBytes: number;
  maxPendingAppendBytes: number;
  tailCacheBytes: number;
  diskUsage: (dir: string) => Promise<number>;
}

function badOption(name: string, why: string): StoreError {
  return new StoreError(StoreErrorCode.BAD_OPTIONS, `openMessageStore: ${name} ${why}`);
}

function intOption(v: unknown, name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badOption(name, `must be an integer in [${min}, ${max}], got ${String(v)}`);
  return v;
}

async function statfsUsage(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.blocks > 0 ? 1 - s.bavail / s.blocks : 0;
}

function resolveOptions(o: StoreOptions): Resolved {
  if (typeof o !== 'object' || o === null) throw badOption('options', 'must be an object');
  if (typeof o.dataDir !== 'string' || o.dataDir.length === 0) throw badOption('dataDir', 'must be a non-empty string');
  if (o.flushMode !== 'sync' && o.flushMode !== 'async') throw badOption('flushMode', `must be "sync" or "async", got ${String(o.flushMode)}`);
  if (typeof o.logger !== 'object' || o.logger === null) throw badOption('logger', 'is required');
  const r = o.retention ?? {};
  const hours = r.fileReservedHours ?? 72;
  if (typeof hours !== 'number' || !(hours >= 0)) throw badOption('retention.fileReservedHours', 'must be a number >= 0');
  const ratio = r.diskMaxUsedRatio ?? 0.85;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) throw badOption('retention.diskMaxUsedRatio', 'must be in (0, 1]');
  if (o.protectedOffset !== undefined && typeof o.protectedOffset !== 'function') throw badOption('protectedOffset', 'must be a function');
  return {
    dataDir: o.dataDir,
    flushMode: o.flushMode,
    segmentSize: intOption(o.segmentSize, 'segmentSize', GiB, 1024, 0x7fffffff),
    asyncFlushIntervalMs: intOption(o.asyncFlushIntervalMs, 'asyncFlushIntervalMs', 500, 1),
    maxMessageSize: intOption(o.maxMessageSize, 'maxMessageSize', 4 * MiB, 0, 0x7fffffff),
    retention: {
      fileReservedHours: hours,
      diskMaxUsedRatio: ratio,
      checkIntervalMs: intOption(r.checkIntervalMs, 'retention.checkIntervalMs', 10_000, 0),
    },
    protectedOffset: o.protectedOffset ?? ((): number => Number.MAX_SAFE_INTEGER),
    logger: o.logger,
    clock: o.clock ?? systemClock,
    metrics: o.metrics,
    consumeQueueEntriesPerFile: intOption(o.consumeQueueEntriesPerFile, 'consumeQueueEntriesPerFile', 300_000, 1, 100_000_000),
    indexSlotCount: intOption(o.indexSlotCount, 'indexSlotCount', 1 << 19, 1, 1 << 28),
    indexMaxEntries: intOption(o.indexMaxEntries, 'indexMaxEntries', 1 << 21, 1, 1 << 28),
    checkpointIntervalMs: intOption(o.checkpointIntervalMs, 'checkpointIntervalMs', 1000, 1),
    indexSnapshotIntervalMs: intOption(o.indexSnapshotIntervalMs, 'indexSnapshotIntervalMs', 10_000, 1),
    indexSnapshotBytes: intOption(o.indexSnapshotBytes, 'indexSnapshotBytes', 64 * MiB, 1),
    recoveryVerifyBytes: intOption(o.recoveryVerifyBytes, 'recoveryVerifyBytes', 96 * MiB, 0),
    maxPendingAppendBytes: intOption(o.maxPendingAppendBytes, 'maxPendingAppendBytes', 64 * MiB, 1),
    tailCacheBytes: intOption(o.tailCacheBytes, 'tailCacheBytes', 16 * MiB, 0),
    diskUsage: o.diskUsage ?? statfsUsage,
  };
}

type State = 'open' | 'closing' | 'closed' | 'failed';

export class DefaultMessageStore implements MessageStore {
  readonly dataDir: string;
  readonly recovery: RecoveryReport;

  private state: State = 'open';
  private failure: StoreError | undefined;
  private writeBlock: WriteBlock | undefined;
  /** The code derived-data flushes (consume queues, index, checkpoint) fail with, so it is logged once. */
  private derivedFailing: StoreErrorCode | undefined;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly metrics: StoreMetricsSink | undefined;
  private readonly maxRecordSize: number;

  // ---- writer loop
  private readonly intake: PendingAppend[] = [];
  private intakeHead = 0;
  private pendingBytes = 0;
  private spaceWaiters: Array<() => void> = [];
  private readonly controls: Array<{ run: () => void; reject: (err: unknown) => void }> = [];
  private looping = false;
  private loopScheduled = false;
  private flushRequested = false;
  private idleWaiters: Array<() => void> = [];
  private readonly batchBuf: Buffer;
  private readonly batch: PendingAppend[] = [];
  private readonly runLoopBound = (): void => void this.runLoop();

  // ---- dispatch and derived data
  private readonly listeners = new Set<(e: DispatchEvent) => void>();
  /** Every record below this offset has its consume-queue entry and index keys. */
  private dispatchedTo: number;
  private derivedChain: Promise<unknown> = Promise.resolve();
  private derivedBusy = false;
  private lastSnapshotAt = performance.now();
  /** Index coverage of the last snapshot on disk: a crash re-indexes from there. */
  private snapshotCoverage: number;
  private lastCheckpoint: { flushed: number; cq: number; tableVersion: number; tombVersion: number } | undefined;
  private tombVersion = 0;
  /** Where the next crash recovery starts verifying (the checkpoint's `verifyFrom`). */
  private readonly verifyPoints: VerifyPoints;
  private appendCount = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly reportedDamage = new Set<number>();
  private closing: Promise<void> | undefined;
  /** Set once close has released files and handles: reads fail from then on. */
  private released = false;

  private constructor(
    private readonly opts: Resolved,
    private readonly lock: DirLock,
    private readonly commitLog: CommitLog,
    private readonly table: ConsumeQueueTable,
    private readonly cqPool: HandlePool,
    private readonly index: IndexService,
    private readonly tombstones: Map<string, number>,
    recovery: RecoveryReport,
    verifyPoints: number[],
    indexCoverageOnDisk: number,
  ) {
    this.verifyPoints = new VerifyPoints(opts.recoveryVerifyBytes, verifyPoints);
    this.snapshotCoverage = indexCoverageOnDisk;
    this.dataDir = opts.dataDir;
    this.recovery = recovery;
    this.logger = opts.logger;
    this.clock = opts.clock;
    this.metrics = opts.metrics;
    this.maxRecordSize = Math.min(commitLog.segmentSize - BLANK_SIZE, MAX_RECORD_OVERHEAD + opts.maxMessageSize);
    this.batchBuf = Buffer.allocUnsafe(Math.min(BATCH_BYTES, this.maxRecordSize) + this.maxRecordSize + BLANK_SIZE);
    this.dispatchedTo = commitLog.writePos;
  }

  /**
   * Opens (and recovers) the store. Opening writes (lock, abort marker, recovery's cuts, the checkpoint), so a
   * full or read-only data dir refuses to open with a message naming the dir and the cause.
   */
  static async open(options: StoreOptions): Promise<DefaultMessageStore> {
    const o = resolveOptions(options);
    try {
      return await DefaultMessageStore.openResolved(o);
    } catch (err) {
      const errno = (err as NodeJS.ErrnoException).code;
      if (isStoreError(err) || (errno !== 'ENOSPC' && errno !== 'EDQUOT' && errno !== 'EROFS')) throw err;
      const code = diskErrorCode(err);
      throw new StoreError(code, `cannot open the store: ${describeDiskError(code, o.dataDir)} (${(err as Error).message})`, true, { cause: err });
    }
  }

  private static async openResolved(o: Resolved): Promise<DefaultMessageStore> {
    const logger = o.logger;
    mkdirSync(o.dataDir, { recursive: true });
    const lock = acquireDirLock(o.dataDir, logger);
    let commitLog: CommitLog | undefined;
    const cqPool = new HandlePool(256);
    try {
      const clDir = join(o.dataDir, 'commitlog');
      const hasCommitLog = existsSync(clDir);
      const meta = loadOrCreateMeta(
        o.dataDir,
        { segmentSize: o.segmentSize, consumeQueueEntriesPerFile: o.consumeQueueEntriesPerFile },
        hasCommitLog,
        o.clock.now(),
        logger,
      );
      const abortPath = join(o.dataDir, ABORT_FILE);
      const crashed = existsSync(abortPath);
      writeFileSync(abortPath, `${process.pid}\n`);
      fsyncDirSync(o.dataDir);
      commitLog = CommitLog.open(clDir, meta.segmentSize, logger, o.tailCacheBytes);
      const table = new ConsumeQueueTable(join(o.dataDir, 'consumequeue'), meta.consumeQueueEntriesPerFile, cqPool);
      const rec = await recover({
        dataDir: o.dataDir,
        crashed,
        commitLog,
        table,
        indexDir: join(o.dataDir, 'index'),
        indexSlotCount: o.indexSlotCount,
        indexMaxEntries: o.indexMaxEntries,
        logger,
      });
      const store = new DefaultMessageStore(o, lock, commitLog, table, cqPool, rec.index, rec.tombstones, rec.report, rec.verifyPoints, rec.indexCoverageOnDisk);
      await store.writeCheckpointNow(store.dispatchedTo, true);
      store.startTimers();
      logger.info(
        {
          dataDir: o.dataDir,
          flushMode: o.flushMode,
          crashed,
          recoveredTo: rec.report.recoveredTo,
          truncatedBytes: rec.report.truncatedBytes,
          rebuilt: rec.report.rebuilt,
          durationMs: rec.report.durationMs,
        },
        'store: open',
      );
      return store;
    } catch (err) {
      await commitLog?.close().catch(() => undefined);
      await cqPool.close().catch(() => undefined);
      await lock.release();
      throw err;
    }
  }

  private startTimers(): void {
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    if (this.opts.flushMode === 'async') {
      every(this.opts.asyncFlushIntervalMs, () => {
        this.flushRequested = true;
        this.kick();
      });
    }
    every(this.opts.checkpointIntervalMs, () => {
      if (this.derivedBusy || this.state !== 'open') return;
      this.serial(() => this.flushDerived(false)).then(
        () => this.derivedFlushed(),
        (err: unknown) => this.derivedFlushFailed(err),
      );
    });
    if (this.opts.retention.checkIntervalMs > 0) {
      every(this.opts.retention.checkIntervalMs, () => {
        if (this.state !== 'open') return;
        this.runRetention().catch((err: unknown) => this.logger.error({ err }, 'store: retention failed'));
      });
    }
  }

  // ================================================================ append

  append(input: AppendInput): Promise<AppendResult> {
    if (this.state !== 'open') return Promise.reject(this.unavailable());
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    let size: number;
    let tagsCode: number;
    try {
      size = measureRecord(input, this.opts.maxMessageSize, this.maxRecordSize);
      const tags = input.properties[PROPERTY_TAGS];
      tagsCode = input.tagsCode ?? (tags ? javaStringHashCode(tags) : 0);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.pendingBytes >= this.opts.maxPendingAppendBytes) return this.appendAfterSpace(input, size, tagsCode);
    return new Promise<AppendResult>((resolve, reject) => this.enqueue(new PendingAppend(input, size, tagsCode, resolve, reject)));
  }

  /** Backpressure: wait (not drop) until the writer has taken enough of the queue. */
  private async appendAfterSpace(input: AppendInput, size: number, tagsCode: number): Promise<AppendResult> {
    while (this.pendingBytes >= this.opts.maxPendingAppendBytes) {
      await new Promise<void>((r) => this.spaceWaiters.push(r));
      if (this.state === 'failed' || this.state === 'closed') throw this.unavailable();
      const refused = this.refusal();
      if (refused) throw refused;
    }
    return new Promise<AppendResult>((resolve, reject) => this.enqueue(new PendingAppend(input, size, tagsCode, resolve, reject)));
  }

  private enqueue(p: PendingAppend): void {
    if (this.state === 'failed' || this.state === 'closed') {
      p.reject(this.unavailable());
      return;
    }
    this.intake.push(p);
    this.pendingBytes += p.size;
    this.kick();
  }

  /** While commit-log writes fail and the retry time has not come, the error appends get at once (no pile-up). */
  private refusal(): StoreError | undefined {
    const b = this.writeBlock;
    if (b === undefined || performance.now() >= b.retryAt) return undefined;
    b.refused++;
    return b.error;
  }

  /** Reads work while open, closing and failed (the files are there); not after close released them. */
  private checkReadable(): void {
    if (this.released) throw new StoreError(StoreErrorCode.CLOSED, `store ${this.dataDir} is closed`);
  }

  private unavailable(): StoreError {
    if (this.failure) return this.failure;
    return new StoreError(StoreErrorCode.CLOSED, `store ${this.dataDir} is ${this.state === 'open' ? 'open' : 'closed or closing'}`);
  }

  /** Starts the writer loop at the end of the current tick, so a burst of appends lands in one batch. */
  private kick(): void {
    if (this.looping || this.loopScheduled) return;
    this.loopScheduled = true;
    queueMicrotask(this.runLoopBound);
  }

  private async runLoop(): Promise<void> {
    this.loopScheduled = false;
    if (this.looping) return;
    this.looping = true;
    try {
      while (this.state !== 'failed') {
        const control = this.controls.shift();
        if (control !== undefined) {
          control.run();
          continue;
        }
        // The async-mode flush goes before more writes, so a steady stream of appends cannot starve it.
        if (this.flushRequested) {
          this.flushRequested = false;
          try {
            await this.flushCommitLog();
          } catch (err) {
            // Async mode: the bytes were acknowledged already; refuse new appends until a synced write works.
            this.blockWrites(err);
          }
          continue;
        }
        if (this.intakeHead < this.intake.length) {
          await this.writeBatch();
          continue;
        }
        break;
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.looping = false;
      if (this.intakeHead >= this.intake.length) {
        this.intake.length = 0;
        this.intakeHead = 0;
      }
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  /** Encodes waiting appends into one buffer, writes it once, syncs once (sync mode), then dispatches and resolves. */
  private async writeBatch(): Promise<void> {
    const log = this.commitLog;
    const buf = this.batchBuf;
    const batch = this.batch;
    batch.length = 0;
    const base = log.writePos;
    const room = log.remainingInSegment();
    const now = this.clock.now();
    let pos = 0;
    let rolled = false;
    let taken = 0;
    while (this.intakeHead < this.intake.length) {
      const req = this.intake[this.intakeHead] as PendingAppend;
      if (batch.length > 0 && pos + req.size > BATCH_BYTES) break;
      if (pos + req.size + BLANK_SIZE > room) {
        pos = encodeBlank(buf, pos, room - pos);
        rolled = true;
        break;
      }
      this.intakeHead++;
      taken += req.size;
      const q = this.table.getOrCreate(req.input.topic, req.input.queueId);
      req.queue = q;
      req.queueOffset = q.assignedOffset;
      req.commitLogOffset = base + pos;
      try {
        pos = encodeRecord(buf, pos, req.input, req.size, req.queueOffset, req.commitLogOffset, now, req.tagsCode);
      } catch (err) {
        // The caller changed the input after `append` measured it: refuse that append alone.
        req.reject(new StoreError(StoreErrorCode.BAD_INPUT, `append: the input changed while the append was pending (${(err as Error).message})`));
        continue;
      }
      q.assignedOffset++;
      batch.push(req);
    }
    if (this.intakeHead > 1024 && this.intakeHead * 2 > this.intake.length) {
      this.intake.splice(0, this.intakeHead);
      this.intakeHead = 0;
    }
    this.pendingBytes -= taken;
    this.wakeSpaceWaiters();

    const end = rolled ? log.segmentStartOf(base) + log.segmentSize : base + pos;
    try {
      await log.write(buf, 0, pos, end, now);
      // While writes were failing, the retry must prove the bytes reach the disk in async mode too.
      if (this.opts.flushMode === 'sync' || this.writeBlock !== undefined) await this.flushCommitLog(batch.length);
    } catch (err) {
      await this.writeFailed(batch, base, err);
      return;
    }
    if (this.writeBlock !== undefined) this.writesResumed();
    this.dispatch(batch, end, now);
  }

  /**
   * A batch's write or fdatasync failed: none of it was acknowledged, so it is taken back whole (queue offsets,
   * commit-log position, the bytes in the file), its appends and every waiting one are refused, and appends are
   * refused at once until the retry time. Consume queues and the index never saw the batch (dispatch comes after).
   */
  private async writeFailed(batch: PendingAppend[], base: number, err: unknown): Promise<void> {
    for (let i = batch.length - 1; i >= 0; i--) {
      const r = batch[i] as PendingAppend;
      (r.queue as ConsumeQueue).assignedOffset = r.queueOffset;
    }
    await this.commitLog.rollback(base);
    const e = this.blockWrites(err);
    const b = this.writeBlock as WriteBlock;
    for (const r of batch) r.reject(e);
    b.refused += batch.length;
    batch.length = 0;
    for (let i = this.intakeHead; i < this.intake.length; i++) (this.intake[i] as PendingAppend).reject(e);
    b.refused += this.intake.length - this.intakeHead;
    this.intake.length = 0;
    this.intakeHead = 0;
    this.pendingBytes = 0;
    this.wakeSpaceWaiters();
  }

  /** Enters (or stays in) the refusing state; logs when it starts or its cause changes, not per append. */
  private blockWrites(err: unknown): StoreError {
    const code = diskErrorCode(err);
    const prev = this.writeBlock;
    const error = new StoreError(
      code,
      `${describeDiskError(code, this.dataDir)} (${(err as Error).message}); appends are refused until a write works again, retried every second at most`,
      true,
      { cause: err },
    );
    const backoffMs = prev ? Math.min(prev.backoffMs * 2, WRITE_RETRY_MAX_MS) : WRITE_RETRY_MIN_MS;
    const now = performance.now();
    this.writeBlock = { error, retryAt: now + backoffMs, backoffMs, since: prev?.since ?? now, refused: prev?.refused ?? 0 };
    if (prev === undefined || prev.error.code !== code) {
      this.logger.error(
        { dataDir: this.dataDir, code, err: (err as Error).message },
        `store: ${describeDiskError(code, this.dataDir)}; refusing appends (reads go on) until a write works again`,
      );
    }
    return error;
  }

  private writesResumed(): void {
    const b = this.writeBlock as WriteBlock;
    this.writeBlock = undefined;
    this.logger.warn(
      { dataDir: this.dataDir, code: b.error.code, refusedAppends: b.refused, blockedMs: Math.round(performance.now() - b.since) },
      'store: commit-log writes work again; appends resumed',
    );
  }

  private derivedFlushed(): void {
    if (this.derivedFailing === undefined) return;
    this.logger.warn({ dataDir: this.dataDir, code: this.derivedFailing }, 'store: consume queues, index and checkpoint are written again');
    this.derivedFailing = undefined;
  }

  /** A failed flush of derived data is retried by the next tick (the flushes rewrite the same bytes). */
  private derivedFlushFailed(err: unknown): void {
    const code = diskErrorCode(err);
    if (this.derivedFailing === code) return;
    this.derivedFailing = code;
    this.logger.error({ err, dataDir: this.dataDir, code }, `store: writing consume queues, index or checkpoint failed (${describeDiskError(code, this.dataDir)}); retrying every tick`);
  }

  private async flushCommitLog(records = 0): Promise<void> {
    const t0 = performance.now();
    const before = this.commitLog.fsyncCount;
    await this.commitLog.sync();
    if (this.metrics && this.commitLog.fsyncCount !== before) this.metrics.flushed(performance.now() - t0, records);
  }

  private dispatch(batch: PendingAppend[], end: number, storeTimestamp: number): void {
    const listening = this.listeners.size > 0;
    for (const r of batch) {
      const q = r.queue as ConsumeQueue;
      const props = r.input.properties;
      q.push(r.commitLogOffset, r.size, r.tagsCode);
      const keys = props[PROPERTY_KEYS];
      const uniq = props[PROPERTY_UNIQ_KEY];
      if (keys !== undefined || uniq !== undefined) this.index.addRecord(r.input.topic, keys, uniq, r.commitLogOffset, storeTimestamp);
      if (listening) {
        this.emit({
          topic: r.input.topic,
          queueId: r.input.queueId,
          queueOffset: r.queueOffset,
          commitLogOffset: r.commitLogOffset,
          tagsCode: r.tagsCode,
          storeTimestamp,
        });
      }
      this.metrics?.appended(r.input.topic, r.size);
      r.resolve({ commitLogOffset: r.commitLogOffset, queueOffset: r.queueOffset, size: r.size, storeTimestamp });
    }
    this.appendCount += batch.length;
    this.index.cover(end);
    this.dispatchedTo = end;
    this.verifyPoints.note(end); // a batch end: a record boundary (VerifyPoints keeps one per margin/16)
    batch.length = 0;
  }

  private emit(e: DispatchEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger.error({ err }, 'store: dispatch listener threw');
      }
    }
  }

  private wakeSpaceWaiters(): void {
    if (this.spaceWaiters.length === 0) return;
    const w = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const r of w) r();
  }

  private ioError(what: string, err: unknown): StoreError {
    return new StoreError(
      StoreErrorCode.IO_ERROR,
      `store ${this.dataDir}: ${what} failed (${(err as Error).message}); appends are refused until the store is reopened`,
      false,
      { cause: err },
    );
  }

  /** A write or fdatasync failed: what is on disk is unknown, so stop appending; reopening runs recovery. */
  private fail(err: unknown): void {
    if (this.state === 'failed') return;
    this.failure = isStoreError(err) ? err : this.ioError('commit-log I/O', err);
    this.state = 'failed';
    this.logger.error({ err }, 'store: commit-log I/O failed; refusing further appends');
    for (let i = this.intakeHead; i < this.intake.length; i++) (this.intake[i] as PendingAppend).reject(this.failure);
    this.intake.length = 0;
    this.intakeHead = 0;
    this.pendingBytes = 0;
    this.wakeSpaceWaiters();
    for (const c of this.controls.splice(0)) c.reject(this.failure);
  }

  /** Runs `fn` in the writer loop between batches (so no batch is half dispatched when it runs). */
  private control<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.state === 'failed') {
        reject(this.unavailable());
        return;
      }
      const run = (): void => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      };
      this.controls.push({ run, reject });
      this.kick();
    });
  }

  // ================================================================ reads

  read(commitLogOffset: number, size?: number): Promise<StoredMessage | undefined> {
    try {
      this.checkReadable();
    } catch (err) {
      return Promise.reject(err);
    }
    if (size !== undefined && (!Number.isInteger(size) || size < FIXED_SIZE)) {
      return Promise.reject(new StoreError(StoreErrorCode.BAD_INPUT, `read: size must be an integer >= ${FIXED_SIZE}, got ${size}`));
    }
    return this.commitLog.read(commitLogOffset, size);
  }

  async readQueued(commitLogOffset: number, size?: number): Promise<StoredMessage | undefined> {
    try {
      const m = await this.read(commitLogOffset, size);
      // Below the commit log's start is retention at work; past its end no entry can legitimately point.
      if (m === undefined && commitLogOffset >= this.commitLog.writePos) {
        this.reportDamage(commitLogOffset, new StoreError(StoreErrorCode.BAD_OFFSET, `points past the end of the commit log (${this.commitLog.writePos})`));
      }
      return m;
    } catch (err) {
      // BAD_INPUT here means the pointer itself is garbage (a damaged consume-queue entry), the others a record
      // that is not what the pointer promised.
      const damaged = isStoreError(err) && (err.code === StoreErrorCode.BAD_OFFSET || err.code === StoreErrorCode.CORRUPT || err.code === StoreErrorCode.BAD_INPUT);
      if (!damaged) throw err;
      this.reportDamage(commitLogOffset, err);
      return undefined;
    }
  }

  /** Logs a damaged commit-log record once (bounded: a badly damaged log must not fill memory with offsets). */
  private reportDamage(commitLogOffset: number, err: StoreError): void {
    if (this.reportedDamage.has(commitLogOffset) || this.reportedDamage.size >= 10_000) return;
    this.reportedDamage.add(commitLogOffset);
    const segment = Number.isSafeInteger(commitLogOffset) && commitLogOffset >= 0
      ? join('commitlog', offsetName(commitLogOffset - (commitLogOffset % this.commitLog.segmentSize)))
      : undefined;
    this.logger.error(
      { commitLogOffset, segment, reason: err.message },
      'data damaged: a stored message cannot be read and is skipped (a damaged consume queue is rebuilt from the commit log by removing consumequeue/ while the broker is stopped)',
    );
  }

  async readQueue(topic: string, queueId: number, fromOffset: number, maxCount: number): Promise<ConsumeQueueEntry[]> {
    this.checkReadable();
    checkQueueArgs('readQueue', topic, queueId);
    checkNonNegative('readQueue', 'fromOffset', fromOffset);
    checkNonNegative('readQueue', 'maxCount', maxCount);
    const q = this.table.get(topic, queueId);
    return q ? q.read(fromOffset, maxCount) : [];
  }

  minQueueOffset(topic: string, queueId: number): number {
    return this.table.get(topic, queueId)?.minOffset ?? 0;
  }

  maxQueueOffset(topic: string, queueId: number): number {
    return this.table.get(topic, queueId)?.maxOffset ?? 0;
  }

  async queueOffsetByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    this.checkReadable();
    checkQueueArgs('queueOffsetByTime', topic, queueId);
    if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) {
      throw new StoreError(StoreErrorCode.BAD_INPUT, `queueOffsetByTime: timestamp must be a number, got ${String(timestamp)}`);
    }
    const q = this.table.get(topic, queueId);
    if (!q) return 0;
    let lo = q.minOffset;
    let hi = q.maxOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = await q.entry(mid);
      const ts = e === undefined ? undefined : await this.commitLog.readStoreTimestamp(e.commitLogOffset, e.size);
      if (ts === undefined || ts < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  queues(): QueueId[] {
    const out: QueueId[] = [];
    for (const q of this.table.all()) if (q.maxOffset > 0) out.push({ topic: q.topic, queueId: q.queueId });
    return out;
  }

  async queryByKey(topic: string, key: string, maxCount: number): Promise<StoredMessage[]> {
    this.checkReadable();
    checkTopicName(topic, 'queryByKey: topic');
    if (typeof key !== 'string' || key.length === 0) throw new StoreError(StoreErrorCode.BAD_INPUT, 'queryByKey: key must be a non-empty string');
    checkNonNegative('queryByKey', 'maxCount', maxCount);
    if (maxCount === 0) return [];
    const offsets = await this.index.keyCandidates(topic, key, Math.max(64, maxCount * 8));
    return this.verifiedRecords(offsets, maxCount, (m) => m.topic === topic && (m.properties[PROPERTY_KEYS] ?? '').split(' ').includes(key));
  }

  async queryByUniqKey(uniqKey: string, maxCount: number): Promise<StoredMessage[]> {
    this.checkReadable();
    if (typeof uniqKey !== 'string' || uniqKey.length === 0) throw new StoreError(StoreErrorCode.BAD_INPUT, 'queryByUniqKey: uniqKey must be a non-empty string');
    checkNonNegative('queryByUniqKey', 'maxCount', maxCount);
    if (maxCount === 0) return [];
    const offsets = await this.index.uniqKeyCandidates(uniqKey, Math.max(64, maxCount * 8));
    return this.verifiedRecords(offsets, maxCount, (m) => m.properties[PROPERTY_UNIQ_KEY] === uniqKey);
  }

  /** Reads index candidates and keeps the real matches (hash collisions, stale or cut entries fall out). */
  private async verifiedRecords(offsets: number[], maxCount: number, match: (m: StoredMessage) => boolean): Promise<StoredMessage[]> {
    const seen = new Set<number>();
    const out: StoredMessage[] = [];
    for (const off of offsets) {
      if (out.length >= maxCount) break;
      if (seen.has(off)) continue;
      seen.add(off);
      let m: StoredMessage | undefined;
      try {
        m = await this.commitLog.read(off);
      } catch (err) {
        // Index entries can be stale (cut by recovery, or a hash collision): BAD_OFFSET is expected. A failed
        // checksum is damage.
        if (isStoreError(err) && err.code === StoreErrorCode.CORRUPT) this.reportDamage(off, err);
        if (isStoreError(err) && (err.code === StoreErrorCode.BAD_OFFSET || err.code === StoreErrorCode.CORRUPT)) continue;
        throw err;
      }
      if (m && match(m)) out.push(m);
    }
    return out;
  }

  onDispatch(listener: (event: DispatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  // ================================================================ topics, retention

  async deleteTopicQueues(topic: string): Promise<void> {
    checkTopicName(topic, 'deleteTopicQueues: topic');
    if (this.state !== 'open') throw this.unavailable();
    // Between batches: every record of the topic so far is below the tombstone, every later one above it.
    const removed = await this.control(() => {
      const qs = this.table.removeTopic(topic);
      this.tombstones.set(topic, this.commitLog.writePos);
      this.tombVersion++;
      return qs;
    });
    await this.serial(async () => {
      await this.writeCheckpointNow(this.lastCheckpoint?.cq ?? this.commitLog.minOffset(), true);
      for (const q of removed) await q.drop();
      await fsyncDir(this.table.rootDir).catch(() => undefined);
      this.logger.info({ topic, queues: removed.length }, 'store: deleted the consume queues of a topic');
    });
  }

  runRetention(): Promise<RetentionReport> {
    if (this.state !== 'open') return Promise.reject(this.unavailable());
    return this.serial(() => this.retention());
  }

  private async retention(): Promise<RetentionReport> {
    const report: RetentionReport = { deletedSegments: [], kept: [] };
    const log = this.commitLog;
    const { fileReservedHours, diskMaxUsedRatio } = this.opts.retention;
    const reservedMs = fileReservedHours * 3_600_000;
    const now = this.clock.now();
    const protectedOffset = this.opts.protectedOffset();
    const writing = log.segmentStartOf(log.writePos);
    let pressureDeletes = 0;
    for (;;) {
      const starts = log.segmentStarts();
      const s = starts[0];
      if (s === undefined) break;
      const name = offsetName(s);
      const next = starts[1];
      // A segment stopped being written when the next one got its first record; the newest one is as old as
      // its newest record (reported as kept when that is past the limit).
      const sealedAt = next === undefined ? log.lastRecordTimestamp : await log.firstTimestamp(next);
      const expired = sealedAt !== undefined && now - sealedAt >= reservedMs;
      let pressure = false;
      if (!expired) {
        const used = await this.opts.diskUsage(this.dataDir);
        pressure = used > diskMaxUsedRatio;
        if (pressure) this.logger.warn({ used, limit: diskMaxUsedRatio }, 'store: disk use above the limit; deleting old segments');
      }
      if (!expired && !pressure) break;
      let reason: string | undefined;
      if (next === undefined || s >= writing) reason = 'in use (the segment being written)';
      else if (s + log.segmentSize > protectedOffset) reason = `holds offsets needed by consumers (protected offset ${protectedOffset})`;
      if (reason !== undefined) {
        report.kept.push({ segment: name, reason });
        this.logger.info({ segment: name, reason, expired, diskPressure: pressure }, 'store: retention kept a segment');
        break;
      }
      await log.deleteOldestSegment();
      report.deletedSegments.push(name);
      this.logger.info(
        { segment: name, why: expired ? `older than ${fileReservedHours} h` : `disk use above ${diskMaxUsedRatio}` },
        'store: retention deleted a segment',
      );
      if (!expired && ++pressureDeletes >= PRESSURE_DELETES_PER_RUN) break;
    }
    if (report.deletedSegments.length > 0) {
      const min = log.minOffset();
      for (const q of [...this.table.all()]) await q.correctMinOffset(min);
      await this.index.dropBelow(min);
      this.verifyPoints.dropBelow(min);
      for (const [t, at] of this.tombstones) {
        if (at <= min) {
          this.tombstones.delete(t);
          this.tombVersion++;
        }
      }
      this.table.version++;
      await this.writeCheckpointNow(this.lastCheckpoint?.cq ?? min, true);
    }
    return report;
  }

  // ================================================================ derived data, checkpoint

  /** Serialises background work on derived files (flush, retention, topic deletion). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.derivedChain.then(fn);
    this.derivedChain = run.catch(() => undefined);
    return run;
  }

  private async flushDerived(final: boolean): Promise<void> {
    this.derivedBusy = true;
    try {
      const cqTarget = this.dispatchedTo;
      await this.table.flushAll(true);
      // By time, or by bytes indexed since the last snapshot (what a crash would index again).
      const coverage = this.index.coverage;
      const due =
        final ||
        performance.now() - this.lastSnapshotAt >= this.opts.indexSnapshotIntervalMs ||
        coverage - this.snapshotCoverage >= this.opts.indexSnapshotBytes;
      await this.index.persist(due);
      if (due) {
        this.lastSnapshotAt = performance.now();
        this.snapshotCoverage = coverage;
      }
      await this.writeCheckpointNow(cqTarget, false);
    } finally {
      this.derivedBusy = false;
    }
  }

  private async writeCheckpointNow(cqOffset: number, force: boolean): Promise<void> {
    const flushed = this.commitLog.flushedOffset;
    const last = this.lastCheckpoint;
    if (
      !force &&
      last &&
      last.flushed === flushed &&
      last.cq === cqOffset &&
      last.tableVersion === this.table.version &&
      last.tombVersion === this.tombVersion
    ) {
      return;
    }
    const queues: Checkpoint['queues'] = [];
    for (const q of this.table.all()) if (q.persistedMax > 0) queues.push([q.topic, q.queueId, q.persistedMax]);
    // The flushed offset is a batch end or a segment start: a record boundary.
    this.verifyPoints.note(flushed);
    const verifyFrom = this.verifyPoints.verifyFrom(flushed);
    const cp: Checkpoint = {
      commitLogFlushedOffset: flushed,
      consumeQueueOffset: cqOffset,
      timestamp: this.clock.now(),
      queues,
      deletedTopics: [...this.tombstones],
    };
    if (verifyFrom !== undefined) cp.verifyFrom = verifyFrom;
    await writeCheckpoint(join(this.dataDir, CHECKPOINT_FILE), this.dataDir, cp);
    this.lastCheckpoint = { flushed, cq: cqOffset, tableVersion: this.table.version, tombVersion: this.tombVersion };
  }

  // ================================================================ stats, close

  stats(): StoreStats {
    const log = this.commitLog;
    return {
      commitLogMinOffset: log.minOffset(),
      commitLogMaxOffset: log.writePos,
      flushedOffset: log.flushedOffset,
      segments: log.segmentStarts().length,
      fsyncCount: log.fsyncCount,
      appendCount: this.appendCount,
      commitLogBytesOnDisk: log.bytesOnDisk,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const failed = this.state === 'failed';
    if (!failed) this.state = 'closing';
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    // Drain: everything admitted before close is written (and, in sync mode, synced) and resolved.
    while (this.looping || this.loopScheduled || this.intakeHead < this.intake.length || this.spaceWaiters.length > 0) {
      if (!this.looping && !this.loopScheduled) this.kick();
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
    let clean = this.state !== 'failed';
    if (clean) {
      try {
        await this.commitLog.sync();
        await this.serial(() => this.flushDerived(true));
      } catch (err) {
        clean = false;
        this.logger.error({ err }, 'store: close could not flush; the next open will run crash recovery');
      }
    } else {
      await this.derivedChain;
    }
    this.released = true;
    await this.commitLog.close();
    await this.cqPool.close();
    if (clean) {
      await unlink(join(this.dataDir, ABORT_FILE)).catch(() => undefined);
      await fsyncDir(this.dataDir).catch(() => undefined);
    }
    this.state = failed ? 'failed' : 'closed';
    this.listeners.clear();
    await this.lock.release();
    this.logger.info({ dataDir: this.dataDir, clean }, 'store: closed');
  }
}

function checkQueueArgs(op: string, topic: string, queueId: number): void {
  if (typeof topic !== 'string' || topic.length === 0) throw new StoreError(StoreErrorCode.BAD_INPUT, `${op}: topic must be a non-empty string`);
  if (!Number.isInteger(queueId) || queueId < 0) throw new StoreError(StoreErrorCode.BAD_INPUT, `${op}: queueId must be a non-negative integer, got ${queueId}`);
}

function checkNonNegative(op: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new StoreError(StoreErrorCode.BAD_INPUT, `${op}: ${name} must be a non-negative integer, got ${String(v)}`);
}
