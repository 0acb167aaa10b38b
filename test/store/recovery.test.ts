import assert from 'node:assert/strict';
import { open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, type AppendResult, type MessageStore } from '../../src/store/index.js';
import { offsetName } from '../../src/store/file-util.js';
import { silentLogger } from '../../src/util/logger.js';
import { bodyOf, input, recordingLogger, tempDir, flipByte, markCrashed } from './helpers.js';

const SEG = 16 * 1024;

async function fill(dir: string, n: number): Promise<AppendResult[]> {
  const store = await openMessageStore({ dataDir: dir, flushMode: 'sync', segmentSize: SEG, logger: silentLogger() });
  const out: AppendResult[] = [];
  for (let i = 0; i < n; i++) out.push(await store.append(input('R', i % 2, bodyOf(300 + i, i), { KEYS: `key${i}`, UNIQ_KEY: `id${i}` })));
  await store.close();
  return out;
}

function segPath(dir: string, offset: number): string {
  return join(dir, 'commitlog', offsetName(offset - (offset % SEG)));
}

async function expectSurvivors(store: MessageStore, results: AppendResult[], keep: number): Promise<void> {
  for (let i = 0; i < keep; i++) {
    const m = await store.read((results[i] as AppendResult).commitLogOffset);
    assert.ok(m?.body.equals(bodyOf(300 + i, i)), `record ${i} survives`);
  }
  const perQueue = [0, 0];
  for (let i = 0; i < keep; i++) (perQueue[i % 2] as number)++;
  assert.equal(store.maxQueueOffset('R', 0), perQueue[0]);
  assert.equal(store.maxQueueOffset('R', 1), perQueue[1]);
}

describe('store: crash recovery of a damaged tail', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it('cuts a torn last record, logs it, keeps earlier records, and continues queue offsets', async () => {
    const d = join(dir, 'torn');
    const results = await fill(d, 40);
    const last = results[results.length - 1] as AppendResult;
    const path = segPath(d, last.commitLogOffset);
    const rel = last.commitLogOffset % SEG;
    await truncate(path, rel + Math.floor(last.size / 2));
    await markCrashed(d);

    const { logger, lines } = recordingLogger();
    const store = await openMessageStore({ dataDir: d, flushMode: 'sync', segmentSize: SEG, logger });
    const r = store.recovery;
    assert.equal(r.crashed, true);
    assert.equal(r.recoveredTo, last.commitLogOffset);
    assert.equal(r.truncatedBytes, Math.floor(last.size / 2));
    assert.match(r.truncateReason ?? '', /torn record/);
    const warn = lines.find((l) => l.level === 40 && /cut the tail/.test(l.msg));
    assert.ok(warn, 'a warning names the cut');
    assert.equal(warn.offset, last.commitLogOffset);
    assert.equal(warn.truncatedBytes, Math.floor(last.size / 2));
    assert.match(String(warn.reason), /torn/);
    assert.equal((await stat(path)).size, rel);

    await expectSurvivors(store, results, 39);
    assert.equal(await store.read(last.commitLogOffset), undefined);
    assert.deepEqual(await store.queryByUniqKey('id39', 5), []);
    assert.equal((await store.queryByUniqKey('id38', 5)).length, 1);
    // The next append takes the cut record's place and queue offset.
    const next = await store.append(input('R', 1, Buffer.from('next')));
    assert.equal(next.commitLogOffset, last.commitLogOffset);
    assert.equal(next.queueOffset, 19);
    await store.close();
  });

  for (const where of ['body', 'properties', 'header'] as const) {
    it(`detects a flipped byte in the ${where} of the tail record`, async () => {
      const d = join(dir, `flip-${where}`);
      const results = await fill(d, 30);
      const victim = results[27] as AppendResult;
      const path = segPath(d, victim.commitLogOffset);
      const rel = victim.commitLogOffset % SEG;
      // Header field (queue offset), a property byte, or the last body byte.
      const pos = where === 'header' ? rel + 30 : where === 'body' ? rel + victim.size - 1 : rel + 116; // properties start at 81 + topic(1) + 1 + 14 + 1 + 14 + 2 = 114
      await flipByte(path, pos);
      await markCrashed(d);
      const { logger, lines } = recordingLogger();
      const store = await openMessageStore({ dataDir: d, flushMode: 'sync', segmentSize: SEG, logger });
      const r = store.recovery;
      assert.equal(r.recoveredTo, victim.commitLogOffset);
      assert.match(r.truncateReason ?? '', where === 'body' ? /body CRC/ : /header\/properties CRC/);
      assert.ok(r.truncatedBytes >= victim.size);
      assert.ok(lines.some((l) => l.level === 40 && l.offset === victim.commitLogOffset));
      await expectSurvivors(store, results, 27);
      await store.close();
    });
  }

  it('a clean open does not need a scan; a flipped byte in an older record is caught on read', async () => {
    const d = join(dir, 'read-crc');
    const results = await fill(d, 10);
    const victim = results[2] as AppendResult;
    await flipByte(segPath(d, victim.commitLogOffset), (victim.commitLogOffset % SEG) + victim.size - 3);
    const store = await openMessageStore({ dataDir: d, flushMode: 'sync', segmentSize: SEG, logger: silentLogger() });
    assert.equal(store.recovery.crashed, false);
    await assert.rejects(store.read(victim.commitLogOffset), /corrupt: body CRC mismatch/);
    await store.close();
  });

  it('cuts a zero-filled tail and a garbage tail after the last good record', async () => {
    const d = join(dir, 'zeros');
    const results = await fill(d, 12);
    const last = results[results.length - 1] as AppendResult;
    const path = segPath(d, last.commitLogOffset);
    const h = await open(path, 'a');
    await h.write(Buffer.alloc(500));
    await h.close();
    await markCrashed(d);
    const store = await openMessageStore({ dataDir: d, flushMode: 'sync', segmentSize: SEG, logger: silentLogger() });
    assert.equal(store.recovery.recoveredTo, last.commitLogOffset + last.size);
    assert.equal(store.recovery.truncatedBytes, 500);
    assert.equal(store.recovery.truncateReason, 'zero-filled tail');
    await expectSurvivors(store, results, 12);
    await store.close();
  });

  it('a missing checkpoint means a full scan and a rebuild of every consume queue', async () => {
    const d = join(dir, 'nocp');
    const results = await fill(d, 25);
    const before = await readFile(join(d, 'checkpoint'), 'utf8');
    assert.match(before, /^APOGEE-CHECKPOINT 1 \d+\n\{/);
    await writeFile(join(d, 'checkpoint'), before.replace('"queues"', '"queuez"')); // CRC no longer matches
    const { logger, lines } = recordingLogger();
    const store = await openMessageStore({ dataDir: d, flushMode: 'sync', segmentSize: SEG, logger });
    assert.equal(store.recovery.scannedFrom, 0);
    assert.ok(store.recovery.rebuilt.some((x) => /consumequeue \(all queues/.test(x)));
    assert.ok(lines.some((l) => /checkpoint unreadable/.test(l.msg)));
    await expectSurvivors(store, results, 25);
    await store.close();
  });
});
