/**
 * The checkpoint file: how far the commit log is known durable and how far the consume queues are durably built,
 * the queue list (to notice deleted consume-queue files) and topic tombstones. Text: a header line with the format
 * version and the CRC32 of the JSON line that follows; replaced atomically (temp file, fsync, rename).
 */
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from './file-util.js';

export const CHECKPOINT_FILE = 'checkpoint';
const HEADER = 'APOGEE-CHECKPOINT 1';

export interface Checkpoint {
  /** Everything below is on disk in the commit log. */
  commitLogFlushedOffset: number;
  /** Every record below has its consume-queue entry durably in the consume-queue files. */
  consumeQueueOffset: number;
  /** Wall-clock time (store clock) the checkpoint was taken. */
  timestamp: number;
  /** [topic, queueId, entries the files durably hold] for each queue. */
  queues: Array<[string, number, number]>;
  /** [topic, commit-log offset]: records of the topic below the offset belong to a deleted topic. */
  deletedTopics: Array<[string, number]>;
}

export function encodeCheckpoint(cp: Checkpoint): Buffer {
  const json = Buffer.from(JSON.stringify(cp) + '\n', 'utf8');
  return Buffer.concat([Buffer.from(`${HEADER} ${crc32(json)}\n`, 'utf8'), json]);
}

/** Undefined when missing; a string saying why when unreadable. */
export function readCheckpoint(path: string): Checkpoint | string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const nl = text.indexOf('\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  const m = /^APOGEE-CHECKPOINT (\d+) (\d+)$/.exec(head);
  if (!m) return 'bad header line';
  if (m[1] !== '1') return `unknown checkpoint version ${m[1]}`;
  const json = text.slice(nl + 1);
  if (crc32(Buffer.from(json, 'utf8')) !== Number(m[2])) return 'CRC mismatch';
  try {
    const cp = JSON.parse(json) as Checkpoint;
    if (!Number.isSafeInteger(cp.commitLogFlushedOffset) || !Number.isSafeInteger(cp.consumeQueueOffset)) return 'bad offsets';
    if (!Array.isArray(cp.queues) || !Array.isArray(cp.deletedTopics)) return 'bad lists';
    return cp;
  } catch {
    return 'bad JSON';
  }
}

export async function writeCheckpoint(path: string, dir: string, cp: Checkpoint): Promise<void> {
  await writeFileAtomic(path, dir, encodeCheckpoint(cp));
}
