import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, type MessageStore, type StoreOptions } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { bodyOf, input, ManualClock, tempDir } from './helpers.js';

/** Everything a consumer could observe through the derived files. */
async function snapshot(store: MessageStore): Promise<unknown> {
  const queues = store.queues().sort((a, b) => (a.topic + a.queueId).localeCompare(b.topic + b.queueId));
  const out: Record<string, unknown> = {};
  for (const q of queues) {
    out[`${q.topic}/${q.queueId}`] = {
      min: store.minQueueOffset(q.topic, q.queueId),
      max: store.maxQueueOffset(q.topic, q.queueId),
      entries: await store.readQueue(q.topic, q.queueId, 0, 10_000),
    };
  }
  const byKey: Record<string, unknown> = {};
  for (const topic of ['K0', 'K1', 'K2']) {
    for (const key of ['order-1', 'order-7', 'shared', 'missing']) {
      byKey[`${topic}:${key}`] = (await store.queryByKey(topic, key, 100)).map((m) => m.commitLogOffset);
    }
  }
  const byId: Record<string, unknown> = {};
  for (const id of ['msg-0', 'msg-50', 'msg-149', 'dup', 'nope']) byId[id] = (await store.queryByUniqKey(id, 100)).map((m) => m.commitLogOffset);
  return { queues: out, byKey, byId };
}

describe('store: consume queues and index are derived and rebuildable', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  const opts = (d: string): StoreOptions => ({
    dataDir: d,
    flushMode: 'sync',
    segmentSize: 16 * 1024,
    consumeQueueEntriesPerFile: 16,
    indexSlotCount: 64,
    indexMaxEntries: 100, // several sealed index files
    logger: silentLogger(),
  });

  async function populate(d: string): Promise<void> {
    const store = await openMessageStore(opts(d));
    for (let i = 0; i < 150; i++) {
      const props: Record<string, string> = { KEYS: `order-${i % 10} shared`, UNIQ_KEY: i % 30 === 0 ? 'dup' : `msg-${i}`, TAGS: `t${i % 4}` };
      await store.append({ ...input(`K${i % 3}`, i % 2, bodyOf(200, i), props), tagsCode: i === 5 ? 123456789 : undefined });
    }
    await store.close();
  }

  it('queries by key (topic-scoped, newest first) and by message id, across sealed index files', async () => {
    const d = join(dir, 'query');
    await populate(d);
    const store = await openMessageStore(opts(d));
    const files = await readdir(join(d, 'index'));
    assert.ok(files.filter((f) => /^\d{20}\.idx$/.test(f)).length >= 2, `sealed index files: ${files.join(',')}`);
    const hits = await store.queryByKey('K1', 'order-7', 100);
    // i ≡ 7 (mod 10) and i ≡ 1 (mod 3): i = 7, 37, 67, 97, 127
    assert.deepEqual(hits.map((m) => m.properties.UNIQ_KEY), ['msg-127', 'msg-97', 'msg-67', 'msg-37', 'msg-7']);
    assert.equal((await store.queryByKey('K1', 'order-7', 2)).length, 2);
    assert.deepEqual(await store.queryByKey('K1', 'order-', 10), []);
    const dup = await store.queryByUniqKey('dup', 100);
    assert.deepEqual(dup.map((m) => m.body.equals(bodyOf(200, 120))), [true, false, false, false, false]);
    assert.equal(dup.length, 5);
    const one = await store.queryByUniqKey('msg-149', 3);
    assert.equal(one.length, 1);
    assert.ok(one[0]?.body.equals(bodyOf(200, 149)));
    // tagsCode override is kept (RocketMQ puts a delivery time there for timer entries).
    const q2 = await store.readQueue('K2', 1, 0, 1);
    assert.equal(q2[0]?.tagsCode, 123456789);
    await store.close();
  });

  it('rebuilds consume queues and the index when their files are deleted (same results as before)', async () => {
    const d = join(dir, 'rebuild');
    await populate(d);
    let store = await openMessageStore(opts(d));
    const expected = await snapshot(store);
    await store.close();
    const ex = expected as { queues: Record<string, { entries: unknown[] }>; byKey: Record<string, unknown[]>; byId: Record<string, unknown[]> };
    assert.equal(Object.keys(ex.queues).length, 6);
    assert.equal(Object.values(ex.queues).reduce((n, q) => n + q.entries.length, 0), 150);
    assert.equal(ex.byKey['K0:shared']?.length, 50);
    assert.equal(ex.byId['dup']?.length, 5);

    await rm(join(d, 'consumequeue'), { recursive: true });
    await rm(join(d, 'index'), { recursive: true });
    store = await openMessageStore(opts(d));
    assert.ok(store.recovery.rebuilt.some((r) => r.startsWith('consumequeue (all queues')), store.recovery.rebuilt.join());
    assert.ok(store.recovery.rebuilt.some((r) => r.startsWith('index')), store.recovery.rebuilt.join());
    assert.equal(store.recovery.redispatchedRecords, 150);
    assert.deepEqual(await snapshot(store), expected);
    // Appends continue with the right queue offsets.
    const r = await store.append(input('K0', 0, Buffer.from('x')));
    assert.equal(r.queueOffset, store.maxQueueOffset('K0', 0) - 1);
    assert.equal(r.queueOffset, (expected as { queues: Record<string, { max: number }> }).queues['K0/0']?.max);
    await store.close();

    // One queue's directory, and one sealed index file.
    await rm(join(d, 'consumequeue', 'K1', '1'), { recursive: true });
    const idxFiles = (await readdir(join(d, 'index'))).filter((f) => /^\d{20}\.idx$/.test(f)).sort();
    await rm(join(d, 'index', idxFiles[0] as string));
    store = await openMessageStore(opts(d));
    assert.ok(store.recovery.rebuilt.includes('consumequeue/K1/1'), store.recovery.rebuilt.join());
    assert.ok(store.recovery.rebuilt.some((r) => r.startsWith('index')));
    const now = (await snapshot(store)) as { queues: Record<string, unknown> };
    const exp = expected as { queues: Record<string, { max: number; entries: unknown[] }> };
    assert.deepEqual(now.queues['K1/1'], exp.queues['K1/1']);
    await store.close();
  });

  it('finds queue offsets by store time', async () => {
    const d = join(dir, 'bytime');
    const clock = new ManualClock(1_000_000);
    const store = await openMessageStore({ ...opts(d), clock });
    for (let i = 0; i < 20; i++) {
      await store.append(input('Time', 0, Buffer.from(`m${i}`)));
      clock.advance(1000);
    }
    assert.equal(await store.queueOffsetByTime('Time', 0, 0), 0);
    assert.equal(await store.queueOffsetByTime('Time', 0, 1_000_000), 0);
    assert.equal(await store.queueOffsetByTime('Time', 0, 1_000_001), 1);
    assert.equal(await store.queueOffsetByTime('Time', 0, 1_007_000), 7);
    assert.equal(await store.queueOffsetByTime('Time', 0, 9_999_999), 20);
    assert.equal(await store.queueOffsetByTime('Nope', 0, 5), 0);
    await store.close();
  });

  it('deleteTopicQueues forgets a topic for good; a recreated topic starts again at 0', async () => {
    const d = join(dir, 'deltopic');
    let store = await openMessageStore(opts(d));
    for (let i = 0; i < 30; i++) await store.append(input(i % 2 ? 'Gone' : 'Stay', 0, Buffer.from(`m${i}`)));
    await store.deleteTopicQueues('Gone');
    assert.equal(store.maxQueueOffset('Gone', 0), 0);
    assert.deepEqual(await store.readQueue('Gone', 0, 0, 10), []);
    assert.ok(!store.queues().some((q) => q.topic === 'Gone'));
    const again = await store.append(input('Gone', 0, Buffer.from('new life')));
    assert.equal(again.queueOffset, 0);
    await store.close();

    // Even a full rebuild from the commit log does not resurrect the old records.
    await rm(join(d, 'consumequeue'), { recursive: true });
    store = await openMessageStore(opts(d));
    assert.equal(store.maxQueueOffset('Gone', 0), 1);
    assert.equal(store.maxQueueOffset('Stay', 0), 15);
    const [e] = await store.readQueue('Gone', 0, 0, 10);
    assert.equal((await store.read(e?.commitLogOffset ?? -1))?.body.toString(), 'new life');
    await store.close();
  });
});
