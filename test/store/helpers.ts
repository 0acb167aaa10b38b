/** Shared helpers for the store tests: temp dirs, inputs, a logger that records what it logs, a movable clock. */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AppendInput } from '../../src/store/index.js';
import type { Clock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';

export async function tempDir(prefix = 'apogee-store-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger that keeps every line (JSON-parsed) in `lines`. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

export class ManualClock implements Clock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function bodyOf(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  const r = rng(seed);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

export function input(topic: string, queueId: number, body: Buffer, properties: Record<string, string> = {}): AppendInput {
  return {
    topic,
    queueId,
    flag: 0,
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: '10.0.0.1:50000',
    storeHost: '10.0.0.2:10911',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    properties,
    body,
  };
}

/** Polls `cond` until true or the deadline passes (then throws). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Simulates an unclean stop: the abort marker is back, as if the process had died. */
export async function markCrashed(dir: string): Promise<void> {
  await writeFile(join(dir, 'abort'), '1\n');
}

/** Flips one bit of the byte at `pos` in place. */
export async function flipByte(path: string, pos: number): Promise<void> {
  const h = await open(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    await h.read(b, 0, 1, pos);
    b[0] = (b[0] as number) ^ 0x40;
    await h.write(b, 0, 1, pos);
  } finally {
    await h.close();
  }
}
