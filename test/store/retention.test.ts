import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, type AppendResult, type MessageStore, type StoreOptions } from '../../src/store/index.js';
import { offsetName } from '../../src/store/file-util.js';
import { silentLogger } from '../../src/util/logger.js';
import { bodyOf, input, ManualClock, recordingLogger, tempDir, waitFor } from './helpers.js';

const SEG = 4096;
const HOUR = 3_600_000;

interface World {
  store: MessageStore;
  clock: ManualClock;
  results: AppendResult[];
  protect: { offset: number };
  disk: { used: number };
  lines: Array<{ msg: string; [k: string]: unknown }>;
  options: StoreOptions;
}

/** ~3 segments written at T0, then ~3 more 50 h later. */
async function world(dir: string, extra: Partial<StoreOptions> = {}): Promise<World> {
  const clock = new ManualClock(1_000_000_000_000);
  const protect = { offset: Number.MAX_SAFE_INTEGER };
  const disk = { used: 0.1 };
  const { logger, lines } = recordingLogger();
  const options: StoreOptions = {
    dataDir: dir,
    flushMode: 'sync',
    segmentSize: SEG,
    consumeQueueEntriesPerFile: 8,
    indexSlotCount: 16,
    indexMaxEntries: 20,
    clock,
    protectedOffset: () => protect.offset,
    diskUsage: async () => disk.used,
    retention: { checkIntervalMs: 0 },
    logger,
    ...extra,
  };
  const store = await openMessageStore(options);
  const results: AppendResult[] = [];
  for (let i = 0; i < 60; i++) {
    if (i === 30) clock.advance(50 * HOUR);
    results.push(await store.append(input('Ret', i % 2, bodyOf(300, i), { UNIQ_KEY: `u${i}` })));
  }
  assert.ok(store.stats().segments >= 6, `segments: ${store.stats().segments}`);
  return { store, clock, results, protect, disk, lines, options };
}

const segOf = (offset: number): number => offset - (offset % SEG);

/** Segments whose successor's first record was stored at or before `limit` (they stopped being written then). */
function expiredSegments(results: AppendResult[], limit: number): number[] {
  const firstTs = new Map<number, number>();
  for (const r of results) if (!firstTs.has(segOf(r.commitLogOffset))) firstTs.set(segOf(r.commitLogOffset), r.storeTimestamp);
  const segs = [...firstTs.keys()].sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 0; i + 1 < segs.length; i++) {
    if ((firstTs.get(segs[i + 1] as number) as number) <= limit) out.push(segs[i] as number);
    else break;
  }
  return out;
}

describe('store: retention', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it('deletes only expired segments, moves queue min offsets up, and logs each deletion', async () => {
    const w = await world(join(dir, 'expire'));
    const { store, clock, results } = w;
    // Nothing is old enough yet.
    assert.deepEqual(await store.runRetention(), { deletedSegments: [], kept: [] });

    clock.advance(23 * HOUR); // T0 + 73 h: the T0 segments are past 72 h, the T0+50 h ones are not
    const expected = expiredSegments(results, clock.now() - 72 * HOUR);
    assert.ok(expected.length >= 2);
    const rep = await store.runRetention();
    assert.deepEqual(rep.deletedSegments, expected.map(offsetName));
    assert.deepEqual(rep.kept, []);
    for (const s of expected) assert.ok(w.lines.some((l) => /retention deleted/.test(l.msg) && l.segment === offsetName(s)));

    const files = await readdir(join(w.options.dataDir, 'commitlog'));
    for (const s of expected) assert.ok(!files.includes(offsetName(s)));
    const newMin = (expected[expected.length - 1] as number) + SEG;
    assert.equal(store.stats().commitLogMinOffset, newMin);

    for (const [i, r] of results.entries()) {
      const m = await store.read(r.commitLogOffset);
      if (r.commitLogOffset < newMin) assert.equal(m, undefined, `record ${i} deleted`);
      else assert.ok(m?.body.equals(bodyOf(300, i)), `record ${i} kept`);
    }
    for (const q of [0, 1]) {
      const firstKept = results.filter((r, i) => i % 2 === q && r.commitLogOffset >= newMin)[0] as AppendResult;
      assert.equal(store.minQueueOffset('Ret', q), firstKept.queueOffset);
      const entries = await store.readQueue('Ret', q, 0, 100);
      assert.equal(entries[0]?.queueOffset, firstKept.queueOffset);
      assert.equal(entries[0]?.commitLogOffset, firstKept.commitLogOffset);
      assert.equal(store.maxQueueOffset('Ret', q), 30);
    }
    assert.deepEqual(await store.queryByUniqKey('u0', 1), []);
    assert.equal((await store.queryByUniqKey('u59', 1)).length, 1);
    await store.close();

    // The same picture after a reopen, and appends continue.
    const again = await openMessageStore({ ...w.options, logger: silentLogger() });
    assert.equal(again.stats().commitLogMinOffset, newMin);
    for (const q of [0, 1]) assert.equal(again.minQueueOffset('Ret', q), store.minQueueOffset('Ret', q));
    assert.equal((await again.append(input('Ret', 0, Buffer.from('more')))).queueOffset, 30);
    await again.close();
  });

  it('never deletes a segment holding offsets at or above the protected offset', async () => {
    const w = await world(join(dir, 'protect'));
    w.clock.advance(1000 * HOUR); // everything is old
    const r40 = w.results[40] as AppendResult;
    w.protect.offset = r40.commitLogOffset; // a consumer still needs record 40
    const rep = await w.store.runRetention();
    const keptSeg = segOf(r40.commitLogOffset);
    const expected = [];
    for (let s = 0; s < keptSeg; s += SEG) expected.push(offsetName(s));
    assert.deepEqual(rep.deletedSegments, expected);
    assert.equal(rep.kept.length, 1);
    assert.equal(rep.kept[0]?.segment, offsetName(keptSeg));
    assert.match(rep.kept[0]?.reason ?? '', /protected offset/);
    assert.ok(w.lines.some((l) => /retention kept/.test(l.msg) && l.segment === offsetName(keptSeg)));
    assert.ok(await w.store.read(r40.commitLogOffset));
    await w.store.close();
  });

  it('never deletes the segment being written, even when everything is expired', async () => {
    const w = await world(join(dir, 'current'));
    w.clock.advance(1000 * HOUR);
    const rep = await w.store.runRetention();
    const last = w.results[w.results.length - 1] as AppendResult;
    assert.equal(rep.deletedSegments.length, segOf(last.commitLogOffset) / SEG);
    assert.deepEqual(rep.kept, [{ segment: offsetName(segOf(last.commitLogOffset)), reason: 'in use (the segment being written)' }]);
    assert.equal(w.store.stats().segments, 1);
    assert.ok(await w.store.read(last.commitLogOffset));
    await w.store.close();
  });

  it('deletes old segments under disk pressure (not the current one), in the background too', async () => {
    const w = await world(join(dir, 'pressure'), { retention: { checkIntervalMs: 20, diskMaxUsedRatio: 0.8 } });
    const segsBefore = w.store.stats().segments;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(w.store.stats().segments, segsBefore, 'no pressure, nothing expired: nothing deleted');
    w.disk.used = 0.95;
    await waitFor(() => w.store.stats().segments === 1, 5000, 'background retention under disk pressure');
    assert.ok(w.lines.some((l) => /disk use above the limit/.test(l.msg)));
    const last = w.results[w.results.length - 1] as AppendResult;
    assert.ok(await w.store.read(last.commitLogOffset));
    await w.store.close();
  });
});
