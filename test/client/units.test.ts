/**
 * The SDK's pure parts: average allocation (RocketMQ's split for every queue/consumer count), fastjson bodies
 * with bare integer keys, the bounded check pool, unique ids.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allocateAveragely, type MessageQueue } from '../../src/client/index.js';
import { BoundedPool } from '../../src/client/bounded-pool.js';
import { parseFastjson } from '../../src/client/fastjson-parse.js';
import { newUniqueId } from '../../src/client/message-id.js';
import { parseTopicRoute } from '../../src/client/topic-route.js';

const queues = (n: number): MessageQueue[] => Array.from({ length: n }, (_, i) => ({ topic: 'T', brokerName: 'b', queueId: i }));

describe('sdk units', () => {
  test('average allocation: contiguous runs, the first (queues % clients) clients take one more, all covered once', () => {
    const ids = ['c', 'a', 'b'];
    const split = ['a', 'b', 'c'].map((me) => allocateAveragely(queues(8), ids, me).map((q) => q.queueId));
    assert.deepEqual(split, [[0, 1, 2], [3, 4, 5], [6, 7]]);
    assert.deepEqual(allocateAveragely(queues(2), ids, 'c'), [], 'more clients than queues: the last get none');
    assert.deepEqual(allocateAveragely(queues(4), ids, 'zz'), [], 'not a member: nothing');
    for (let n = 1; n <= 9; n++) {
      for (let c = 1; c <= 5; c++) {
        const cids = Array.from({ length: c }, (_, i) => `id${i}`);
        const all = cids.flatMap((me) => allocateAveragely(queues(n), cids, me).map((q) => q.queueId)).sort((x, y) => x - y);
        assert.deepEqual(all, Array.from({ length: n }, (_, i) => i), `${n} queues, ${c} clients`);
      }
    }
  });

  test('fastjson bodies: bare integer keys are read, strings that look like keys are left alone', () => {
    const body = Buffer.from('{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10912"},"brokerName":"b,0:x","cluster":"C"}],"queueDatas":[{"brokerName":"b,0:x","perm":6,"readQueueNums":2,"writeQueueNums":1}]}');
    const route = parseTopicRoute('T', parseFastjson(body, 'route'));
    assert.equal(route.brokerAddrs.get('b,0:x'), '127.0.0.1:10911');
    assert.equal(route.publishQueues.length, 1);
    assert.equal(route.subscribeQueues.length, 2);
    assert.throws(() => parseFastjson(Buffer.from('{nope'), 'x'), /not JSON/);
  });

  test('bounded pool: N at once, a queue of fixed size, full → refused', async () => {
    const errors: unknown[] = [];
    const pool = new BoundedPool(2, 1, (e) => errors.push(e));
    const gates: Array<() => void> = [];
    const task = (): Promise<void> => new Promise<void>((r) => gates.push(r));
    assert.equal(pool.submit(task), true);
    assert.equal(pool.submit(task), true);
    assert.equal(pool.submit(task), true, 'queued');
    assert.equal(pool.submit(task), false, 'full');
    assert.equal(pool.active, 2);
    assert.equal(pool.queued, 1);
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.equal(pool.active, 2, 'the queued one started');
    assert.equal(pool.queued, 0);
    assert.equal(pool.submit(async () => Promise.reject(new Error('boom'))), true);
    for (const g of gates.splice(0)) g();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(errors.length, 1, 'a failing task is reported, not unhandled');
  });

  test('unique ids: 32 hex characters, distinct', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newUniqueId()));
    assert.equal(ids.size, 10_000);
    for (const id of [...ids].slice(0, 10)) assert.match(id, /^[0-9A-F]{32}$/);
  });
});
