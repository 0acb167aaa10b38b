/**
 * Crash test: a child process appends in sync mode and prints every acknowledged append; the parent kills it with
 * SIGKILL at a random moment, reopens the same data dir, and checks that every acknowledged record is there and
 * exact, that no record is corrupt, that queues are dense, and that queue offsets continue. Many rounds.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, StoreError, type MessageStore } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { CRASH_STORE_OPTIONS } from './crash-options.js';
import { rng, tempDir, waitFor } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const ROUNDS = 22;

interface Ack {
  round: number;
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  size: number;
  crc: number;
  uniq: string;
}

class Child {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  private partial = '';
  stderr = '';
  readonly exited: Promise<void>;

  constructor(dataDir: string, seed: number) {
    this.proc = spawn(process.execPath, [CHILD, dataDir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.setEncoding('utf8').on('data', (s: string) => {
      const parts = (this.partial + s).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.proc.stderr?.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
  }

  get ready(): boolean {
    return this.lines.length > 0 && (this.lines[0] as string).startsWith('READY ');
  }

  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

function parseAcks(lines: string[], round: number): Ack[] {
  const out: Ack[] = [];
  for (const l of lines) {
    if (!l.startsWith('ACK ')) continue;
    const [, topic, q, qo, clo, size, crc, uniq] = l.split(' ');
    out.push({
      round,
      topic: topic as string,
      queueId: Number(q),
      queueOffset: Number(qo),
      commitLogOffset: Number(clo),
      size: Number(size),
      crc: Number(crc),
      uniq: uniq as string,
    });
  }
  return out;
}

describe('store: crash test (SIGKILL during sync appends)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let child: Child | undefined;
  before(async () => ({ dir, cleanup } = await tempDir('apogee-crash-')));
  after(async () => {
    await child?.kill();
    await cleanup();
  });

  it(`keeps every acknowledged record over ${ROUNDS} kill -9 rounds`, async (t) => {
    const seed = Date.now() % 1_000_000;
    t.diagnostic(`seed ${seed}`);
    const r = rng(seed);
    const all: Ack[] = [];
    /** Per queue: highest acknowledged queue offset so far. */
    const highest = new Map<string, number>();
    /** Per queue: entries verified by reading their records in earlier rounds. */
    const verifiedUpTo = new Map<string, number>();
    let totalAcks = 0;
    let roundsWithTruncation = 0;

    for (let round = 0; round < ROUNDS; round++) {
      child = new Child(dir, seed + round);
      await waitFor(() => child?.ready === true || child?.proc.exitCode !== null, 15_000, 'child READY');
      assert.ok(child.ready, `child failed to start: ${child.stderr}`);
      if (round === 0) {
        // The live child holds the data dir.
        await assert.rejects(openMessageStore({ ...CRASH_STORE_OPTIONS, dataDir: dir, logger: silentLogger() }), (e: unknown) => {
          assert.ok(e instanceof StoreError && e.code === 'LOCKED');
          assert.match(e.message, new RegExp(`process ${child?.proc.pid}`));
          return true;
        });
      }
      // Kill at a random moment: sometimes right away, usually after some acks.
      const delay = Math.floor(r() * 250);
      await new Promise((res) => setTimeout(res, delay));
      await child.kill();
      const acks = parseAcks(child.lines, round);
      totalAcks += acks.length;

      // Offsets continue: no ack of this round reuses or goes below an earlier round's queue offsets.
      for (const a of acks) {
        const k = `${a.topic}/${a.queueId}`;
        const prev = highest.get(k);
        if (a.round === round && prev !== undefined) assert.ok(a.queueOffset > prev, `${k}: offset ${a.queueOffset} after ${prev}`);
      }
      for (const a of acks) {
        const k = `${a.topic}/${a.queueId}`;
        highest.set(k, Math.max(highest.get(k) ?? -1, a.queueOffset));
      }
      all.push(...acks);

      const store: MessageStore = await openMessageStore({ ...CRASH_STORE_OPTIONS, dataDir: dir, logger: silentLogger() });
      try {
        assert.equal(store.recovery.crashed, true);
        if (store.recovery.truncatedBytes > 0) roundsWithTruncation++;
        // Every record acknowledged in this round is present and exact; a sample of older ones too.
        const older = all.length > acks.length ? Array.from({ length: 50 }, () => all[Math.floor(r() * (all.length - acks.length))] as Ack) : [];
        for (const a of [...acks, ...older]) {
          const m = await store.read(a.commitLogOffset, a.size);
          assert.ok(m, `acknowledged record at ${a.commitLogOffset} (round ${a.round}) is missing`);
          assert.equal(m.topic, a.topic);
          assert.equal(m.queueId, a.queueId);
          assert.equal(m.queueOffset, a.queueOffset);
          assert.equal(crc32(m.body), a.crc);
          assert.equal(m.properties.UNIQ_KEY, a.uniq);
        }
        // Queues are dense and every entry points at an intact record of that queue (reads verify CRCs).
        for (const [k, hi] of highest) {
          const [topic, q] = k.split('/') as [string, string];
          const max = store.maxQueueOffset(topic, Number(q));
          assert.ok(max >= hi + 1, `${k}: max offset ${max} below acknowledged ${hi}`);
          const entries = await store.readQueue(topic, Number(q), 0, max);
          assert.equal(entries.length, max, `${k}: dense entries`);
          entries.forEach((e, i) => assert.equal(e.queueOffset, i));
          const from = verifiedUpTo.get(k) ?? 0;
          for (const e of entries.slice(from)) {
            const m = await store.read(e.commitLogOffset, e.size);
            assert.ok(m && m.topic === topic && m.queueId === Number(q) && m.queueOffset === e.queueOffset, `${k}@${e.queueOffset}`);
          }
          verifiedUpTo.set(k, max);
        }
        if (acks.length > 0) {
          const a = acks[acks.length - 1] as Ack;
          const found = await store.queryByUniqKey(a.uniq, 2);
          assert.equal(found.length, 1, `index finds ${a.uniq}`);
          assert.equal(found[0]?.commitLogOffset, a.commitLogOffset);
        }
      } finally {
        // A clean close here; the next child's SIGKILL makes the next crash.
        await store.close();
      }
    }
    t.diagnostic(`acknowledged ${totalAcks} appends over ${ROUNDS} rounds; ${roundsWithTruncation} recoveries cut a torn tail`);
    assert.ok(totalAcks > ROUNDS * 10, `the child made progress (${totalAcks} acks)`);
    assert.equal(new Set(all.map((a) => a.commitLogOffset)).size, all.length, 'no commit-log offset acknowledged twice');
  });
});
