/**
 * SDK Producer against a real broker: sync sends with many in flight on one connection, batch, tags / keys /
 * user properties as consumers see them, queue selector and message group (FIFO: one queue, send order),
 * typed errors (no route, bad argument, broker refusal with its response code).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConsumeFromWhere, LitePullConsumer, MQBrokerError, MQClientError, Producer, type MessageExt } from '../../src/client/index.js';
import { fastClient, startTarget, unique, waitFor, type SdkTarget } from './support/target.js';

async function drain(namesrvAddr: string, topic: string, count: number, timeoutMs = 15_000): Promise<MessageExt[]> {
  const c = new LitePullConsumer({ consumerGroup: unique('g-drain'), namesrvAddr, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, ...fastClient, brokerSuspendMaxTimeMillis: 1000 });
  c.subscribe(topic, '*');
  await c.start();
  const got: MessageExt[] = [];
  try {
    await waitFor(`${count} messages on ${topic}`, async () => {
      got.push(...(await c.poll(200)));
      return got.length >= count || undefined;
    }, timeoutMs, 0);
  } finally {
    await c.shutdown();
  }
  return got;
}

describe('sdk: Producer', () => {
  let target: SdkTarget;
  let producer: Producer;

  before(async () => {
    target = await startTarget();
    producer = new Producer({ producerGroup: unique('pg'), namesrvAddr: target.namesrvAddr, ...fastClient });
    await producer.start();
  });
  after(async () => {
    await producer?.shutdown();
    await target?.close();
  });

  test('sync sends, 200 in flight at once, each SEND_OK with its own id and queue offset', async () => {
    const topic = await target.topic('sdk-send');
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic, body: Buffer.from(`m${i}`) })));
    for (const r of results) {
      assert.equal(r.sendStatus, 'SEND_OK');
      assert.match(r.msgId, /^[0-9A-F]{32}$/);
      assert.match(r.offsetMsgId, /^[0-9A-F]{32}$/);
      assert.equal(r.queue.topic, topic);
      assert.ok(r.queueOffset >= 0);
    }
    assert.equal(new Set(results.map((r) => r.msgId)).size, 200, 'unique ids');
    const perQueue = new Map<number, Set<number>>();
    for (const r of results) perQueue.set(r.queue.queueId, (perQueue.get(r.queue.queueId) ?? new Set()).add(r.queueOffset));
    assert.ok(perQueue.size > 1, 'round robin over the queues');
    const got = await drain(target.namesrvAddr, topic, 200);
    assert.deepEqual(new Set(got.map((m) => m.body.toString())), new Set(results.map((_, i) => `m${i}`)));
  });

  test('maxInFlightSends bounds the sends awaiting answers; the rest wait their turn and succeed', async () => {
    const topic = await target.topic('sdk-bounded');
    const p = new Producer({ producerGroup: unique('pg-bounded'), namesrvAddr: target.namesrvAddr, ...fastClient, maxInFlightSends: 2 });
    await p.start();
    try {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => p.send({ topic, body: Buffer.from(`x${i}`) })));
      assert.ok(results.every((r) => r.sendStatus === 'SEND_OK'));
      await assert.rejects(
        Promise.all(Array.from({ length: 20 }, () => p.send({ topic, body: Buffer.from('y') }, { timeoutMs: 1 }))),
        (e: unknown) => e instanceof MQClientError && e.kind === 'TIMEOUT',
        'a send that cannot get a slot within its timeout fails as TIMEOUT',
      );
    } finally {
      await p.shutdown();
    }
  });

  test('tags, keys and user properties arrive as sent; msgId is the unique id', async () => {
    const topic = await target.topic('sdk-props');
    const r = await producer.send({ topic, body: Buffer.from('hello'), tags: 'TagA', keys: ['order-1', 'user-7'], properties: { region: 'eu', n: '42' } });
    const [m] = await drain(target.namesrvAddr, topic, 1);
    assert.ok(m);
    assert.equal(m.msgId, r.msgId);
    assert.equal(m.offsetMsgId, r.offsetMsgId);
    assert.equal(m.tags, 'TagA');
    assert.deepEqual(m.keys, ['order-1', 'user-7']);
    assert.equal(m.properties['region'], 'eu');
    assert.equal(m.properties['n'], '42');
    assert.equal(m.properties['UNIQ_KEY'], undefined, 'system properties are not user properties');
    assert.equal(m.reconsumeTimes, 0);
    assert.equal(m.queueOffset, r.queueOffset);
  });

  test('batch: one request, messages stored in order on one queue, ids joined by commas', async () => {
    const topic = await target.topic('sdk-batch');
    const r = await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, body: Buffer.from(`b${i}`), keys: `k${i}` })));
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(r.msgId.split(',').length, 10);
    const got = await drain(target.namesrvAddr, topic, 10);
    assert.deepEqual(got.map((m) => m.body.toString()), Array.from({ length: 10 }, (_, i) => `b${i}`));
    assert.ok(got.every((m) => m.queueId === r.queue.queueId));
    assert.deepEqual(got.map((m) => m.msgId), r.msgId.split(','));
  });

  test('queue selector and message group pin messages to one queue, in send order', async () => {
    const topic = await target.topic('sdk-fifo');
    const queues = await producer.fetchPublishMessageQueues(topic);
    assert.equal(queues.length, 4);
    for (let i = 0; i < 5; i++) {
      const r = await producer.send({ topic, body: Buffer.from(`sel${i}`) }, { selector: (qs, _m, arg) => qs[Number(arg) % qs.length]!, arg: 2 });
      assert.equal(r.queue.queueId, queues[2]!.queueId);
    }
    const groupQueue = new Set<number>();
    for (let i = 0; i < 5; i++) groupQueue.add((await producer.send({ topic, body: Buffer.from(`grp${i}`), messageGroup: 'order-42' })).queue.queueId);
    assert.equal(groupQueue.size, 1, 'one message group, one queue');
    const got = await drain(target.namesrvAddr, topic, 10);
    const sel = got.filter((m) => m.body.toString().startsWith('sel'));
    assert.deepEqual(sel.map((m) => m.body.toString()), ['sel0', 'sel1', 'sel2', 'sel3', 'sel4']);
    const grp = got.filter((m) => m.body.toString().startsWith('grp'));
    assert.deepEqual(grp.map((m) => m.body.toString()), ['grp0', 'grp1', 'grp2', 'grp3', 'grp4']);
    assert.equal(grp[0]?.messageGroup, 'order-42');
  });

  test('errors are typed: no route, bad argument, a broker refusal with its response code', async () => {
    await assert.rejects(producer.send({ topic: unique('no-such-topic'), body: Buffer.from('x') }), (e: unknown) => e instanceof MQClientError && e.kind === 'NO_ROUTE');
    await assert.rejects(producer.send({ topic: 'bad topic!', body: Buffer.from('x') }), (e: unknown) => e instanceof MQClientError && e.kind === 'ILLEGAL_ARGUMENT');
    const topic = await target.topic('sdk-err');
    await assert.rejects(producer.send({ topic, body: Buffer.alloc(0) }), (e: unknown) => e instanceof MQClientError && e.kind === 'ILLEGAL_ARGUMENT');
    await assert.rejects(producer.send({ topic, body: Buffer.from('x'), properties: { UNIQ_KEY: 'mine' } }), /reserved/);
    await assert.rejects(
      producer.send({ topic, body: Buffer.from('x') }, { queue: { topic, brokerName: (await producer.fetchPublishMessageQueues(topic))[0]!.brokerName, queueId: 1000 } }),
      (e: unknown) => e instanceof MQBrokerError && e.responseCode > 0 && typeof e.remark === 'string' && e.remark.length > 0,
    );
  });

  test('several name servers: one that refuses connections is skipped', async () => {
    const topic = await target.topic('sdk-ns-failover');
    const p = new Producer({ producerGroup: unique('pg-ns'), namesrvAddr: `127.0.0.1:1;${target.namesrvAddr}`, ...fastClient });
    await p.start();
    try {
      assert.equal((await p.send({ topic, body: Buffer.from('via the second name server') })).sendStatus, 'SEND_OK');
    } finally {
      await p.shutdown();
    }
    assert.throws(() => new Producer({ producerGroup: 'pg', namesrvAddr: 'no-port' }), (e: unknown) => e instanceof MQClientError && e.kind === 'ILLEGAL_ARGUMENT');
  });

  test('a producer that is not started, or shut down, says so', async () => {
    const p = new Producer({ producerGroup: unique('pg-idle'), namesrvAddr: target.namesrvAddr, ...fastClient });
    await assert.rejects(p.send({ topic: 'x', body: Buffer.from('x') }), (e: unknown) => e instanceof MQClientError && e.kind === 'NOT_STARTED');
    await p.start();
    await p.shutdown();
    await assert.rejects(p.send({ topic: 'x', body: Buffer.from('x') }), (e: unknown) => e instanceof MQClientError && e.kind === 'SHUTDOWN');
    assert.throws(() => new Producer({ producerGroup: 'bad group', namesrvAddr: target.namesrvAddr }), MQClientError);
  });
});
