/**
 * The store on a small tmpfs filled up: a batch that only partly fits is taken back whole (no torn or unacknowledged
 * record stays in the file, queue offsets are given again), appends are refused with DISK_FULL until space returns,
 * and then go on without a reopen. A read-only data dir refuses to open with a message naming it.
 */
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CommitLog } from '../../src/store/commit-log.js';
import { offsetName } from '../../src/store/file-util.js';
import { encodeRecord, measureRecord } from '../../src/store/record-codec.js';
import { openMessageStore, StoreError, type AppendResult } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { bodyOf, input, recordingLogger, tempDir, waitFor } from './helpers.js';

const isCode = (code: string) => (e: unknown): boolean => e instanceof StoreError && e.code === code && e.retriable;

describe('store: full disk and read-only data dir (tmpfs)', () => {
  let fs: Tmpfs | undefined;
  let skip: string | undefined;
  before(async () => {
    const m = await mountTmpfs(4 * 1024 * 1024);
    if ('skip' in m) skip = m.skip;
    else fs = m;
  });
  after(async () => fs?.cleanup());

  it('a partly written batch is cut from the file and taken back; appends resume when space returns', async (t) => {
    if (!fs) return t.skip(skip);
    const dir = join(fs.dir, 'store');
    const { logger, lines } = recordingLogger();
    const opts = { dataDir: dir, flushMode: 'sync' as const, segmentSize: 1024 * 1024, checkpointIntervalMs: 60_000, indexSlotCount: 1024, indexMaxEntries: 4096 };
    const store = await openMessageStore({ ...opts, logger });
    const acked: AppendResult[] = [];
    for (let i = 0; i < 10; i++) acked.push(await store.append(input('T', 0, bodyOf(1000, i))));
    const end = store.stats().commitLogMaxOffset;
    const segment = join(dir, 'commitlog', offsetName(0));

    // Two pages left: a 20-record batch (~20 KiB) in one tick gets a short write, then ENOSPC.
    await fs.fill(8192);
    const batch = Array.from({ length: 20 }, (_, i) => store.append(input('T', 0, bodyOf(1000, 100 + i))));
    const settled = await Promise.allSettled(batch);
    for (const s of settled) {
      assert.equal(s.status, 'rejected');
      assert.ok(isCode('DISK_FULL')(s.reason), String(s.reason));
      assert.match((s.reason as Error).message, /disk holding the data dir .* is full/);
    }
    assert.equal(store.stats().commitLogMaxOffset, end, 'the position is back at the last acknowledged record');
    assert.equal((await stat(segment)).size, end, 'the torn bytes are cut from the file');
    assert.equal(store.maxQueueOffset('T', 0), 10, 'no consume-queue entry for the failed batch');
    assert.equal(lines.filter((l) => /refusing appends/.test(String(l.msg))).length, 1, 'logged once');

    // Refused at once while full (no write tried), reads go on.
    await assert.rejects(store.append(input('T', 0, bodyOf(10, 1))), isCode('DISK_FULL'));
    for (const [i, a] of acked.entries()) assert.ok((await store.read(a.commitLogOffset))?.body.equals(bodyOf(1000, i)));

    await fs.free();
    let next: AppendResult | undefined;
    await waitFor(async () => {
      next = await store.append(input('T', 0, bodyOf(1000, 200))).catch(() => undefined);
      return next !== undefined;
    }, 5000, 'appends to resume after the filler was deleted');
    assert.equal(next?.commitLogOffset, end, 'written where the failed batch had started');
    assert.equal(next?.queueOffset, 10, 'the failed batch left no gap in the queue');
    assert.ok(lines.some((l) => /appends resumed/.test(String(l.msg))));
    await store.close();

    const again = await openMessageStore({ ...opts, logger: silentLogger() });
    assert.equal(again.recovery.truncatedBytes, 0, 'nothing torn to cut at reopen');
    const entries = await again.readQueue('T', 0, 0, 100);
    assert.equal(entries.length, 11);
    const bodies = await Promise.all(entries.map(async (e) => (await again.read(e.commitLogOffset))?.body));
    for (let i = 0; i < 10; i++) assert.ok(bodies[i]?.equals(bodyOf(1000, i)), `message ${i}`);
    assert.ok(bodies[10]?.equals(bodyOf(1000, 200)));
    await again.close();
  });

  it('refuses to open on a read-only data dir, naming it; opens again once writable', async (t) => {
    if (!fs) return t.skip(skip);
    await fs.free();
    const dir = join(fs.dir, 'ro');
    const opts = { dataDir: dir, flushMode: 'sync' as const, segmentSize: 1024 * 1024, indexSlotCount: 1024, indexMaxEntries: 4096, logger: silentLogger() };
    const store = await openMessageStore(opts);
    const a = await store.append(input('R', 0, bodyOf(100, 1)));
    await store.close();
    // As a SIGKILLed broker leaves it: taking the stale lock over needs a write too, and must name the cause.
    await writeFile(join(dir, 'lock'), '2147483646\n');
    await fs.remount('ro');
    try {
      await assert.rejects(openMessageStore(opts), (e: unknown) => {
        assert.ok(isCode('READ_ONLY')(e), String(e));
        assert.match((e as Error).message, new RegExp(`cannot open the store: the data dir ${dir} is on a read-only file system`));
        return true;
      });
    } finally {
      await fs.remount('rw');
    }
    const again = await openMessageStore(opts);
    assert.ok((await again.read(a.commitLogOffset))?.body.equals(bodyOf(100, 1)));
    await again.close();
  });
});

describe('store: taking back a write (commit log)', () => {
  it('rollback cuts whole records written past the position, so neither reads nor a recovery scan see them', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = await openMessageStore({ dataDir: dir, flushMode: 'sync', segmentSize: 64 * 1024, logger: silentLogger() });
      for (let i = 0; i < 3; i++) await store.append(input('C', 0, bodyOf(500, i)));
      await store.close();

      const log = CommitLog.open(join(dir, 'commitlog'), 64 * 1024, silentLogger(), 1024 * 1024);
      const end = (await log.scan(0, undefined)).end;
      log.setRecovered(end);
      // Two complete, valid records after the end: what a write whose fdatasync then failed leaves behind.
      const buf = Buffer.alloc(4096);
      let pos = 0;
      for (let i = 0; i < 2; i++) {
        const rec = input('C', 0, bodyOf(500, 10 + i));
        const size = measureRecord(rec, 4096, 4096);
        pos = encodeRecord(buf, pos, rec, size, 3 + i, end + pos, Date.now(), 0);
      }
      await log.write(buf, 0, pos, end + pos, Date.now());
      assert.ok((await log.read(end))?.body.equals(bodyOf(500, 10)), 'written and readable before the rollback');

      await log.rollback(end);
      assert.equal(log.writePos, end);
      assert.equal((await stat(log.segmentPath(0))).size, end, 'cut from the file');
      assert.equal(await log.read(end), undefined, 'not served from the tail cache');
      assert.equal((await log.scan(0, undefined)).end, end, 'a recovery scan finds nothing after the end');
      await log.close();

      const again = await openMessageStore({ dataDir: dir, flushMode: 'sync', segmentSize: 64 * 1024, logger: silentLogger() });
      assert.equal(again.maxQueueOffset('C', 0), 3);
      assert.equal(again.recovery.truncatedBytes, 0);
      await again.close();
    } finally {
      await cleanup();
    }
  });
});
