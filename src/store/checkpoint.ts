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
  /**
   * A record boundary some way (about the store's `recoveryVerifyBytes`) below `commitLogFlushedOffset`: after a
   * crash the commit log is verified from here (never from before the start of the checkpoint's segment). Absent
   * in checkpoints of older builds: then the whole segment is verified.
   */
  verifyFrom?: number;
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
    if (cp.verifyFrom !== undefined && (!Number.isSafeInteger(cp.verifyFrom) || cp.verifyFrom < 0)) return 'bad verifyFrom';
    return cp;
  } catch {
    return 'bad JSON';
  }
}

export async function writeCheckpoint(path: string, dir: string, cp: Checkpoint): Promise<void> {
  await writeFileAtomic(path, dir, encodeCheckpoint(cp));
}

/**
 * Record boundaries the store has seen (where recovery started, batch ends at checkpoint time), thinned so the
 * list stays short, from which each checkpoint picks its `verifyFrom`: the newest boundary at least `margin`
 * bytes below the flushed offset. The verified tail after a crash is thus about `margin` plus one checkpoint
 * interval of writes, whatever the log's size (RocketMQ verifies whole mapped files from the checkpoint's).
 */
export class VerifyPoints {
  private readonly points: number[] = [];

  constructor(private readonly margin: number, seeds: number[]) {
    for (const s of [...seeds].sort((a, b) => a - b)) this.note(s);
  }

  /** A record boundary (ascending calls; lower ones are ignored). */
  note(offset: number): void {
    const n = this.points.length;
    const last = this.points[n - 1];
    if (last !== undefined && offset <= last) return;
    // Points closer than margin/16 add nothing (one per margin-sized step is enough): move the newest instead.
    const prev = this.points[n - 2];
    if (prev !== undefined && offset - prev < this.margin / 16) {
      this.points[n - 1] = offset;
      return;
    }
    this.points.push(offset);
  }

  /** The verify start for a checkpoint at `flushed`; older points no longer needed are dropped. */
  verifyFrom(flushed: number): number | undefined {
    let pick = -1;
    for (let i = 0; i < this.points.length; i++) if ((this.points[i] as number) <= flushed - this.margin) pick = i;
    if (pick < 0) return this.points[0];
    this.points.splice(0, pick);
    return this.points[0];
  }

  /** Points below the commit log's new start (retention) cannot be read any more. */
  dropBelow(min: number): void {
    let dropped = false;
    while (this.points.length > 0 && (this.points[0] as number) < min) {
      this.points.shift();
      dropped = true;
    }
    // The commit log's first segment start is a record boundary too.
    if (dropped && (this.points[0] === undefined || (this.points[0] as number) > min)) this.points.unshift(min);
  }
}
