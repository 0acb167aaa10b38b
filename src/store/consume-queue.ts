/**
 * One consume queue: the fixed 20-byte entries (commit-log offset 8, size 4, tag code 8) of one topic/queue id,
 * in files of `entriesPerFile` entries named by the 20-digit byte offset of their first entry (as RocketMQ).
 * The queue offset of a message is its entry index. Derived data: new entries live in memory until the lazy
 * flusher writes them; after a crash recovery trims the tail and re-dispatches from the commit log.
 */
import { ftruncateSync, openSync, closeSync, readdirSync, readSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { mkdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { offsetName, parseOffsetName, readFully, writeFully } from './file-util.js';
import type { HandlePool } from './handle-pool.js';
import { readInt64, writeInt64 } from './record-codec.js';
import type { ConsumeQueueEntry } from './types.js';

export const CQ_ENTRY_SIZE = 20;

export class ConsumeQueue {
  /** Lowest readable queue offset (moves up with retention). */
  minOffset = 0;
  /** Entries below this are in the files. */
  persistedMax = 0;
  /** Next queue offset to hand out at append time (ahead of maxOffset while a batch is in flight). */
  assignedOffset = 0;
  /** Start queue offsets of the files present, ascending. */
  private files: number[] = [];
  private pending: Buffer = Buffer.allocUnsafe(CQ_ENTRY_SIZE * 64);
  private pendingCount = 0;
  /** Set when deleted: flushes and reads become no-ops. */
  private dropped = false;

  constructor(
    readonly topic: string,
    readonly queueId: number,
    readonly dir: string,
    private readonly entriesPerFile: number,
    private readonly pool: HandlePool,
  ) {}

  /** Next queue offset readable = count of dispatched entries. */
  get maxOffset(): number {
    return this.persistedMax + this.pendingCount;
  }

  get unflushed(): number {
    return this.pendingCount;
  }

  private filePath(startQueueOffset: number): string {
    return join(this.dir, offsetName(startQueueOffset * CQ_ENTRY_SIZE));
  }

  /**
   * Loads the file list at open (sync). Returns a reason when the files are not a valid queue (then the caller
   * rebuilds it); a torn last entry is cut.
   */
  load(): string | undefined {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return undefined; // no directory: an empty queue
    }
    const starts: number[] = [];
    for (const name of names) {
      const byteOffset = parseOffsetName(name);
      if (byteOffset === undefined) continue;
      const perFileBytes = this.entriesPerFile * CQ_ENTRY_SIZE;
      if (byteOffset % perFileBytes !== 0) return `file ${name} is not at a multiple of ${perFileBytes} bytes`;
      starts.push(byteOffset / CQ_ENTRY_SIZE);
    }
    starts.sort((a, b) => a - b);
    for (let i = 0; i < starts.length; i++) {
      const s = starts[i] as number;
      if (i > 0 && s !== (starts[i - 1] as number) + this.entriesPerFile) return `file for queue offset ${s} does not follow the previous one`;
      const size = statSync(this.filePath(s)).size;
      const isLast = i === starts.length - 1;
      if (!isLast && size !== this.entriesPerFile * CQ_ENTRY_SIZE) return `file for queue offset ${s} is not full (${size} bytes)`;
      if (isLast) {
        if (size > this.entriesPerFile * CQ_ENTRY_SIZE) return `file for queue offset ${s} is too long (${size} bytes)`;
        const whole = size - (size % CQ_ENTRY_SIZE);
        if (whole !== size) this.truncateFileSync(s, whole);
        this.persistedMax = s + whole / CQ_ENTRY_SIZE;
      }
    }
    this.files = starts;
    this.minOffset = starts.length > 0 ? (starts[0] as number) : 0;
    this.assignedOffset = this.persistedMax;
    return undefined;
  }

  private truncateFileSync(start: number, bytes: number): void {
    const fd = openSync(this.filePath(start), 'r+');
    try {
      ftruncateSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
  }

  /** Entry at a persisted queue offset, read synchronously (open-time recovery only). */
  private entrySync(q: number): { offset: number; size: number } {
    const start = q - (q % this.entriesPerFile);
    const b = Buffer.alloc(CQ_ENTRY_SIZE);
    const fd = openSync(this.filePath(start), 'r');
    try {
      readSync(fd, b, 0, CQ_ENTRY_SIZE, (q - start) * CQ_ENTRY_SIZE);
    } finally {
      closeSync(fd);
    }
    return { offset: readInt64(b, 0), size: b.readInt32BE(8) };
  }

  /**
   * Recovery (sync): drops trailing entries pointing at or beyond `limit` (not yet covered by the checkpoint, or
   * cut from the commit log) and invalid zero entries. Returns how many entries were dropped.
   */
  trimTail(limit: number): number {
    let keep = this.persistedMax;
    while (keep > this.minOffset) {
      const e = this.entrySync(keep - 1);
      if (e.size > 0 && e.offset >= 0 && e.offset < limit) break;
      keep--;
    }
    const dropped = this.persistedMax - keep;
    if (dropped === 0) return 0;
    // Keep at least one file: its name records where the queue's offsets continue.
    while (this.files.length > 1 && (this.files[this.files.length - 1] as number) >= keep) {
      const s = this.files.pop() as number;
      this.pool.invalidate(this.filePath(s));
      unlinkSync(this.filePath(s));
    }
    const last = this.files[this.files.length - 1];
    if (last !== undefined) {
      this.pool.invalidate(this.filePath(last));
      this.truncateFileSync(last, (keep - last) * CQ_ENTRY_SIZE);
    }
    this.persistedMax = keep;
    this.assignedOffset = keep;
    if (this.minOffset > keep) this.minOffset = keep;
    return dropped;
  }

  /** True for a queue with no files and no entries (new, or reset for a rebuild). */
  get isBlank(): boolean {
    return this.files.length === 0 && this.pendingCount === 0 && this.persistedMax === 0;
  }

  /** A blank queue whose oldest surviving record has queue offset `k` (older ones were deleted by retention). */
  startAt(k: number): void {
    if (!this.isBlank) throw new Error(`consume queue ${this.topic}/${this.queueId}: startAt on a non-blank queue`);
    this.minOffset = k;
    this.persistedMax = k;
    this.assignedOffset = k;
  }

  /** First readable entry, read synchronously (open time). */
  firstEntrySync(): { offset: number; size: number } | undefined {
    if (this.persistedMax <= this.minOffset) return undefined;
    return this.entrySync(this.minOffset);
  }

  /** Forget everything (files deleted by the caller or about to be rebuilt). */
  resetSync(): void {
    this.pool.invalidatePrefix(this.dir + '/');
    rmSync(this.dir, { recursive: true, force: true });
    this.files = [];
    this.minOffset = 0;
    this.persistedMax = 0;
    this.assignedOffset = 0;
    this.pendingCount = 0;
  }

  /** Appends one entry in memory (the dispatcher, in queue-offset order). */
  push(commitLogOffset: number, size: number, tagsCode: number): void {
    const need = (this.pendingCount + 1) * CQ_ENTRY_SIZE;
    if (need > this.pending.length) {
      const grown = Buffer.allocUnsafe(this.pending.length * 2);
      this.pending.copy(grown, 0, 0, this.pendingCount * CQ_ENTRY_SIZE);
      this.pending = grown;
    }
    const p = this.pendingCount * CQ_ENTRY_SIZE;
    writeInt64(this.pending, p, commitLogOffset);
    this.pending.writeInt32BE(size, p + 8);
    writeInt64(this.pending, p + 12, tagsCode);
    this.pendingCount++;
  }

  /**
   * Writes the in-memory entries to the files (and fdatasyncs the touched files when `durable`). Entries pushed
   * while the write is in flight stay pending for the next flush. The caller serialises flushes.
   */
  async flush(durable: boolean): Promise<void> {
    const n = this.pendingCount;
    if (n === 0 || this.dropped) return;
    const buf = this.pending;
    let q = this.persistedMax;
    let written = 0;
    if (this.files.length === 0) await mkdir(this.dir, { recursive: true });
    while (written < n) {
      const fileStart = q - (q % this.entriesPerFile);
      const count = Math.min(n - written, fileStart + this.entriesPerFile - q);
      const path = this.filePath(fileStart);
      let lease;
      try {
        lease = await this.pool.acquire(path, true);
      } catch (err) {
        if (this.dropped) return;
        throw err;
      }
      try {
        if (this.dropped) return;
        await writeFully(lease.handle, buf, written * CQ_ENTRY_SIZE, count * CQ_ENTRY_SIZE, (q - fileStart) * CQ_ENTRY_SIZE);
        if (durable) await lease.handle.datasync();
      } finally {
        lease.release();
      }
      if (this.files[this.files.length - 1] !== fileStart) this.files.push(fileStart);
      written += count;
      q += count;
    }
    // `this.pending` may have been replaced by a grown copy meanwhile; either way the first n entries are done.
    const rest = this.pendingCount - n;
    this.pending.copyWithin(0, n * CQ_ENTRY_SIZE, (n + rest) * CQ_ENTRY_SIZE);
    this.pendingCount = rest;
    this.persistedMax += n;
  }

  /** Entries from `from` (clamped to the readable range), at most `maxCount`. */
  async read(from: number, maxCount: number, retried = false): Promise<ConsumeQueueEntry[]> {
    const start = Math.max(from, this.minOffset);
    const end = Math.min(start + Math.max(0, maxCount), this.maxOffset);
    if (start >= end || this.dropped) return [];
    const out: ConsumeQueueEntry[] = new Array<ConsumeQueueEntry>(end - start);
    // The in-memory part first, synchronously, before a concurrent flush can move it into the files.
    const pm = this.persistedMax;
    for (let q = Math.max(start, pm); q < end; q++) out[q - start] = this.pendingEntry(q, q - pm);
    let q = start;
    const fileEnd = Math.min(end, pm);
    while (q < fileEnd) {
      const fileStart = q - (q % this.entriesPerFile);
      const count = Math.min(fileEnd - q, fileStart + this.entriesPerFile - q);
      const b = Buffer.allocUnsafe(count * CQ_ENTRY_SIZE);
      let got: number;
      try {
        const lease = await this.pool.acquire(this.filePath(fileStart));
        try {
          got = await readFully(lease.handle, b, 0, b.length, (q - fileStart) * CQ_ENTRY_SIZE);
        } finally {
          lease.release();
        }
      } catch (err) {
        // Retention or a topic delete removed the file meanwhile: serve what is still there.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return retried ? [] : this.read(from, maxCount, true);
        throw err;
      }
      const full = Math.floor(got / CQ_ENTRY_SIZE);
      for (let i = 0; i < full; i++) {
        const p = i * CQ_ENTRY_SIZE;
        out[q + i - start] = {
          queueOffset: q + i,
          commitLogOffset: readInt64(b, p),
          size: b.readInt32BE(p + 8),
          tagsCode: readInt64(b, p + 12),
        };
      }
      if (full < count) return out.slice(0, q + full - start);
      q += count;
    }
    return out;
  }

  private pendingEntry(queueOffset: number, index: number): ConsumeQueueEntry {
    const p = index * CQ_ENTRY_SIZE;
    return {
      queueOffset,
      commitLogOffset: readInt64(this.pending, p),
      size: this.pending.readInt32BE(p + 8),
      tagsCode: readInt64(this.pending, p + 12),
    };
  }

  /** One entry, or undefined when outside the readable range. */
  async entry(queueOffset: number): Promise<ConsumeQueueEntry | undefined> {
    const [e] = await this.read(queueOffset, 1);
    return e !== undefined && e.queueOffset === queueOffset ? e : undefined;
  }

  /**
   * Retention: the commit log now starts at `commitLogMin`. Moves minOffset to the first entry at or above it and
   * deletes files holding only older entries (never the file being written). Returns the new minOffset.
   */
  async correctMinOffset(commitLogMin: number): Promise<number> {
    const first = await this.entry(this.minOffset);
    if (first === undefined || (first.size > 0 && first.commitLogOffset >= commitLogMin)) return this.minOffset;
    let lo = this.minOffset;
    let hi = this.maxOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = await this.entry(mid);
      // Zero entries (a hole before a rebuilt queue's first entry) count as below the minimum.
      if (e === undefined || (e.size > 0 && e.commitLogOffset >= commitLogMin)) hi = mid;
      else lo = mid + 1;
    }
    this.minOffset = lo;
    while (this.files.length > 1 && (this.files[0] as number) + this.entriesPerFile <= lo) {
      const s = this.files.shift() as number;
      this.pool.invalidate(this.filePath(s));
      await unlink(this.filePath(s)).catch(() => undefined);
    }
    return lo;
  }

  /** Marks the queue deleted and removes its files. */
  async drop(): Promise<void> {
    this.dropped = true;
    this.pool.invalidatePrefix(this.dir + '/');
    await rm(this.dir, { recursive: true, force: true });
  }
}
