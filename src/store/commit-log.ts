/**
 * The commit log: every record of every topic, appended to fixed-size segment files named by the 20-digit offset
 * of their first byte. A record never spans two segments; the space after a segment's last record is claimed by
 * a blank marker (size + BLANK_MAGIC), so offsets stay `segmentIndex * segmentSize + position`. Files are not
 * preallocated: a segment file holds only the bytes written into it.
 *
 * This class owns files and positions; the message store decides what to write and when to sync.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, StoreErrorCode } from './errors.js';
import { fsyncDir, offsetName, parseOffsetName, readFully, writeFully } from './file-util.js';
import type { Lease } from './handle-pool.js';
import { HandlePool } from './handle-pool.js';
import {
  BLANK_MAGIC,
  BLANK_SIZE,
  decodeRecord,
  FIXED_SIZE,
  OFF_MAGIC,
  OFF_STORE_TIMESTAMP,
  readInt64,
  RECORD_MAGIC_V1,
  verifyRecord,
} from './record-codec.js';
import { TailCache } from './tail-cache.js';
import type { StoredMessage } from './types.js';
import type { Logger } from '../util/logger.js';

/** Where a scan stopped: `end` is the first offset not holding a good record; `reason` is set when it was bad. */
export interface ScanEnd {
  end: number;
  reason?: string;
}

export type RecordVisitor = (buf: Buffer, pos: number, size: number, offset: number) => void | Promise<void>;

/** Read size of recovery scans: large enough for few reads, small enough not to stay in RSS after open. */
const SCAN_CHUNK = 2 * 1024 * 1024;
const FIRST_READ = 4096;

export class CommitLog {
  /** Start offsets of the segment files, ascending and contiguous. */
  private readonly segments: number[] = [];
  private readonly pool: HandlePool;
  private readonly cache: TailCache;
  /** Lease on the segment being written and its start offset. */
  private writer: { start: number; lease: Lease } | undefined;
  /** Store timestamp of each segment's first record (retention uses the next segment's as a segment's age). */
  private readonly firstTimestamps = new Map<number, number>();
  /** File length of each segment (kept current by writes, so stats need no stat call). */
  private readonly sizes = new Map<number, number>();

  /** Store timestamp of the newest record (scan at open, then writes); the writing segment's age for retention. */
  lastRecordTimestamp: number | undefined;
  /** Next byte to write. */
  writePos = 0;
  /** Everything below is on disk (fdatasync done). */
  flushedOffset = 0;
  fsyncCount = 0;
  /** Set while a failed write's bytes past writePos may still be in the file (see rollback). */
  private tailToCut = false;

  private constructor(
    readonly dir: string,
    readonly segmentSize: number,
    private readonly logger: Logger,
    cacheBytes: number,
  ) {
    this.pool = new HandlePool(64);
    this.cache = new TailCache(cacheBytes);
  }

  /** Lists the segment files (sync: open-time only). Throws CORRUPT when segments are missing in the middle. */
  static open(dir: string, segmentSize: number, logger: Logger, cacheBytes: number): CommitLog {
    mkdirSync(dir, { recursive: true });
    const log = new CommitLog(dir, segmentSize, logger, cacheBytes);
    const starts: number[] = [];
    for (const name of readdirSync(dir)) {
      const start = parseOffsetName(name);
      if (start === undefined) {
        logger.warn({ dir, file: name }, 'commit log: ignoring a file that is not a segment');
        continue;
      }
      if (start % segmentSize !== 0) {
        throw new StoreError(
          StoreErrorCode.CORRUPT,
          `commit log segment ${name} does not start at a multiple of the segment size ${segmentSize}`,
        );
      }
      starts.push(start);
    }
    starts.sort((a, b) => a - b);
    for (const s of starts) log.sizes.set(s, statSync(log.segmentPath(s)).size);
    for (let i = 1; i < starts.length; i++) {
      if (starts[i] !== (starts[i - 1] as number) + segmentSize) {
        throw new StoreError(
          StoreErrorCode.CORRUPT,
          `commit log segments are not contiguous: ${offsetName(starts[i - 1] as number)} is followed by ` +
            `${offsetName(starts[i] as number)} (a segment in between is missing)`,
        );
      }
    }
    log.segments.push(...starts);
    return log;
  }

  segmentStarts(): readonly number[] {
    return this.segments;
  }

  segmentPath(start: number): string {
    return join(this.dir, offsetName(start));
  }

  segmentStartOf(offset: number): number {
    return offset - (offset % this.segmentSize);
  }

  /** Lowest readable offset. */
  minOffset(): number {
    return this.segments.length > 0 ? (this.segments[0] as number) : this.writePos;
  }

  /** Bytes of all segment files. */
  get bytesOnDisk(): number {
    let total = 0;
    for (const n of this.sizes.values()) total += n;
    return total;
  }

  private async fileSize(start: number): Promise<number> {
    const lease = await this.pool.acquire(this.segmentPath(start));
    try {
      return (await lease.handle.stat()).size;
    } finally {
      lease.release();
    }
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Reads records from `from` (a record boundary) to the end of the data, verifying each (magic, size, both CRCs,
   * offset) and calling `visit` for every good one. Stops at the end of the data, or at `stopAt`, or at the first
   * bad or torn record (then `reason` says why). Records at or after `verifiedFrom` (checked by an earlier scan of
   * this open) get only the framing checks, not the CRCs again.
   */
  async scan(from: number, visit: RecordVisitor | undefined, stopAt = Number.MAX_SAFE_INTEGER, verifiedFrom = Number.MAX_SAFE_INTEGER): Promise<ScanEnd> {
    let chunk = Buffer.allocUnsafe(SCAN_CHUNK);
    let segIndex = this.segments.indexOf(this.segmentStartOf(from));
    if (segIndex < 0) {
      const last = this.segments[this.segments.length - 1];
      if (last === undefined || from === last + this.segmentSize) return { end: from };
      return { end: from, reason: `offset ${from} is outside the segment files` };
    }
    let rel = from - (this.segments[segIndex] as number);
    for (;;) {
      const segStart = this.segments[segIndex] as number;
      const isLast = segIndex === this.segments.length - 1;
      const lease = await this.pool.acquire(this.segmentPath(segStart));
      try {
        const fileLen = (await lease.handle.stat()).size;
        let chunkStart = rel;
        let chunkLen = 0;
        for (;;) {
          const offset = segStart + rel;
          if (offset >= stopAt) return { end: offset };
          const avail = fileLen - rel;
          if (avail < 0) return { end: offset, reason: `position ${rel} is beyond the end of segment ${offsetName(segStart)} (${fileLen} bytes)` };
          if (avail === 0) {
            if (isLast) return { end: offset };
            return { end: offset, reason: `segment ${offsetName(segStart)} ends at byte ${rel} without an end-of-segment marker` };
          }
          if (avail < BLANK_SIZE) return { end: offset, reason: `torn record header (${avail} bytes at the end of the file)` };
          if (rel + BLANK_SIZE > chunkStart + chunkLen) {
            chunkStart = rel;
            chunkLen = await readFully(lease.handle, chunk, 0, Math.min(chunk.length, avail), rel);
          }
          let p = rel - chunkStart;
          const size = chunk.readInt32BE(p);
          const magic = chunk.readUInt32BE(p + OFF_MAGIC);
          if (size === 0 && magic === 0) return { end: offset, reason: 'zero-filled tail' };
          if (magic === BLANK_MAGIC) {
            if (size !== this.segmentSize - rel) {
              return { end: offset, reason: `end-of-segment marker spans ${size} bytes, expected ${this.segmentSize - rel}` };
            }
            break;
          }
          if (magic !== RECORD_MAGIC_V1) return { end: offset, reason: `bad magic 0x${magic.toString(16)}` };
          if (size < FIXED_SIZE || rel + size + BLANK_SIZE > this.segmentSize) {
            return { end: offset, reason: `bad record size ${size}` };
          }
          if (size > avail) return { end: offset, reason: `torn record: ${avail} of ${size} bytes present` };
          if (rel + size > chunkStart + chunkLen) {
            if (size > chunk.length) chunk = Buffer.allocUnsafe(size);
            chunkStart = rel;
            chunkLen = await readFully(lease.handle, chunk, 0, Math.min(chunk.length, avail), rel);
            p = 0;
          }
          const why = offset >= verifiedFrom ? undefined : verifyRecord(chunk, p, size, offset);
          if (why !== undefined) return { end: offset, reason: why };
          if (!this.firstTimestamps.has(segStart) && rel === 0) {
            this.firstTimestamps.set(segStart, readInt64(chunk, p + OFF_STORE_TIMESTAMP));
          }
          this.lastRecordTimestamp = readInt64(chunk, p + OFF_STORE_TIMESTAMP);
          if (visit) await visit(chunk, p, size, offset);
          rel += size;
        }
      } finally {
        lease.release();
      }
      // Blank marker: continue in the next segment, if there is one.
      const nextStart = (this.segments[segIndex] as number) + this.segmentSize;
      if (segIndex === this.segments.length - 1) return { end: nextStart };
      segIndex++;
      rel = 0;
    }
  }

  /** Cuts the log at `offset` (a record boundary found by `scan`); returns the bytes removed. */
  async truncate(offset: number): Promise<number> {
    let cut = 0;
    const keepStart = this.segmentStartOf(offset);
    while (this.segments.length > 0 && (this.segments[this.segments.length - 1] as number) > keepStart) {
      const s = this.segments.pop() as number;
      cut += await this.fileSize(s);
      this.sizes.delete(s);
      this.pool.invalidate(this.segmentPath(s));
      await unlink(this.segmentPath(s));
    }
    if (this.segments.includes(keepStart)) {
      const lease = await this.pool.acquire(this.segmentPath(keepStart));
      try {
        const len = (await lease.handle.stat()).size;
        const rel = offset - keepStart;
        if (len > rel) {
          cut += len - rel;
          await lease.handle.truncate(rel);
          this.sizes.set(keepStart, rel);
          await lease.handle.datasync();
        }
      } finally {
        lease.release();
      }
    }
    await fsyncDir(this.dir);
    return cut;
  }

  /** Sets the write position after recovery. */
  setRecovered(offset: number): void {
    this.writePos = offset;
    this.flushedOffset = offset;
    this.cache.reset(offset);
  }

  // ---------------------------------------------------------------- writing

  /** Room left in the segment being written: records must leave BLANK_SIZE bytes for the end marker. */
  remainingInSegment(): number {
    return this.segmentSize - (this.writePos % this.segmentSize);
  }

  /**
   * Writes `len` bytes of `buf` from `start` at the write position, then moves the position to `advanceTo`
   * (past the bytes, or to the segment end when the batch ends with a blank marker).
   */
  async write(buf: Buffer, start: number, len: number, advanceTo: number, storeTimestamp: number): Promise<void> {
    if (this.tailToCut) await this.cutTail();
    const offset = this.writePos;
    const w = await this.writerFor(offset);
    await writeFully(w.lease.handle, buf, start, len, offset - w.start);
    this.sizes.set(w.start, offset - w.start + len);
    this.lastRecordTimestamp = storeTimestamp;
    if (offset === w.start && len >= FIXED_SIZE) this.firstTimestamps.set(w.start, readInt64(buf, start + OFF_STORE_TIMESTAMP));
    this.cache.append(offset, buf, start, len);
    this.writePos = advanceTo;
    if (advanceTo !== offset + len) this.cache.reset(advanceTo);
  }

  /**
   * Takes back a write nobody was told about (its write or fdatasync failed): the position returns to `offset`
   * (the batch's start) and the file is cut there, so neither a reader, the next write nor recovery after a crash
   * sees a torn or unacknowledged record. When the cut itself fails (a read-only file system), the next write
   * cuts first and fails if it still cannot.
   */
  async rollback(offset: number): Promise<void> {
    this.writePos = offset;
    if (this.flushedOffset > offset) this.flushedOffset = offset;
    this.cache.truncate(offset);
    this.tailToCut = true;
    try {
      await this.cutTail();
    } catch (err) {
      this.logger.debug({ offset, err: (err as Error).message }, 'commit log: cutting a failed write failed; the next write retries');
    }
  }

  private async cutTail(): Promise<void> {
    const start = this.segmentStartOf(this.writePos);
    const rel = this.writePos - start;
    if (this.segments.includes(start)) {
      const lease = await this.pool.acquire(this.segmentPath(start));
      try {
        if ((await lease.handle.stat()).size > rel) {
          await lease.handle.truncate(rel);
          await lease.handle.datasync();
        }
      } finally {
        lease.release();
      }
      this.sizes.set(start, rel);
    }
    if (rel === 0) this.firstTimestamps.delete(start);
    this.tailToCut = false;
  }

  /** fdatasync of the segment being written; everything written so far is durable afterwards. */
  async sync(): Promise<void> {
    const target = this.writePos;
    if (this.writer && this.flushedOffset < target) {
      await this.writer.lease.handle.datasync();
      this.fsyncCount++;
    }
    if (target > this.flushedOffset) this.flushedOffset = target;
  }

  private async writerFor(offset: number): Promise<{ start: number; lease: Lease }> {
    const start = this.segmentStartOf(offset);
    if (this.writer && this.writer.start === start) return this.writer;
    if (this.writer) {
      // Moving on: the finished segment must be durable before the new one is used (async mode relies on it).
      if (this.flushedOffset < start) {
        await this.writer.lease.handle.datasync();
        this.fsyncCount++;
        this.flushedOffset = start;
      }
      this.writer.lease.release();
      this.writer = undefined;
    }
    const existed = this.segments.includes(start);
    const lease = await this.pool.acquire(this.segmentPath(start), true);
    if (!existed) {
      // The new file's directory entry must be durable before records in it are acknowledged.
      try {
        await fsyncDir(this.dir);
      } catch (err) {
        lease.release();
        throw err;
      }
      this.segments.push(start);
      this.logger.debug({ segment: offsetName(start) }, 'commit log: new segment');
    }
    this.writer = { start, lease };
    return this.writer;
  }

  // ---------------------------------------------------------------- reading

  /**
   * Reads and verifies the record at `offset`. Undefined when the offset is below the oldest segment or at/after
   * the write position. Throws BAD_OFFSET when no record starts there, CORRUPT when its checksum fails.
   */
  async read(offset: number, sizeHint?: number): Promise<StoredMessage | undefined> {
    const buf = await this.readRaw(offset, sizeHint);
    if (buf === undefined) return undefined;
    return decodeRecord(buf, 0, buf.length);
  }

  /** Store timestamp of the record at `offset`, read from its header only. */
  async readStoreTimestamp(offset: number, size: number): Promise<number | undefined> {
    const buf = await this.readRaw(offset, size);
    return buf === undefined ? undefined : readInt64(buf, OFF_STORE_TIMESTAMP);
  }

  private async readRaw(offset: number, sizeHint?: number): Promise<Buffer | undefined> {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new StoreError(StoreErrorCode.BAD_INPUT, `read: commitLogOffset must be a non-negative integer, got ${offset}`);
    }
    if (offset < this.minOffset() || offset >= this.writePos) return undefined;
    const segStart = this.segmentStartOf(offset);
    const maxSize = this.segmentSize - (offset - segStart);
    let size = sizeHint ?? this.cache.readInt32(offset);
    let buf = size !== undefined && size >= FIXED_SIZE && size <= maxSize ? this.cache.read(offset, size) : undefined;
    if (buf === undefined) {
      let lease: Lease;
      try {
        if (!this.segments.includes(segStart)) return undefined;
        lease = await this.pool.acquire(this.segmentPath(segStart));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // deleted by retention meanwhile
        throw err;
      }
      try {
        const rel = offset - segStart;
        const first = Math.min(size !== undefined && size >= FIXED_SIZE ? size : FIRST_READ, maxSize);
        let b = Buffer.allocUnsafe(first);
        let got = await readFully(lease.handle, b, 0, first, rel);
        if (got < 8) throw this.badOffset(offset, 'no record header there');
        size = b.readInt32BE(0);
        if (size < FIXED_SIZE || size > maxSize) throw this.badOffset(offset, `size field ${size} is out of range`);
        if (size > got) {
          const whole = Buffer.allocUnsafe(size);
          b.copy(whole, 0, 0, got);
          got += await readFully(lease.handle, whole, got, size - got, rel + got);
          b = whole;
        }
        if (got < size) throw this.badOffset(offset, `only ${got} of ${size} bytes present`);
        buf = b.length === size ? b : b.subarray(0, size);
      } finally {
        lease.release();
      }
    }
    const magic = buf.readUInt32BE(OFF_MAGIC);
    if (magic !== RECORD_MAGIC_V1 || buf.readInt32BE(0) !== buf.length) throw this.badOffset(offset, 'no record starts there');
    const why = verifyRecord(buf, 0, buf.length, offset);
    if (why !== undefined) {
      if (why.startsWith('record says')) throw this.badOffset(offset, why);
      throw new StoreError(StoreErrorCode.CORRUPT, `read: record at commit-log offset ${offset} is corrupt: ${why}`);
    }
    return buf;
  }

  private badOffset(offset: number, why: string): StoreError {
    return new StoreError(StoreErrorCode.BAD_OFFSET, `read: commit-log offset ${offset} is not a record: ${why}`);
  }

  // ---------------------------------------------------------------- retention

  /** Store timestamp of a segment's first record (cached), undefined for an empty segment. */
  async firstTimestamp(start: number): Promise<number | undefined> {
    const cached = this.firstTimestamps.get(start);
    if (cached !== undefined) return cached;
    if (!this.segments.includes(start)) return undefined;
    const lease = await this.pool.acquire(this.segmentPath(start));
    try {
      const b = Buffer.allocUnsafe(OFF_STORE_TIMESTAMP + 8);
      const got = await readFully(lease.handle, b, 0, b.length, 0);
      if (got < b.length || b.readUInt32BE(OFF_MAGIC) !== RECORD_MAGIC_V1) return undefined;
      const ts = readInt64(b, OFF_STORE_TIMESTAMP);
      this.firstTimestamps.set(start, ts);
      return ts;
    } finally {
      lease.release();
    }
  }

  /** Deletes the oldest segment (the caller checked it is neither in use nor protected). */
  async deleteOldestSegment(): Promise<number> {
    const start = this.segments[0];
    if (start === undefined || this.segmentStartOf(this.writePos) <= start) {
      throw new Error('commit log: refusing to delete the segment in use');
    }
    this.segments.shift();
    this.firstTimestamps.delete(start);
    this.sizes.delete(start);
    const path = this.segmentPath(start);
    this.pool.invalidate(path);
    await unlink(path);
    return start;
  }

  async close(): Promise<void> {
    if (this.writer) {
      this.writer.lease.release();
      this.writer = undefined;
    }
    await this.pool.close();
  }
}
