/**
 * SDK LitePullConsumer: subscribe and poll, commit (manual and automatic) so a new consumer of the group resumes,
 * seek back within a queue, and assign without rebalance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConsumeFromWhere, LitePullConsumer, Producer, type MessageExt } from '../../src/client/index.js';
import { fastClient, fastConsumer, startTarget, unique, waitFor, type SdkTarget } from './support/target.js';

describe('sdk: LitePullConsumer', () => {
  let target: SdkTarget;
  let producer: Producer;
  const consumers: LitePullConsumer[] = [];

  before(async () => {
    target = await startTarget();
    producer = new Producer({ producerGroup: unique('pg-lite'), namesrvAddr: target.namesrvAddr, ...fastClient });
    await producer.start();
  });
  after(async () => {
    for (const c of consumers) await c.shutdown();
    await producer?.shutdown();
    await target?.close();
  });

  const make = (group: string, extra: Partial<ConstructorParameters<typeof LitePullConsumer>[0]> = {}): LitePullConsumer => {
    const c = new LitePullConsumer({ consumerGroup: group, namesrvAddr: target.namesrvAddr, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, ...fastConsumer, ...extra });
    consumers.push(c);
    return c;
  };

  const pollUntil = async (c: LitePullConsumer, n: number, into: MessageExt[] = []): Promise<MessageExt[]> => {
    await waitFor(`${n} polled`, async () => {
      into.push(...(await c.poll(300)));
      return into.length >= n || undefined;
    }, 30_000, 0);
    return into;
  };

  test('subscribe, poll, commit: a new consumer of the group resumes after the committed messages', async () => {
    const topic = await target.topic('sdk-lite');
    const group = unique('g-lite');
    for (let i = 0; i < 30; i++) await producer.send({ topic, body: Buffer.from(`l${i}`) });
    const c = make(group, { autoCommit: false, pullBatchSize: 8 });
    c.subscribe(topic, '*');
    await c.start();
    const firstPoll = await c.poll(5000);
    assert.ok(firstPoll.length > 0 && firstPoll.length <= 8, `a poll returns at most pullBatchSize (${firstPoll.length})`);
    const got = await pollUntil(c, 30, [...firstPoll]);
    assert.deepEqual(new Set(got.map((m) => m.body.toString())).size, 30);
    await c.commit();
    const committed = await Promise.all(c.assignment().map((q) => c.committed(q)));
    assert.equal(committed.reduce((a, b) => a + b, 0), 30, 'committed offsets cover the 30 messages');
    await c.shutdown();

    await producer.send({ topic, body: Buffer.from('l-next') });
    const d = make(group);
    d.subscribe(topic, '*');
    await d.start();
    const next = await pollUntil(d, 1);
    assert.deepEqual(next.map((m) => m.body.toString()), ['l-next']);
  });

  test('seek moves a queue back; assign takes queues without rebalance', async () => {
    const topic = await target.topic('sdk-lite-seek', { queueNums: 2 });
    const queues = await producer.fetchPublishMessageQueues(topic);
    const q0 = queues[0]!;
    for (let i = 0; i < 5; i++) await producer.send({ topic, body: Buffer.from(`s${i}`) }, { queue: q0 });
    const c = make(unique('g-seek'));
    c.assign([q0]);
    await c.start();
    const first = await pollUntil(c, 5);
    assert.deepEqual(first.map((m) => m.body.toString()), ['s0', 's1', 's2', 's3', 's4']);
    c.seek(q0, 2);
    const again = await pollUntil(c, 3);
    assert.deepEqual(again.map((m) => m.body.toString()), ['s2', 's3', 's4']);
    assert.deepEqual(c.assignment(), [q0]);
    await c.seekToBegin(q0);
    const fromStart = await pollUntil(c, 5);
    assert.equal(fromStart[0]?.body.toString(), 's0');
  });
});
