/**
 * Open-time recovery (docs/storage.md, "Recovery"):
 *  A. verify the commit-log tail from the checkpoint (after a crash: from the start of the checkpoint's segment)
 *     and cut it at the first bad or torn record;
 *  B. load consume queues and the index, trimming what reaches past the durable checkpoint, and decide which
 *     derived files must be rebuilt from scratch (missing, damaged, shorter than the checkpoint says);
 *  C. re-dispatch commit-log records into the consume queues and the index beyond what they hold.
 */
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILE, readCheckpoint } from './checkpoint.js';
import type { CommitLog } from './commit-log.js';
import type { ConsumeQueue } from './consume-queue.js';
import type { ConsumeQueueTable } from './consume-queue-table.js';
import { StoreError, StoreErrorCode } from './errors.js';
import { offsetName } from './file-util.js';
import { IndexService } from './index-service.js';
import { decodeHeader } from './record-codec.js';
import type { RecoveryReport } from './types.js';
import type { Logger } from '../util/logger.js';

export interface RecoveryInput {
  dataDir: string;
  crashed: boolean;
  commitLog: CommitLog;
  table: ConsumeQueueTable;
  indexDir: string;
  indexSlotCount: number;
  indexMaxEntries: number;
  logger: Logger;
}

export interface RecoveryOutput {
  report: RecoveryReport;
  /** Record boundaries to seed the store's verify points with (see VerifyPoints). */
  verifyPoints: number[];
  /** Commit-log offset the index files on disk cover up to (the snapshot's end). */
  indexCoverageOnDisk: number;
  index: IndexService;
  tombstones: Map<string, number>;
}

/** Consume-queue entries buffered during a rebuild before they are written out. */
const REBUILD_FLUSH_EVERY = 1 << 20;

export async function recover(inp: RecoveryInput): Promise<RecoveryOutput> {
  const t0 = performance.now();
  const { commitLog, table, logger } = inp;
  const cpPath = join(inp.dataDir, CHECKPOINT_FILE);
  rmSync(`${cpPath}.tmp`, { force: true });
  const read = readCheckpoint(cpPath);
  const cp = typeof read === 'string' ? undefined : read;
  if (typeof read === 'string') {
    logger.warn({ reason: read }, 'store: checkpoint unreadable; verifying the whole commit log and rebuilding consume queues');
  }

  const starts = commitLog.segmentStarts();
  const clMin = commitLog.minOffset();
  const lastStart = starts[starts.length - 1];
  if (lastStart === undefined && cp && cp.commitLogFlushedOffset > 0) {
    throw new StoreError(
      StoreErrorCode.CORRUPT,
      `commit log in ${commitLog.dir} is empty but the checkpoint says data was written up to offset ` +
        `${cp.commitLogFlushedOffset}; restore the segment files, or remove the whole data dir to start empty`,
    );
  }

  // ---- A. verify the tail
  let scanFrom = clMin;
  if (cp) {
    const trusted = Math.min(cp.commitLogFlushedOffset, cp.consumeQueueOffset);
    // After a crash: from the checkpoint's verify point (about recoveryVerifyBytes below it), never before the
    // start of its segment nor after the trusted offset; a checkpoint without one means the whole segment.
    const verifyFrom = inp.crashed ? Math.max(commitLog.segmentStartOf(trusted), Math.min(cp.verifyFrom ?? 0, trusted)) : trusted;
    scanFrom = Math.max(clMin, verifyFrom);
  }
  let res = await commitLog.scan(scanFrom, undefined);
  if (res.reason !== undefined && res.end === scanFrom && lastStart !== undefined) {
    const own = commitLog.segmentStartOf(scanFrom);
    const fallback = starts.includes(own) ? own : lastStart;
    if (fallback !== scanFrom) {
      logger.warn({ checkpointOffset: scanFrom, reason: res.reason, rescanFrom: fallback }, 'store: checkpoint does not match the commit log; rescanning');
      scanFrom = fallback;
      res = await commitLog.scan(scanFrom, undefined);
    }
  }
  const recoveredTo = res.end;
  const verifiedBytes = recoveredTo - scanFrom;
  let truncatedBytes = 0;
  if (res.reason !== undefined) {
    truncatedBytes = await commitLog.truncate(recoveredTo);
    logger.warn(
      {
        offset: recoveredTo,
        segment: offsetName(commitLog.segmentStartOf(recoveredTo)),
        positionInSegment: recoveredTo - commitLog.segmentStartOf(recoveredTo),
        reason: res.reason,
        truncatedBytes,
      },
      'commit log: cut the tail at the first bad or torn record',
    );
  }
  commitLog.setRecovered(recoveredTo);
  const hasData = recoveredTo > clMin;

  // ---- B. consume queues and index
  const rebuilt: string[] = [];
  const tombstones = new Map<string, number>();
  for (const [topic, at] of cp?.deletedTopics ?? []) if (at > clMin) tombstones.set(topic, at);

  const { rootExisted, broken } = table.loadAll();
  const rebuildQueues = new Set<ConsumeQueue>();
  let rebuildAll = false;
  let trimLimit = clMin;
  if (!cp || !rootExisted) {
    for (const q of table.all()) q.resetSync();
    rmSync(table.rootDir, { recursive: true, force: true });
    if (hasData) {
      rebuildAll = true;
      const why = !cp ? 'no usable checkpoint' : 'consume-queue directory missing';
      rebuilt.push(`consumequeue (all queues: ${why})`);
      logger.warn({ reason: why }, 'store: rebuilding every consume queue from the commit log');
    }
  } else {
    for (const { queue, reason } of broken) {
      logger.warn({ topic: queue.topic, queueId: queue.queueId, reason }, 'store: consume queue damaged; rebuilding it');
      queue.resetSync();
      rebuildQueues.add(queue);
    }
    for (const [topic, queueId, max] of cp.queues) {
      const q = table.getOrCreate(topic, queueId);
      if (rebuildQueues.has(q) || q.persistedMax >= max) continue;
      logger.warn({ topic, queueId, entries: q.persistedMax, expected: max }, 'store: consume-queue files missing entries; rebuilding the queue');
      q.resetSync();
      rebuildQueues.add(q);
    }
    for (const q of table.all()) {
      const tomb = tombstones.get(q.topic);
      if (tomb === undefined || rebuildQueues.has(q)) continue;
      const first = q.firstEntrySync();
      if (first !== undefined && first.offset < tomb) {
        q.resetSync(); // files of a deleted topic whose removal was interrupted
        rebuildQueues.add(q);
      }
    }
    trimLimit = Math.min(cp.consumeQueueOffset, recoveredTo);
    for (const q of table.all()) if (!rebuildQueues.has(q)) q.trimTail(trimLimit);
  }
  for (const q of rebuildQueues) rebuilt.push(`consumequeue/${q.topic}/${q.queueId}`);

  const idx = IndexService.load(inp.indexDir, inp.indexSlotCount, inp.indexMaxEntries, clMin, recoveredTo, logger);
  if (idx.rebuildReason !== undefined) {
    rebuilt.push(`index (${idx.rebuildReason})`);
    logger.warn({ reason: idx.rebuildReason }, 'store: rebuilding the index from the commit log');
  }

  // ---- C. re-dispatch
  const cqFrom = rebuildAll || rebuildQueues.size > 0 ? clMin : trimLimit;
  const indexFrom = idx.coverage;
  const from = Math.min(cqFrom, indexFrom);
  let redispatched = 0;
  let redispatchedBytes = 0;
  let unflushed = 0;
  const canStartLate = (q: ConsumeQueue, set: Set<ConsumeQueue> | undefined): boolean =>
    q.isBlank && (rebuildAll || rebuildQueues.has(q) || (set?.has(q) ?? false));

  const pass = async (passFrom: number, only: Set<ConsumeQueue> | undefined, withIndex: boolean): Promise<Set<ConsumeQueue>> => {
    const gaps = new Set<ConsumeQueue>();
    const end = await commitLog.scan(
      passFrom,
      async (buf, pos, size, offset) => {
        redispatchedBytes += size;
        const wantIndex = withIndex && offset >= indexFrom;
        const h = decodeHeader(buf, pos, size, wantIndex);
        const tomb = tombstones.get(h.topic);
        if (tomb !== undefined && offset < tomb) return;
        if (wantIndex) idx.service.addRecord(h.topic, h.keys, h.uniqKey, offset, h.storeTimestamp);
        let q = table.get(h.topic, h.queueId);
        if (only !== undefined) {
          if (q === undefined || !only.has(q)) return;
        } else {
          if (!(rebuildAll || offset >= trimLimit || (q !== undefined && rebuildQueues.has(q)))) return;
          q ??= table.getOrCreate(h.topic, h.queueId);
        }
        if (gaps.has(q)) return;
        if (h.queueOffset > 0 && canStartLate(q, only)) q.startAt(h.queueOffset);
        if (h.queueOffset === q.maxOffset) {
          q.push(offset, size, h.tagsCode);
          redispatched++;
          if (++unflushed >= REBUILD_FLUSH_EVERY) {
            unflushed = 0;
            await table.flushAll(false);
          }
        } else if (h.queueOffset > q.maxOffset) {
          gaps.add(q);
        }
      },
      recoveredTo,
      scanFrom, // [scanFrom, recoveredTo) was verified in step A
    );
    if (end.reason !== undefined) {
      throw new StoreError(StoreErrorCode.CORRUPT, `commit log changed during recovery at ${end.end}: ${end.reason}`);
    }
    return gaps;
  };

  if (from < recoveredTo) {
    const gaps = await pass(from, undefined, true);
    if (gaps.size > 0) {
      for (const q of gaps) {
        logger.warn({ topic: q.topic, queueId: q.queueId }, 'store: consume queue has a gap; rebuilding it from the commit log');
        q.resetSync();
        rebuilt.push(`consumequeue/${q.topic}/${q.queueId}`);
      }
      const again = await pass(clMin, gaps, false);
      if (again.size > 0) throw new StoreError(StoreErrorCode.CORRUPT, 'commit log queue offsets are not contiguous; cannot rebuild consume queues');
    }
  }
  idx.service.cover(recoveredTo);
  for (const q of table.all()) q.assignedOffset = q.maxOffset;
  await table.flushAll(true);
  // The index is not written here: its files say what they cover, so the background flush can write it (the
  // snapshot is due at once when much was re-indexed) and a crash before then only re-indexes that range again.
  if (hasData) for (const q of table.all()) await q.correctMinOffset(clMin);

  const report: RecoveryReport = {
    crashed: inp.crashed,
    recoveredTo,
    truncatedBytes,
    rebuilt,
    durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
    scannedFrom: scanFrom,
    verifiedBytes,
    redispatchFrom: from < recoveredTo ? from : recoveredTo,
    redispatchedBytes,
    redispatchedRecords: redispatched,
  };
  if (res.reason !== undefined) report.truncateReason = res.reason;
  const verifyPoints = [scanFrom, recoveredTo];
  if (cp?.verifyFrom !== undefined && cp.verifyFrom >= clMin && cp.verifyFrom <= recoveredTo) verifyPoints.push(cp.verifyFrom);
  return { report, verifyPoints, indexCoverageOnDisk: indexFrom, index: idx.service, tombstones };
}
