/**
 * Reads the checked-in format-v1 data dir (test/fixtures/store-v1, made by make-fixture.ts) from a copy, so a
 * format change cannot silently break data written by an earlier version.
 */
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, type MessageStore, type StoredMessage } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/store-v1/', import.meta.url));

interface Expected {
  formatVersion: number;
  records: Array<Omit<StoredMessage, 'body'> & { body: string }>;
}

async function checkAll(store: MessageStore, exp: Expected): Promise<void> {
  for (const e of exp.records) {
    const m = await store.read(e.commitLogOffset);
    assert.ok(m, `record at ${e.commitLogOffset}`);
    assert.deepEqual({ ...m, body: m.body.toString('base64') }, e);
    const [entry] = await store.readQueue(e.topic, e.queueId, e.queueOffset, 1);
    assert.deepEqual(entry, { queueOffset: e.queueOffset, commitLogOffset: e.commitLogOffset, size: e.size, tagsCode: e.tagsCode });
    const byId = await store.queryByUniqKey(e.properties.UNIQ_KEY as string, 5);
    assert.deepEqual(byId.map((x) => x.commitLogOffset), [e.commitLogOffset]);
    const firstKey = (e.properties.KEYS as string).split(' ')[0] as string;
    assert.deepEqual((await store.queryByKey(e.topic, firstKey, 5)).map((x) => x.commitLogOffset), [e.commitLogOffset]);
  }
  const queues = new Set(exp.records.map((e) => `${e.topic}/${e.queueId}`));
  assert.equal(store.queues().length, queues.size);
  for (const q of store.queues()) {
    const n = exp.records.filter((e) => e.topic === q.topic && e.queueId === q.queueId).length;
    assert.equal(store.maxQueueOffset(q.topic, q.queueId), n);
  }
}

describe('store: format v1 fixture', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let exp: Expected;
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    exp = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
  });
  after(async () => cleanup());

  it('the fixture spans two commit-log segments', async () => {
    assert.equal(exp.formatVersion, 1);
    assert.deepEqual(await readdir(join(FIXTURE, 'data', 'commitlog')), ['00000000000000000000', '00000000000000001024']);
    assert.equal(exp.records.length, 6);
  });

  it('opens a copy (default options: the data dir keeps its own layout) and reads every record exactly', async () => {
    const copy = join(dir, 'v1');
    await cp(join(FIXTURE, 'data'), copy, { recursive: true });
    const store = await openMessageStore({ dataDir: copy, flushMode: 'sync', logger: silentLogger() });
    assert.equal(store.recovery.crashed, false);
    assert.equal(store.recovery.truncatedBytes, 0);
    assert.deepEqual(store.recovery.rebuilt, []);
    await checkAll(store, exp);
    await store.close();
  });

  it('rebuilds v1 consume queues and index from the v1 commit log alone', async () => {
    const copy = join(dir, 'v1-rebuild');
    await cp(join(FIXTURE, 'data'), copy, { recursive: true });
    await rm(join(copy, 'consumequeue'), { recursive: true });
    await rm(join(copy, 'index'), { recursive: true });
    await rm(join(copy, 'checkpoint'));
    const store = await openMessageStore({ dataDir: copy, flushMode: 'sync', logger: silentLogger() });
    assert.equal(store.recovery.redispatchedRecords, exp.records.length);
    await checkAll(store, exp);
    await store.close();
  });
});
