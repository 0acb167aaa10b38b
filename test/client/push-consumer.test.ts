/**
 * SDK PushConsumer against a real broker: the concurrency bound, offsets committed at shutdown, orderly
 * consumption per message group (with a suspended queue), reconsume-later through %RETRY% to the DLQ,
 * broadcasting with local offsets, TAG and SQL92 filters, delay level and delivery time, and rebalancing as
 * consumers come and go.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ConsumeConcurrentlyStatus,
  ConsumeFromWhere,
  ConsumeOrderlyStatus,
  ExpressionType,
  LitePullConsumer,
  MessageModel,
  Producer,
  PushConsumer,
  type MessageExt,
} from '../../src/client/index.js';
import { collect } from './support/collector.js';
import { fastClient, fastConsumer, startTarget, unique, waitFor, type SdkTarget } from './support/target.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sdk: PushConsumer', () => {
  let target: SdkTarget;
  let producer: Producer;
  const consumers: Array<PushConsumer | LitePullConsumer> = [];

  before(async () => {
    target = await startTarget();
    producer = new Producer({ producerGroup: unique('pg-push'), namesrvAddr: target.namesrvAddr, ...fastClient });
    await producer.start();
  });
  after(async () => {
    for (const c of consumers) await c.shutdown();
    await producer?.shutdown();
    await target?.close();
  });

  const consumer = (group: string, extra: Partial<ConstructorParameters<typeof PushConsumer>[0]> = {}): PushConsumer => {
    const c = new PushConsumer({ consumerGroup: group, namesrvAddr: target.namesrvAddr, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, ...fastConsumer, ...extra });
    consumers.push(c);
    return c;
  };

  test('concurrent listener: at most consumeThreadMax at once; offsets committed at shutdown', async () => {
    const topic = await target.topic('sdk-conc');
    const group = unique('g-conc');
    for (let i = 0; i < 60; i++) await producer.send({ topic, body: Buffer.from(`c${i}`) });
    const c = consumer(group, { consumeThreadMax: 4 });
    c.subscribe(topic, '*');
    let running = 0;
    let peak = 0;
    const seen = new Set<string>();
    c.registerMessageListenerConcurrently(async (msgs) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(10);
      for (const m of msgs) seen.add(m.body.toString());
      running--;
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    await c.start();
    await waitFor('60 consumed', () => seen.size === 60, 30_000);
    assert.ok(peak <= 4, `peak ${peak} ≤ 4`);
    assert.ok(peak > 1, `ran in parallel (peak ${peak})`);
    await c.shutdown();

    await producer.send({ topic, body: Buffer.from('after-shutdown') });
    const again = consumer(group);
    again.subscribe(topic, '*');
    const later: string[] = [];
    again.registerMessageListenerConcurrently((msgs) => (later.push(...msgs.map((m) => m.body.toString())), ConsumeConcurrentlyStatus.CONSUME_SUCCESS));
    await again.start();
    await waitFor('the message sent after shutdown', () => later.includes('after-shutdown'), 30_000);
    assert.deepEqual(later, ['after-shutdown'], 'the group resumed from its committed offsets');
  });

  test('orderly listener: each message group in send order, a suspended queue retries the same message first', async () => {
    const topic = await target.topic('sdk-orderly', { messageType: 'FIFO' });
    const groups = ['A', 'B', 'C'];
    for (let i = 0; i < 15; i++) for (const g of groups) await producer.send({ topic, body: Buffer.from(`${g}:${i}`), messageGroup: `order-${g}` });
    const c = consumer(unique('g-orderly'), { suspendCurrentQueueTimeMillis: 50 });
    c.subscribe(topic, '*');
    const done = new Map<string, number[]>(groups.map((g) => [g, []]));
    let suspended = 0;
    let retriedTimes = -1;
    c.registerMessageListenerOrderly((msgs) => {
      for (const m of msgs) {
        const [g, n] = m.body.toString().split(':') as [string, string];
        if (g === 'B' && n === '3' && suspended < 2) {
          suspended++;
          return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
        }
        if (g === 'B' && n === '3') retriedTimes = m.reconsumeTimes;
        done.get(g)!.push(Number(n));
      }
      return ConsumeOrderlyStatus.SUCCESS;
    });
    await c.start();
    await waitFor('45 consumed', () => [...done.values()].every((l) => l.length >= 15), 30_000);
    for (const g of groups) assert.deepEqual(done.get(g), Array.from({ length: 15 }, (_, i) => i), `group ${g} in order, once`);
    assert.equal(suspended, 2);
    assert.equal(retriedTimes, 2, 'reconsume times counted up on the suspended message');
  });

  test('orderly with maxReconsumeTimes: a message still failing after that many re-offers goes to the DLQ, the queue moves on', async () => {
    const topic = await target.topic('sdk-orderly-dlq', { queueNums: 1, messageType: 'FIFO' });
    const group = unique('g-orderly-dlq');
    const poison = await producer.send({ topic, body: Buffer.from('poison'), messageGroup: 'g' });
    await producer.send({ topic, body: Buffer.from('next'), messageGroup: 'g' });
    const c = consumer(group, { suspendCurrentQueueTimeMillis: 20, maxReconsumeTimes: 2 });
    c.subscribe(topic, '*');
    const offers: number[] = [];
    const done: string[] = [];
    c.registerMessageListenerOrderly((msgs) => {
      const m = msgs[0]!;
      if (m.body.toString() === 'poison') {
        offers.push(m.reconsumeTimes);
        return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
      }
      done.push(m.body.toString());
      return ConsumeOrderlyStatus.SUCCESS;
    });
    await c.start();
    await waitFor('the next message consumed', () => done.includes('next'), 30_000);
    assert.deepEqual(offers, [0, 1, 2], 'offered three times, then dead-lettered');
    const dlq = new LitePullConsumer({ consumerGroup: unique('g-dlq-reader'), namesrvAddr: target.namesrvAddr, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, ...fastConsumer });
    consumers.push(dlq);
    dlq.subscribe(`%DLQ%${group}`, '*');
    await dlq.start();
    const inDlq: MessageExt[] = [];
    await waitFor('the poison message in the DLQ', async () => {
      inDlq.push(...(await dlq.poll(500)));
      return inDlq.some((m) => m.msgId === poison.msgId) || undefined;
    }, 60_000, 0);
  });

  test('RECONSUME_LATER goes through %RETRY%<group> (real topic shown) and, past maxReconsumeTimes, to %DLQ%<group>', async () => {
    const topic = await target.topic('sdk-retry');
    const group = unique('g-retry');
    const deliveries: MessageExt[] = [];
    const c = consumer(group, { maxReconsumeTimes: 1 });
    c.subscribe(topic, '*');
    c.registerMessageListenerConcurrently((msgs, context) => {
      deliveries.push(...msgs);
      context.delayLevelWhenNextConsume = 1; // 1 s instead of the ladder's 10 s
      if (msgs.some((m) => m.body.toString() === 'retry-then-ok') && msgs[0]!.reconsumeTimes >= 1) return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      return ConsumeConcurrentlyStatus.RECONSUME_LATER;
    });
    await c.start();
    const ok = await producer.send({ topic, body: Buffer.from('retry-then-ok') });
    const dead = await producer.send({ topic, body: Buffer.from('always-later') });
    await waitFor('two deliveries of each', () => deliveries.filter((m) => m.msgId === ok.msgId).length >= 2 && deliveries.filter((m) => m.msgId === dead.msgId).length >= 2, 60_000);
    const okRuns = deliveries.filter((m) => m.msgId === ok.msgId);
    assert.deepEqual(okRuns.map((m) => m.reconsumeTimes), [0, 1]);
    assert.ok(okRuns.every((m) => m.topic === topic), 'a retried message shows its real topic');
    assert.equal(okRuns[1]!.body.toString(), 'retry-then-ok');

    const dlq = new LitePullConsumer({ consumerGroup: unique('g-dlq-reader'), namesrvAddr: target.namesrvAddr, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, ...fastConsumer });
    consumers.push(dlq);
    dlq.subscribe(`%DLQ%${group}`, '*');
    await dlq.start();
    const inDlq: MessageExt[] = [];
    await waitFor('the message in the DLQ', async () => {
      inDlq.push(...(await dlq.poll(500)));
      return inDlq.some((m) => m.msgId === dead.msgId) || undefined;
    }, 60_000, 0);
    assert.equal(inDlq.find((m) => m.msgId === dead.msgId)?.body.toString(), 'always-later');
    assert.equal(deliveries.filter((m) => m.msgId === dead.msgId).length, 2, 'not delivered again after the DLQ');
    assert.ok(!inDlq.some((m) => m.msgId === ok.msgId), 'the consumed one is not dead-lettered');
  });

  test('broadcasting: every consumer of the group gets every message; offsets kept locally (file dir)', async () => {
    const topic = await target.topic('sdk-bcast');
    const group = unique('g-bcast');
    const dirs = [await mkdtemp(join(tmpdir(), 'sdk-bcast-')), await mkdtemp(join(tmpdir(), 'sdk-bcast-'))];
    try {
      const got: string[][] = [[], []];
      const make = (i: number): PushConsumer => {
        const c = consumer(group, { messageModel: MessageModel.BROADCASTING, offsetStoreDir: dirs[i]! });
        c.subscribe(topic, '*');
        c.registerMessageListenerConcurrently((msgs) => (got[i]!.push(...msgs.map((m) => m.body.toString())), ConsumeConcurrentlyStatus.CONSUME_SUCCESS));
        return c;
      };
      const a = make(0);
      const b = make(1);
      await a.start();
      await b.start();
      for (let i = 0; i < 10; i++) await producer.send({ topic, body: Buffer.from(`bc${i}`) });
      await waitFor('both got all 10', () => new Set(got[0]).size === 10 && new Set(got[1]).size === 10, 30_000);
      await a.shutdown();
      assert.ok((await readdir(dirs[0]!)).some((f) => f.endsWith('.offsets.json')), 'offsets written to the directory');
      await producer.send({ topic, body: Buffer.from('bc-later') });
      const again: string[] = [];
      const a2 = consumer(group, { messageModel: MessageModel.BROADCASTING, offsetStoreDir: dirs[0]! });
      a2.subscribe(topic, '*');
      a2.registerMessageListenerConcurrently((msgs) => (again.push(...msgs.map((m) => m.body.toString())), ConsumeConcurrentlyStatus.CONSUME_SUCCESS));
      await a2.start();
      await waitFor('the later message', () => again.includes('bc-later'), 30_000);
      assert.deepEqual(again, ['bc-later'], 'resumed from the local offsets');
    } finally {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    }
  });

  test('TAG and SQL92 subscriptions get only what matches', async () => {
    const topic = await target.topic('sdk-filter');
    const tagged = await collect(target.namesrvAddr, topic, { expression: 'TagA || TagB' });
    consumers.push(tagged.consumer);
    const sql = new PushConsumer({ consumerGroup: unique('g-sql'), namesrvAddr: target.namesrvAddr, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, ...fastConsumer });
    consumers.push(sql);
    const sqlGot: string[] = [];
    sql.subscribe(topic, "region = 'eu' AND amount > 5", ExpressionType.SQL92);
    sql.registerMessageListenerConcurrently((msgs) => (sqlGot.push(...msgs.map((m) => m.body.toString())), ConsumeConcurrentlyStatus.CONSUME_SUCCESS));
    await sql.start();
    const send = (body: string, tags: string, region: string, amount: number): Promise<unknown> => producer.send({ topic, body: Buffer.from(body), tags, properties: { region, amount: String(amount) } });
    await send('a-eu-10', 'TagA', 'eu', 10);
    await send('b-us-10', 'TagB', 'us', 10);
    await send('c-eu-1', 'TagC', 'eu', 1);
    await send('c-eu-9', 'TagC', 'eu', 9);
    await send('a-last', 'TagA', 'xx', 0);
    await waitFor('tag consumer caught up', () => tagged.bodies().includes('a-last'), 30_000);
    await waitFor('sql consumer got its two', () => sqlGot.length >= 2, 30_000);
    assert.deepEqual(tagged.bodies().sort(), ['a-eu-10', 'a-last', 'b-us-10']);
    // SQL consumer: everything after c-eu-9 was sent before a-last; once a-last is past for the tag consumer, wait for the SQL pair only.
    assert.deepEqual(sqlGot.sort(), ['a-eu-10', 'c-eu-9']);
  });

  test('delay level 1 and a delivery time hold a message back until then', async () => {
    const topic = await target.topic('sdk-delay');
    const c = await collect(target.namesrvAddr, topic);
    consumers.push(c.consumer);
    const t0 = Date.now();
    await producer.send({ topic, body: Buffer.from('level-1'), delayTimeLevel: 1 });
    await producer.send({ topic, body: Buffer.from('at-time'), deliverTimeMs: t0 + 2000 });
    await producer.send({ topic, body: Buffer.from('now') });
    await waitFor('all three', () => c.messages.length >= 3, 30_000);
    const at = (b: string): number => c.messages.find((m) => m.body.toString() === b)!.storeTimestamp;
    const arrived = new Map<string, number>();
    for (const b of ['level-1', 'at-time', 'now']) arrived.set(b, at(b));
    assert.equal(c.bodies()[0], 'now', 'the undelayed one first');
    assert.ok(arrived.get('level-1')! - t0 >= 900, `level 1 stored for delivery after ~1 s (${arrived.get('level-1')! - t0} ms)`);
    // RocketMQ's timer wheel delivers within its 1 s precision, so only "held back for a while" is asserted.
    assert.ok(arrived.get('at-time')! - t0 >= 1000, `delivery time honoured (${arrived.get('at-time')! - t0} ms)`);
  });

  test('rebalance on NOTIFY_CONSUMER_IDS_CHANGED: a second consumer takes half the queues; when it leaves, the first takes them back', async () => {
    const topic = await target.topic('sdk-rebalance', { queueNums: 4 });
    const group = unique('g-rebalance');
    const got = new Set<string>();
    const make = (): PushConsumer => {
      // No periodic rebalance within the test: only the broker's notification can move queues.
      const c = consumer(group, { rebalanceIntervalMs: 600_000, pollNameServerIntervalMs: 600_000 });
      c.subscribe(topic, '*');
      c.registerMessageListenerConcurrently((msgs) => (msgs.forEach((m) => got.add(m.body.toString())), ConsumeConcurrentlyStatus.CONSUME_SUCCESS));
      return c;
    };
    const a = make();
    await a.start();
    await waitFor('a owns all 4 queues', () => a.assignedQueues().filter((q) => q.topic === topic).length === 4, 20_000);
    const b = make();
    await b.start();
    const mine = (c: PushConsumer): number => c.assignedQueues().filter((q) => q.topic === topic).length;
    await waitFor('2 and 2', () => mine(a) === 2 && mine(b) === 2, 20_000);
    const aq = new Set(a.assignedQueues().filter((q) => q.topic === topic).map((q) => q.queueId));
    assert.ok(b.assignedQueues().filter((q) => q.topic === topic).every((q) => !aq.has(q.queueId)), 'disjoint');
    for (let i = 0; i < 20; i++) await producer.send({ topic, body: Buffer.from(`r${i}`) });
    await waitFor('20 consumed by the two', () => got.size === 20, 30_000);
    await b.shutdown();
    await waitFor('a owns all 4 again', () => mine(a) === 4, 20_000);
    for (let i = 20; i < 30; i++) await producer.send({ topic, body: Buffer.from(`r${i}`) });
    await waitFor('the rest consumed by a', () => got.size === 30, 30_000);
  });
});
