/**
 * Crash recovery verifies only the commit log's tail: from the checkpoint's verify point (about
 * `recoveryVerifyBytes` below the flushed offset), not the whole segment. Damage after the checkpoint and inside
 * that window is cut as before; older damage is caught on read; derived files are still checked and rebuilt.
 */
import assert from 'node:assert/strict';
import { cp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeCheckpoint, readCheckpoint, VerifyPoints, type Checkpoint } from '../../src/store/checkpoint.js';
import { offsetName } from '../../src/store/file-util.js';
import { openMessageStore, type AppendResult, type MessageStore, type StoreOptions } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { bodyOf, input, recordingLogger, tempDir, waitFor, flipByte, markCrashed } from './helpers.js';

const SEG = 8 * 1024 * 1024;
const MARGIN = 128 * 1024;
const ROUNDS = 6;
const PER_ROUND = 400;
const BODY = 1000;

function opts(dataDir: string, extra: Partial<StoreOptions> = {}): StoreOptions {
  return { dataDir, flushMode: 'sync', segmentSize: SEG, recoveryVerifyBytes: MARGIN, logger: silentLogger(), ...extra };
}

/** ~2.4 MB in one segment, over several open/append/close rounds (each close is a checkpoint at a new offset). */
async function fill(dir: string): Promise<AppendResult[]> {
  const out: AppendResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const store = await openMessageStore(opts(dir));
    const batch: Array<Promise<AppendResult>> = [];
    for (let j = 0; j < PER_ROUND; j++) {
      const i = out.length + batch.length;
      batch.push(store.append(input('T', i % 4, bodyOf(BODY, i), { UNIQ_KEY: `u${i}`, KEYS: `k${i}` })));
    }
    out.push(...(await Promise.all(batch)));
    await store.close();
  }
  return out;
}

function segPath(dir: string): string {
  return join(dir, 'commitlog', offsetName(0));
}

async function checkpointOf(dir: string): Promise<Checkpoint> {
  const cp = readCheckpoint(join(dir, 'checkpoint'));
  assert.ok(cp !== undefined && typeof cp !== 'string', `checkpoint readable: ${String(cp)}`);
  return cp;
}

async function expectAll(store: MessageStore, results: AppendResult[], count: number): Promise<void> {
  for (let i = 0; i < count; i += 37) {
    const m = await store.read((results[i] as AppendResult).commitLogOffset);
    assert.ok(m?.body.equals(bodyOf(BODY, i)), `record ${i} readable`);
  }
  const perQueue = [0, 0, 0, 0];
  for (let i = 0; i < count; i++) (perQueue[i % 4] as number)++;
  for (let q = 0; q < 4; q++) assert.equal(store.maxQueueOffset('T', q), perQueue[q], `queue ${q} entries`);
}

describe('store: crash recovery verifies only the tail', () => {
  let base: string;
  let cleanup: () => Promise<void>;
  let template: string;
  let results: AppendResult[];
  let end: number;
  let n = 0;
  before(async () => {
    ({ dir: base, cleanup } = await tempDir());
    template = join(base, 'template');
    results = await fill(template);
    const last = results[results.length - 1] as AppendResult;
    end = last.commitLogOffset + last.size;
  });
  after(async () => cleanup());

  /** A fresh copy of the filled data dir. */
  async function copy(): Promise<string> {
    const d = join(base, `case-${n++}`);
    await cp(template, d, { recursive: true });
    return d;
  }

  it('the checkpoint carries a verify point about recoveryVerifyBytes below its flushed offset', async () => {
    const cp = await checkpointOf(template);
    assert.equal(cp.commitLogFlushedOffset, end);
    assert.ok(cp.verifyFrom !== undefined, 'verifyFrom written');
    assert.ok(cp.verifyFrom <= end - MARGIN, `verifyFrom ${cp.verifyFrom} at least the margin below ${end}`);
    // One round of appends (~400 KB) is the spacing of the points this fill produced.
    assert.ok(cp.verifyFrom >= end - MARGIN - PER_ROUND * (BODY + 200), `verifyFrom ${cp.verifyFrom} not far below the margin`);
    assert.ok(results.some((r) => r.commitLogOffset === cp.verifyFrom), 'verifyFrom is a record boundary');
  });

  it('after a crash, reads only the tail: not the whole segment', async () => {
    const d = await copy();
    await markCrashed(d);
    const cp = await checkpointOf(d);
    const store = await openMessageStore(opts(d));
    const r = store.recovery;
    assert.equal(r.crashed, true);
    assert.equal(r.recoveredTo, end);
    assert.equal(r.scannedFrom, cp.verifyFrom);
    assert.equal(r.verifiedBytes, end - (cp.verifyFrom as number));
    assert.ok((r.verifiedBytes as number) < end / 3, `verified ${r.verifiedBytes} of ${end} bytes`);
    assert.equal(r.redispatchedBytes, 0, 'consume queues and index were complete');
    await expectAll(store, results, results.length);
    await store.close();
  });

  it('repairs a torn record after the checkpoint', async () => {
    const d = await copy();
    const h = await open(segPath(d), 'a');
    const half = Buffer.alloc(600, 1);
    half.writeInt32BE(1100, 0); // a size field promising more than is there
    await h.write(half);
    await h.close();
    await markCrashed(d);
    const store = await openMessageStore(opts(d));
    assert.equal(store.recovery.recoveredTo, end);
    assert.equal(store.recovery.truncatedBytes, 600);
    assert.ok((store.recovery.verifiedBytes as number) < end / 3);
    assert.equal((await stat(segPath(d))).size, end);
    await expectAll(store, results, results.length);
    const next = await store.append(input('T', 0, Buffer.from('after')));
    assert.equal(next.commitLogOffset, end);
    await store.close();
  });

  it('cuts at a damaged record inside the verify window, before the checkpoint', async () => {
    const d = await copy();
    const cp = await checkpointOf(d);
    const idx = results.findIndex((r) => r.commitLogOffset > (cp.verifyFrom as number) + 1000);
    const victim = results[idx] as AppendResult;
    await flipByte(segPath(d), victim.commitLogOffset + victim.size - 5);
    await markCrashed(d);
    const { logger, lines } = recordingLogger();
    const store = await openMessageStore(opts(d, { logger }));
    assert.equal(store.recovery.recoveredTo, victim.commitLogOffset);
    assert.match(store.recovery.truncateReason ?? '', /body CRC/);
    assert.ok(lines.some((l) => /cut the tail/.test(l.msg) && l.offset === victim.commitLogOffset));
    await expectAll(store, results, idx);
    await store.close();
  });

  it('damage older than the verify window is not read at open, and is caught when read', async () => {
    const d = await copy();
    const victim = results[10] as AppendResult;
    await flipByte(segPath(d), victim.commitLogOffset + victim.size - 5);
    await markCrashed(d);
    const { logger, lines } = recordingLogger();
    const store = await openMessageStore(opts(d, { logger }));
    assert.equal(store.recovery.recoveredTo, end, 'nothing cut');
    await assert.rejects(store.read(victim.commitLogOffset), /corrupt: body CRC mismatch/);
    assert.equal(await store.readQueued(victim.commitLogOffset), undefined);
    assert.ok(lines.some((l) => /data damaged/.test(l.msg) && l.commitLogOffset === victim.commitLogOffset));
    await store.close();
  });

  it('a consume queue with entries missing before the checkpoint is still rebuilt from the whole log', async () => {
    const d = await copy();
    const qdir = join(d, 'consumequeue', 'T', '2');
    const file = join(qdir, offsetName(0));
    const size = (await stat(file)).size;
    await truncate(file, size - 20 * 50); // 50 entries gone, far before the checkpoint
    await markCrashed(d);
    const store = await openMessageStore(opts(d));
    assert.ok(store.recovery.rebuilt.includes('consumequeue/T/2'), `rebuilt: ${store.recovery.rebuilt.join(', ')}`);
    assert.equal(store.recovery.redispatchFrom, 0);
    await expectAll(store, results, results.length);
    const entries = await store.readQueue('T', 2, 0, 5);
    assert.deepEqual(entries.map((e) => e.commitLogOffset), [2, 6, 10, 14, 18].map((i) => (results[i] as AppendResult).commitLogOffset));
    await store.close();
  });

  it('a damaged consume-queue file is rebuilt as before', async () => {
    const d = await copy();
    // A stray file at a position no consume-queue file can start at.
    await writeFile(join(d, 'consumequeue', 'T', '1', offsetName(20)), Buffer.alloc(40));
    await markCrashed(d);
    const store = await openMessageStore(opts(d));
    assert.ok(store.recovery.rebuilt.includes('consumequeue/T/1'), `rebuilt: ${store.recovery.rebuilt.join(', ')}`);
    await expectAll(store, results, results.length);
    await store.close();
  });

  it('a checkpoint without a verify point (older builds) means the whole segment is verified', async () => {
    const d = await copy();
    const cp = await checkpointOf(d);
    delete cp.verifyFrom;
    await writeFile(join(d, 'checkpoint'), encodeCheckpoint(cp));
    await markCrashed(d);
    const store = await openMessageStore(opts(d));
    assert.equal(store.recovery.scannedFrom, 0);
    assert.equal(store.recovery.verifiedBytes, end);
    await store.close();
    // The next checkpoint has one again.
    assert.ok((await checkpointOf(d)).verifyFrom !== undefined);
  });

  it('a verify point that is not a record boundary falls back to the segment start', async () => {
    const d = await copy();
    const cp = await checkpointOf(d);
    cp.verifyFrom = (cp.verifyFrom as number) + 3;
    await writeFile(join(d, 'checkpoint'), encodeCheckpoint(cp));
    await markCrashed(d);
    const store = await openMessageStore(opts(d));
    assert.equal(store.recovery.scannedFrom, 0);
    assert.equal(store.recovery.recoveredTo, end);
    await store.close();
  });

  it('a clean open verifies nothing', async () => {
    const d = await copy();
    const store = await openMessageStore(opts(d));
    assert.equal(store.recovery.crashed, false);
    assert.equal(store.recovery.verifiedBytes, 0);
    await store.close();
    await rm(d, { recursive: true, force: true });
  });
});

describe('store: VerifyPoints', () => {
  it('picks the newest point at least the margin below the flushed offset, keeping the list short', () => {
    const v = new VerifyPoints(1000, [0]);
    assert.equal(v.verifyFrom(500), 0, 'nothing far enough back: the oldest point');
    for (let off = 10; off <= 100_000; off += 10) v.note(off);
    const pick = v.verifyFrom(100_000) as number;
    assert.ok(pick <= 99_000 && pick >= 99_000 - 1000 / 16 - 10, `picked ${pick}`);
    // Thinned: about margin/16 apart, so at most ~16 points cover the margin after the pick.
    let count = 0;
    for (let off = 100_010; off <= 101_000; off += 10) {
      v.note(off);
      count++;
    }
    assert.ok(count > 16);
    const again = v.verifyFrom(101_000) as number;
    assert.ok(again >= pick && again <= 100_000);
  });

  it('moves to the commit log start when retention passes its points', () => {
    const v = new VerifyPoints(100, [0, 50, 500]);
    v.dropBelow(400);
    assert.equal(v.verifyFrom(450), 400, 'the new start is the oldest point');
    assert.equal(v.verifyFrom(1000), 500);
  });
});

describe('store: index snapshots by bytes indexed', () => {
  it('snapshots the index once indexSnapshotBytes were indexed (a crash re-indexes from the snapshot)', async () => {
    const { dir: base, cleanup } = await tempDir();
    const dir = join(base, 'live');
    try {
      const store = await openMessageStore({
        ...opts(dir),
        checkpointIntervalMs: 5,
        indexSnapshotIntervalMs: 3_600_000,
        indexSnapshotBytes: 64 * 1024,
      });
      const writes: Array<Promise<AppendResult>> = [];
      for (let i = 0; i < 200; i++) writes.push(store.append(input('T', 0, bodyOf(BODY, i), { UNIQ_KEY: `s${i}` })));
      const done = await Promise.all(writes);
      const last = done[done.length - 1] as AppendResult;
      // Only the byte trigger can write active.idx here (the interval is an hour; the store is not closed).
      await waitFor(async () => {
        try {
          return (await stat(join(dir, 'index', 'active.idx'))).size > 64;
        } catch {
          return false;
        }
      }, 10_000, 'index snapshot');
      const { decodeIndexHeader } = await import('../../src/store/index-file.js');
      const h = decodeIndexHeader(await readFile(join(dir, 'index', 'active.idx')));
      assert.ok(typeof h !== 'string', String(h));
      assert.ok(h.endOffset >= 64 * 1024 && h.endOffset <= last.commitLogOffset + last.size, `snapshot covers up to ${h.endOffset}`);
      await store.close();
    } finally {
      await cleanup();
    }
  });
});
