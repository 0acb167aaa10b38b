/**
 * Hash-slot index files (RocketMQ's IndexFile idea, our own layout, version 1): a header, a slot table
 * (key hash % slotCount → newest entry + 1, 0 = none) and entries chained newest to oldest
 * (key hash, commit-log offset, previous entry + 1). A lookup yields candidate offsets; the store reads each record
 * and keeps only real matches, so hash collisions and stale entries are harmless.
 */
import { crc32 } from 'node:zlib';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { readFully } from './file-util.js';
import { readInt64, writeInt64 } from './record-codec.js';

/** 'A' 'P' 'G' 'I'. */
export const INDEX_MAGIC = 0x41504749;
export const INDEX_VERSION = 1;
export const INDEX_HEADER_SIZE = 64;
export const INDEX_ENTRY_SIZE = 16;

/** Key kinds hashed into the same index: a message id, or one of a record's KEYS (scoped by topic). */
export const KEY_KIND_UNIQ = 1;
export const KEY_KIND_KEYS = 2;

export interface IndexHeader {
  slotCount: number;
  maxEntries: number;
  entryCount: number;
  /** Commit-log range the file covers: every record in [beginOffset, endOffset) is indexed. */
  beginOffset: number;
  endOffset: number;
  beginTimestamp: number;
  endTimestamp: number;
}

export function encodeIndexHeader(h: IndexHeader): Buffer {
  const b = Buffer.alloc(INDEX_HEADER_SIZE);
  b.writeUInt32BE(INDEX_MAGIC, 0);
  b.writeUInt32BE(INDEX_VERSION, 4);
  b.writeUInt32BE(h.slotCount, 8);
  b.writeUInt32BE(h.maxEntries, 12);
  b.writeUInt32BE(h.entryCount, 16);
  writeInt64(b, 24, h.beginOffset);
  writeInt64(b, 32, h.endOffset);
  writeInt64(b, 40, h.beginTimestamp);
  writeInt64(b, 48, h.endTimestamp);
  b.writeUInt32BE(crc32(b.subarray(0, 56)), 56);
  return b;
}

export function decodeIndexHeader(b: Buffer): IndexHeader | string {
  if (b.length < INDEX_HEADER_SIZE) return 'short header';
  if (b.readUInt32BE(0) !== INDEX_MAGIC) return 'bad magic';
  if (b.readUInt32BE(4) !== INDEX_VERSION) return `unknown version ${b.readUInt32BE(4)}`;
  if (crc32(b.subarray(0, 56)) !== b.readUInt32BE(56)) return 'header CRC mismatch';
  const h: IndexHeader = {
    slotCount: b.readUInt32BE(8),
    maxEntries: b.readUInt32BE(12),
    entryCount: b.readUInt32BE(16),
    beginOffset: readInt64(b, 24),
    endOffset: readInt64(b, 32),
    beginTimestamp: readInt64(b, 40),
    endTimestamp: readInt64(b, 48),
  };
  if (h.slotCount === 0 || h.entryCount > h.maxEntries || h.endOffset < h.beginOffset) return 'inconsistent header';
  return h;
}

/** 32-bit FNV-1a over the kind, the topic and key[start, end) as UTF-16 code units (no string is built). */
export function hashKey(kind: number, topic: string, key: string, start: number, end: number): number {
  let h = Math.imul(0x811c9dc5 ^ kind, 0x01000193);
  for (let i = 0; i < topic.length; i++) h = Math.imul(h ^ topic.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xffff, 0x01000193);
  for (let i = start; i < end; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The index being filled, in memory; sealed when full, snapshotted to disk from time to time. */
export class IndexBuilder {
  readonly slots: Buffer;
  private entries: Buffer;
  entryCount = 0;
  endOffset: number;
  beginTimestamp = 0;
  endTimestamp = 0;

  constructor(
    readonly slotCount: number,
    readonly maxEntries: number,
    readonly beginOffset: number,
  ) {
    this.slots = Buffer.alloc(slotCount * 4);
    this.entries = Buffer.allocUnsafe(Math.min(maxEntries, 4096) * INDEX_ENTRY_SIZE);
    this.endOffset = beginOffset;
  }

  /**
   * Loads a snapshot file (header already checked) straight into the builder's own buffers, so open does not hold
   * the file's bytes twice. Undefined when the file is shorter than its header says.
   */
  static fromFileSync(h: IndexHeader, path: string): IndexBuilder | undefined {
    const fd = openSync(path, 'r');
    try {
      const slotBytes = h.slotCount * 4;
      const entryBytes = h.entryCount * INDEX_ENTRY_SIZE;
      if (fstatSync(fd).size < INDEX_HEADER_SIZE + slotBytes + entryBytes) return undefined;
      const x = new IndexBuilder(h.slotCount, h.maxEntries, h.beginOffset);
      x.grow(h.entryCount);
      if (readAllSync(fd, x.slots, 0, slotBytes, INDEX_HEADER_SIZE) < slotBytes) return undefined;
      if (readAllSync(fd, x.entries, 0, entryBytes, INDEX_HEADER_SIZE + slotBytes) < entryBytes) return undefined;
      x.entryCount = h.entryCount;
      x.endOffset = h.endOffset;
      x.beginTimestamp = h.beginTimestamp;
      x.endTimestamp = h.endTimestamp;
      return x;
    } finally {
      closeSync(fd);
    }
  }

  get full(): boolean {
    return this.entryCount >= this.maxEntries;
  }

  roomFor(n: number): boolean {
    return this.entryCount + n <= this.maxEntries;
  }

  private grow(count: number): void {
    if (count * INDEX_ENTRY_SIZE <= this.entries.length) return;
    let cap = this.entries.length / INDEX_ENTRY_SIZE;
    while (cap < count) cap *= 2;
    cap = Math.min(cap, this.maxEntries);
    const next = Buffer.allocUnsafe(cap * INDEX_ENTRY_SIZE);
    this.entries.copy(next, 0, 0, this.entryCount * INDEX_ENTRY_SIZE);
    this.entries = next;
  }

  add(hash: number, commitLogOffset: number, storeTimestamp: number): void {
    this.grow(this.entryCount + 1);
    const slot = (hash % this.slotCount) * 4;
    const p = this.entryCount * INDEX_ENTRY_SIZE;
    this.entries.writeUInt32BE(hash, p);
    writeInt64(this.entries, p + 4, commitLogOffset);
    this.entries.writeUInt32BE(this.slots.readUInt32BE(slot), p + 12);
    this.entryCount++;
    this.slots.writeUInt32BE(this.entryCount, slot);
    if (this.beginTimestamp === 0) this.beginTimestamp = storeTimestamp;
    this.endTimestamp = storeTimestamp;
  }

  header(): IndexHeader {
    return {
      slotCount: this.slotCount,
      maxEntries: this.maxEntries,
      entryCount: this.entryCount,
      beginOffset: this.beginOffset,
      endOffset: this.endOffset,
      beginTimestamp: this.beginTimestamp,
      endTimestamp: this.endTimestamp,
    };
  }

  /**
   * The file image as parts; `copy` when the builder keeps changing while the parts are written. Only the slots
   * are copied then: entries below entryCount never change (a grown buffer is a new one), so a view of them stays
   * consistent with the header and slots taken now, without a second copy of up to 32 MiB.
   */
  fileParts(copy: boolean): Buffer[] {
    const entries = this.entries.subarray(0, this.entryCount * INDEX_ENTRY_SIZE);
    return [encodeIndexHeader(this.header()), copy ? Buffer.from(this.slots) : this.slots, entries];
  }

  /** Appends offsets of entries with this hash, newest first, until `out` holds `limit`. */
  candidates(hash: number, limit: number, out: number[]): void {
    let ptr = this.slots.readUInt32BE((hash % this.slotCount) * 4);
    let steps = 0;
    while (ptr !== 0 && ptr <= this.entryCount && out.length < limit && steps++ < this.entryCount) {
      const p = (ptr - 1) * INDEX_ENTRY_SIZE;
      if (this.entries.readUInt32BE(p) === hash) out.push(readInt64(this.entries, p + 4));
      const prev = this.entries.readUInt32BE(p + 12);
      if (prev >= ptr) break; // chains only point backwards; anything else is damage
      ptr = prev;
    }
  }
}

/** Walks a chain in a sealed file on disk. */
export async function fileCandidates(path: string, h: IndexHeader, hash: number, limit: number, out: number[]): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.allocUnsafe(INDEX_ENTRY_SIZE);
    if ((await readFully(fh, b, 0, 4, INDEX_HEADER_SIZE + (hash % h.slotCount) * 4)) < 4) return;
    let ptr = b.readUInt32BE(0);
    const entriesAt = INDEX_HEADER_SIZE + h.slotCount * 4;
    let steps = 0;
    while (ptr !== 0 && ptr <= h.entryCount && out.length < limit && steps++ < h.entryCount) {
      if ((await readFully(fh, b, 0, INDEX_ENTRY_SIZE, entriesAt + (ptr - 1) * INDEX_ENTRY_SIZE)) < INDEX_ENTRY_SIZE) return;
      if (b.readUInt32BE(0) === hash) out.push(readInt64(b, 4));
      const prev = b.readUInt32BE(12);
      if (prev >= ptr) break;
      ptr = prev;
    }
  } finally {
    await fh.close();
  }
}

function readAllSync(fd: number, buf: Buffer, offset: number, len: number, position: number): number {
  let done = 0;
  while (done < len) {
    const n = readSync(fd, buf, offset + done, len - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
