/**
 * The message index (by UNIQ_KEY and by each of the space-separated KEYS): a chain of immutable sealed hash-slot
 * files `index/<begin offset>.idx` plus one in-memory index being filled, snapshotted now and then to
 * `index/active.idx` (atomic rename). The files describe which commit-log range they cover, so after a crash the
 * store re-dispatches from the end of that range; missing or damaged files are rebuilt from the commit log.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { offsetName, parseOffsetName, writeFileAtomic } from './file-util.js';
import {
  decodeIndexHeader,
  fileCandidates,
  hashKey,
  IndexBuilder,
  type IndexHeader,
  INDEX_HEADER_SIZE,
  KEY_KIND_KEYS,
  KEY_KIND_UNIQ,
} from './index-file.js';
import type { Logger } from '../util/logger.js';

interface SealedFile {
  path: string;
  header: IndexHeader;
  /** Still in memory: sealed but its file not written yet. */
  pending: IndexBuilder | undefined;
}

export interface IndexLoadResult {
  service: IndexService;
  /** Every record below this commit-log offset is in the index files. */
  coverage: number;
  /** Set when the index had to be started over (missing or damaged files). */
  rebuildReason?: string;
}

const ACTIVE_NAME = 'active.idx';
const SEALED_SUFFIX = '.idx';

export class IndexService {
  private readonly sealed: SealedFile[] = [];
  private active: IndexBuilder;
  private dirty = false;
  /** Scratch list of [start, end) pairs of KEYS, reused per record. */
  private readonly ranges: number[] = [];

  private constructor(
    readonly dir: string,
    private readonly slotCount: number,
    private readonly maxEntries: number,
    active: IndexBuilder,
  ) {
    this.active = active;
  }

  /** Opens the index at start (sync). `recoveredTo` is the commit log's end after recovery. */
  static load(
    dir: string,
    slotCount: number,
    maxEntries: number,
    commitLogMin: number,
    recoveredTo: number,
    logger: Logger,
  ): IndexLoadResult {
    const fresh = (reason: string | undefined): IndexLoadResult => {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const service = new IndexService(dir, slotCount, maxEntries, new IndexBuilder(slotCount, maxEntries, commitLogMin));
      const res: IndexLoadResult = { service, coverage: commitLogMin };
      if (reason !== undefined && recoveredTo > commitLogMin) res.rebuildReason = reason;
      return res;
    };
    if (!existsSync(dir)) return fresh('index directory missing');

    const sealed: SealedFile[] = [];
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.tmp')) {
        rmSync(join(dir, name), { force: true }); // an atomic write interrupted by a crash
        continue;
      }
      if (!name.endsWith(SEALED_SUFFIX) || name === ACTIVE_NAME) continue;
      const begin = parseOffsetName(name.slice(0, -SEALED_SUFFIX.length));
      if (begin === undefined) continue;
      const path = join(dir, name);
      const h = readHeader(path);
      if (typeof h === 'string') return fresh(`index file ${name}: ${h}`);
      if (h.beginOffset !== begin) return fresh(`index file ${name} says it begins at ${h.beginOffset}`);
      sealed.push({ path, header: h, pending: undefined });
    }
    sealed.sort((a, b) => a.header.beginOffset - b.header.beginOffset);
    for (let i = 0; i < sealed.length; i++) {
      const s = sealed[i] as SealedFile;
      const expectBegin = i === 0 ? undefined : (sealed[i - 1] as SealedFile).header.endOffset;
      if (expectBegin !== undefined && s.header.beginOffset !== expectBegin) return fresh('index files are not contiguous');
    }
    const first = sealed[0];
    if (first && first.header.beginOffset > commitLogMin) return fresh('oldest index files are missing');
    // Files reaching past the recovered end describe cut records: drop them and index those offsets again.
    while (sealed.length > 0 && (sealed[sealed.length - 1] as SealedFile).header.endOffset > recoveredTo) {
      const s = sealed.pop() as SealedFile;
      logger.warn({ file: s.path, endOffset: s.header.endOffset, recoveredTo }, 'index: dropping a file beyond the recovered commit log');
      unlinkSync(s.path);
    }
    const chainEnd = sealed.length > 0 ? (sealed[sealed.length - 1] as SealedFile).header.endOffset : commitLogMin;

    let active: IndexBuilder | undefined;
    const activePath = join(dir, ACTIVE_NAME);
    if (existsSync(activePath)) {
      const h = readHeader(activePath);
      const fits =
        typeof h !== 'string' &&
        h.endOffset <= recoveredTo &&
        (sealed.length > 0 ? h.beginOffset === chainEnd : h.beginOffset <= commitLogMin);
      if (fits) active = IndexBuilder.fromFileSync(h, activePath);
      if (!active) {
        logger.info({ file: activePath }, 'index: snapshot does not continue the index files; indexing its range again');
        unlinkSync(activePath);
      }
    }
    const service = new IndexService(dir, slotCount, maxEntries, active ?? new IndexBuilder(slotCount, maxEntries, chainEnd));
    service.sealed.push(...sealed);
    return { service, coverage: service.active.endOffset };
  }

  /** Commit-log offset up to which records are indexed (in memory or on disk). */
  get coverage(): number {
    return this.active.endOffset;
  }

  /** Indexes one record's message id and keys (dispatch order = commit-log order). */
  addRecord(topic: string, keys: string | undefined, uniqKey: string | undefined, commitLogOffset: number, storeTimestamp: number): void {
    const r = this.ranges;
    r.length = 0;
    if (keys !== undefined) {
      let i = 0;
      const n = keys.length;
      while (i < n) {
        while (i < n && keys.charCodeAt(i) === 32) i++;
        const s = i;
        while (i < n && keys.charCodeAt(i) !== 32) i++;
        if (i > s) r.push(s, i);
      }
    }
    const count = r.length / 2 + (uniqKey ? 1 : 0);
    if (count === 0) return;
    if (!this.active.roomFor(count) && this.active.entryCount > 0) this.seal(commitLogOffset);
    if (uniqKey) this.active.add(hashKey(KEY_KIND_UNIQ, '', uniqKey, 0, uniqKey.length), commitLogOffset, storeTimestamp);
    for (let j = 0; j < r.length && !this.active.full; j += 2) {
      this.active.add(hashKey(KEY_KIND_KEYS, topic, keys as string, r[j] as number, r[j + 1] as number), commitLogOffset, storeTimestamp);
    }
    this.dirty = true;
  }

  /** Every record below `endOffset` has been offered to `addRecord`. */
  cover(endOffset: number): void {
    if (endOffset > this.active.endOffset) {
      this.active.endOffset = endOffset;
      this.dirty = true;
    }
  }

  private seal(atOffset: number): void {
    this.active.endOffset = atOffset;
    const b = this.active;
    this.sealed.push({ path: join(this.dir, offsetName(b.beginOffset) + SEALED_SUFFIX), header: b.header(), pending: b });
    this.active = new IndexBuilder(this.slotCount, this.maxEntries, atOffset);
  }

  /** Writes sealed files still in memory, and (when `snapshot`) the active index if it changed. */
  async persist(snapshot: boolean): Promise<void> {
    for (const s of this.sealed) {
      if (!s.pending) continue;
      await writeFileAtomic(s.path, this.dir, s.pending.fileParts(false));
      s.pending = undefined;
    }
    if (snapshot && this.dirty) {
      this.dirty = false;
      const parts = this.active.fileParts(true);
      try {
        await writeFileAtomic(join(this.dir, ACTIVE_NAME), this.dir, parts);
      } catch (err) {
        this.dirty = true;
        throw err;
      }
    }
  }

  /** Candidate commit-log offsets for a message id, newest first (verify by reading the record). */
  uniqKeyCandidates(uniqKey: string, limit: number): Promise<number[]> {
    return this.candidates(hashKey(KEY_KIND_UNIQ, '', uniqKey, 0, uniqKey.length), limit);
  }

  keyCandidates(topic: string, key: string, limit: number): Promise<number[]> {
    return this.candidates(hashKey(KEY_KIND_KEYS, topic, key, 0, key.length), limit);
  }

  private async candidates(hash: number, limit: number): Promise<number[]> {
    const out: number[] = [];
    this.active.candidates(hash, limit, out);
    const files = [...this.sealed];
    for (let i = files.length - 1; i >= 0 && out.length < limit; i--) {
      const s = files[i] as SealedFile;
      if (s.pending) s.pending.candidates(hash, limit, out);
      else {
        try {
          await fileCandidates(s.path, s.header, hash, limit, out);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted by retention meanwhile
        }
      }
    }
    return out;
  }

  /** Retention: deletes sealed files covering only offsets below the commit log's new start. */
  async dropBelow(commitLogMin: number): Promise<string[]> {
    const dropped: string[] = [];
    while (this.sealed.length > 0 && (this.sealed[0] as SealedFile).header.endOffset <= commitLogMin) {
      const s = this.sealed.shift() as SealedFile;
      if (!s.pending) await unlink(s.path).catch(() => undefined);
      dropped.push(s.path);
    }
    return dropped;
  }

  get fileCount(): number {
    return this.sealed.length;
  }
}

function readHeader(path: string): IndexHeader | string {
  const b = Buffer.alloc(INDEX_HEADER_SIZE);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, b, 0, INDEX_HEADER_SIZE, 0);
  } finally {
    closeSync(fd);
  }
  return decodeIndexHeader(b);
}
