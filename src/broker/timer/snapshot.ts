/**
 * Pending-timer snapshots: a binary list of (timerId, queueOffset, deliverAt) for every pending timer at one
 * moment. Without one, a single long timer (say 24 h) pins the checkpoint at its queue offset and a restart
 * must replay everything scheduled since; with one, replay reads the snapshot plus the log written after it.
 *
 * Format (little-endian): magic "ATSN", u32 version, f64 count, count × 3 f64, u32 CRC-32 of all before it.
 * Written to a temp file, fsynced, renamed, directory fsynced — a crash leaves the old or the new file.
 */
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';

const MAGIC = 0x4e535441; // "ATSN" read as little-endian u32
const VERSION = 1;
const HEADER = 16;
const PREFIX = 'timerSnapshot.';
const SUFFIX = '.bin';

export interface SnapshotEntry {
  timerId: number;
  queueOffset: number;
  deliverAt: number;
}

export function snapshotFileName(seq: number): string {
  return `${PREFIX}${String(seq).padStart(12, '0')}${SUFFIX}`;
}

export function encodeSnapshot(entries: Iterable<SnapshotEntry>, count: number): Buffer {
  const buf = Buffer.allocUnsafe(HEADER + count * 24 + 4);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(VERSION, 4);
  buf.writeDoubleLE(count, 8);
  let pos = HEADER;
  let n = 0;
  for (const e of entries) {
    if (n === count) throw new Error('snapshot: more entries than counted');
    buf.writeDoubleLE(e.timerId, pos);
    buf.writeDoubleLE(e.queueOffset, pos + 8);
    buf.writeDoubleLE(e.deliverAt, pos + 16);
    pos += 24;
    n++;
  }
  if (n !== count) throw new Error(`snapshot: ${n} entries, ${count} counted`);
  buf.writeUInt32LE(crc32(buf.subarray(0, pos)), pos);
  return buf;
}

export function decodeSnapshot(buf: Buffer, what: string): SnapshotEntry[] {
  const bad = (why: string): Error => new Error(`timer snapshot ${what} is damaged: ${why}`);
  if (buf.length < HEADER + 4) throw bad('too short');
  if (buf.readUInt32LE(0) !== MAGIC) throw bad('bad magic');
  if (buf.readUInt32LE(4) !== VERSION) throw bad(`unknown version ${buf.readUInt32LE(4)}`);
  const count = buf.readDoubleLE(8);
  if (!Number.isSafeInteger(count) || count < 0 || buf.length !== HEADER + count * 24 + 4) throw bad('size does not match count');
  const end = HEADER + count * 24;
  if (crc32(buf.subarray(0, end)) !== buf.readUInt32LE(end)) throw bad('checksum mismatch');
  const out: SnapshotEntry[] = new Array<SnapshotEntry>(count);
  for (let i = 0, pos = HEADER; i < count; i++, pos += 24) {
    out[i] = { timerId: buf.readDoubleLE(pos), queueOffset: buf.readDoubleLE(pos + 8), deliverAt: buf.readDoubleLE(pos + 16) };
  }
  return out;
}

export async function writeSnapshot(dir: string, name: string, content: Buffer): Promise<void> {
  const path = join(dir, name);
  const tmp = join(dir, `.${basename(path)}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dh = await open(dirname(path), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

export async function readSnapshot(dir: string, name: string): Promise<SnapshotEntry[]> {
  return decodeSnapshot(await readFile(join(dir, name)), join(dir, name));
}

/** Deletes snapshot files other than `keep` (older generations, leftovers of a crash). */
export async function removeOtherSnapshots(dir: string, keep: string | undefined): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const isSnap = (n.startsWith(PREFIX) || n.startsWith(`.${PREFIX}`)) && (n.endsWith(SUFFIX) || n.endsWith(`${SUFFIX}.tmp`));
    if (isSnap && n !== keep) await rm(join(dir, n), { force: true });
  }
}
