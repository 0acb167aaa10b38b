import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, StoreError, type AppendResult, type MessageStore } from '../../src/store/index.js';
import { javaStringHashCode } from '../../src/util/hash.js';
import { silentLogger } from '../../src/util/logger.js';
import { bodyOf, input, rng, tempDir } from './helpers.js';

interface Sent {
  topic: string;
  queueId: number;
  body: Buffer;
  props: Record<string, string>;
  res: AppendResult;
}

describe('store: append and read', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it('round-trips records across segment boundaries, many topics/queues, and across a reopen', async () => {
    const segmentSize = 8192;
    let store: MessageStore = await openMessageStore({ dataDir: dir, flushMode: 'sync', segmentSize, logger: silentLogger() });
    const r = rng(7);
    const sent: Sent[] = [];
    const topics = ['TopicA', 'TopicB', '%RETRY%group-1', 'Ünïcode-topic', 'T5'];
    for (let round = 0; round < 6; round++) {
      const batch = [];
      for (let i = 0; i < 50; i++) {
        const topic = topics[Math.floor(r() * topics.length)] as string;
        const queueId = Math.floor(r() * 4);
        const body = bodyOf(Math.floor(r() * 1500), round * 1000 + i);
        const props: Record<string, string> = { TAGS: `tag${i % 3}`, KEYS: `k${i} shared`, UNIQ_KEY: `U-${round}-${i}`, 'ünï': 'välue' };
        batch.push(store.append(input(topic, queueId, body, props)).then((res) => sent.push({ topic, queueId, body, props, res })));
      }
      await Promise.all(batch);
    }
    assert.equal(sent.length, 300);
    assert.ok(store.stats().segments >= 5, `expected several segments, got ${store.stats().segments}`);

    const check = async (s: MessageStore): Promise<void> => {
      // Queue offsets are dense and per queue; commit-log offsets are unique.
      const perQueue = new Map<string, number[]>();
      for (const x of sent) {
        const k = `${x.topic}/${x.queueId}`;
        perQueue.set(k, [...(perQueue.get(k) ?? []), x.res.queueOffset]);
      }
      for (const [k, offs] of perQueue) {
        const sorted = [...offs].sort((a, b) => a - b);
        assert.deepEqual(sorted, sorted.map((_, i) => i), `queue ${k} offsets are dense`);
      }
      assert.equal(new Set(sent.map((x) => x.res.commitLogOffset)).size, sent.length);
      for (const x of sent) {
        const m = await s.read(x.res.commitLogOffset);
        assert.ok(m, `record at ${x.res.commitLogOffset}`);
        assert.equal(m.topic, x.topic);
        assert.equal(m.queueId, x.queueId);
        assert.equal(m.queueOffset, x.res.queueOffset);
        assert.equal(m.commitLogOffset, x.res.commitLogOffset);
        assert.equal(m.size, x.res.size);
        assert.equal(m.storeTimestamp, x.res.storeTimestamp);
        assert.deepEqual(m.properties, x.props);
        assert.ok(m.body.equals(x.body));
        assert.equal(m.tagsCode, javaStringHashCode(x.props.TAGS as string));
        assert.equal(m.bornHost, '10.0.0.1:50000');
        assert.equal(m.storeHost, '10.0.0.2:10911');
        // A record never spans two segments.
        assert.equal(Math.floor(m.commitLogOffset / segmentSize), Math.floor((m.commitLogOffset + m.size - 1) / segmentSize));
        const withSize = await s.read(x.res.commitLogOffset, x.res.size);
        assert.ok(withSize?.body.equals(x.body));
      }
      for (const q of s.queues()) {
        const entries = await s.readQueue(q.topic, q.queueId, 0, 1000);
        const expected = sent.filter((x) => x.topic === q.topic && x.queueId === q.queueId).sort((a, b) => a.res.queueOffset - b.res.queueOffset);
        assert.equal(entries.length, expected.length);
        assert.equal(s.maxQueueOffset(q.topic, q.queueId), expected.length);
        assert.equal(s.minQueueOffset(q.topic, q.queueId), 0);
        entries.forEach((e, i) => {
          const x = expected[i] as Sent;
          assert.equal(e.queueOffset, i);
          assert.equal(e.commitLogOffset, x.res.commitLogOffset);
          assert.equal(e.size, x.res.size);
          assert.equal(e.tagsCode, javaStringHashCode(x.props.TAGS as string));
        });
        const mid = await s.readQueue(q.topic, q.queueId, 1, 2);
        assert.deepEqual(mid, entries.slice(1, 3));
      }
      assert.equal(s.queues().length, new Set(sent.map((x) => `${x.topic}/${x.queueId}`)).size);
    };
    await check(store);
    await store.close();
    await store.close(); // idempotent

    const files = await readdir(join(dir, 'commitlog'));
    assert.ok(files.every((f) => /^\d{20}$/.test(f)));
    assert.ok(files.includes('00000000000000008192'));

    store = await openMessageStore({ dataDir: dir, flushMode: 'sync', segmentSize, logger: silentLogger() });
    assert.equal(store.recovery.crashed, false);
    assert.equal(store.recovery.truncatedBytes, 0);
    await check(store);
    // Queue offsets continue after a reopen.
    const next = await store.append(input('TopicA', 0, Buffer.from('after reopen')));
    assert.equal(next.queueOffset, sent.filter((x) => x.topic === 'TopicA' && x.queueId === 0).length);
    assert.equal(next.commitLogOffset >= sent.reduce((m, x) => Math.max(m, x.res.commitLogOffset), 0), true);
    await store.close();
  });

  it('rejects bad input with a typed error naming the field, and changes nothing', async () => {
    const { dir: d, cleanup: c } = await tempDir();
    try {
      const store = await openMessageStore({ dataDir: d, flushMode: 'sync', segmentSize: 4096, maxMessageSize: 1000, logger: silentLogger() });
      const good = input('T', 0, Buffer.from('x'));
      const cases: Array<[Partial<typeof good>, RegExp, string]> = [
        [{ topic: '' }, /topic/, 'BAD_INPUT'],
        [{ topic: 'a/b' }, /topic/, 'BAD_INPUT'],
        [{ topic: '..' }, /topic/, 'BAD_INPUT'],
        [{ queueId: -1 }, /queueId/, 'BAD_INPUT'],
        [{ queueId: 1.5 }, /queueId/, 'BAD_INPUT'],
        [{ properties: { a: 'x\u0001y' } }, /properties\.a/, 'BAD_INPUT'],
        [{ properties: { a: 3 as unknown as string } }, /properties\.a/, 'BAD_INPUT'],
        [{ body: 'str' as unknown as Buffer }, /body/, 'BAD_INPUT'],
        [{ body: Buffer.alloc(1001) }, /maxMessageSize/, 'MESSAGE_TOO_LARGE'],
        [{ properties: { big: 'x'.repeat(70000) } }, /properties/, 'MESSAGE_TOO_LARGE'],
        [{ bornHost: 'h'.repeat(300) }, /bornHost/, 'BAD_INPUT'],
      ];
      for (const [patch, re, code] of cases) {
        await assert.rejects(store.append({ ...good, ...patch }), (err: unknown) => {
          assert.ok(err instanceof StoreError, String(err));
          assert.equal(err.code, code);
          assert.match(err.message, re);
          return true;
        });
      }
      assert.equal(store.stats().appendCount, 0);
      assert.equal(store.stats().commitLogMaxOffset, 0);
      // An input changed after append() measured it is refused alone; its batch neighbours are stored.
      const props: Record<string, string> = { a: 'b' };
      const changed = store.append(input('T', 0, Buffer.from('x'), props));
      const fine = store.append(input('T', 0, Buffer.from('y')));
      props.extra = 'grew after the call';
      await assert.rejects(changed, (e: unknown) => e instanceof StoreError && e.code === 'BAD_INPUT' && /changed/.test(e.message));
      assert.equal((await fine).queueOffset, 0);
      assert.equal((await store.read((await fine).commitLogOffset))?.body.toString(), 'y');
      const ok = await store.append(good);
      assert.equal(ok.queueOffset, 1);
      assert.equal(await store.read(ok.commitLogOffset + ok.size + 10_000), undefined);
      await assert.rejects(store.read(ok.commitLogOffset + 1), (e: unknown) => e instanceof StoreError && e.code === 'BAD_OFFSET');
      await assert.rejects(store.readQueue('T', -1, 0, 1), (e: unknown) => e instanceof StoreError && e.code === 'BAD_INPUT');
      await store.close();
      await assert.rejects(store.append(good), (e: unknown) => e instanceof StoreError && e.code === 'CLOSED');
      await assert.rejects(store.read(ok.commitLogOffset), (e: unknown) => e instanceof StoreError && e.code === 'CLOSED');
    } finally {
      await c();
    }
  });

  it('refuses a data dir another live store holds', async () => {
    const { dir: d, cleanup: c } = await tempDir();
    try {
      const a = await openMessageStore({ dataDir: d, flushMode: 'async', logger: silentLogger() });
      await assert.rejects(openMessageStore({ dataDir: d, flushMode: 'async', logger: silentLogger() }), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.code, 'LOCKED');
        assert.match(e.message, /already open/);
        return true;
      });
      await a.close();
      const b = await openMessageStore({ dataDir: d, flushMode: 'async', logger: silentLogger() });
      await b.close();
    } finally {
      await c();
    }
  });
});
