/**
 * FIFO with the official Node client: a FIFO producer's messages reach a PushConsumer of a FIFO group in send
 * order per message group, even when one of them fails and is redelivered; each carries its message group and
 * the `__SHARDINGKEY` user property.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConsumeResult, type MessageView, type Producer, type PushConsumer } from 'rocketmq-client-nodejs';
import { startHarness, waitFor, type Harness } from './support/harness.js';
import { officialProducer, officialPushConsumer } from './support/official.js';

const TOPIC = 'FifoOrders';
const GROUP = 'g-fifo-orders';
const GROUPS = ['customer-a', 'customer-b', 'customer-c'];
const PER_GROUP = 5;

interface Seen {
  group: string | undefined;
  seq: number;
  attempt: number | undefined;
  shardingKey: string | undefined;
  failed: boolean;
}

describe('official Node client: FIFO through the PushConsumer', () => {
  let h: Harness;
  let producer: Producer;
  let consumer: PushConsumer;
  const seen: Seen[] = [];
  let failedOnce = false;

  before(async () => {
    h = await startHarness({ server: { settings: { longPollingTimeoutMs: 1000 } } });
    await h.broker.createTopic({ name: TOPIC, messageType: 'FIFO', queueNums: 4 });
    await h.broker.createGroup({
      name: GROUP,
      fifo: true,
      maxDeliveryAttempts: 5,
      retryPolicy: { kind: 'exponential', initialMs: 100, maxMs: 200, multiplier: 2 },
    });
    producer = officialProducer(h.endpoint, TOPIC);
    await producer.startup();
    consumer = officialPushConsumer(h.endpoint, GROUP, TOPIC, {
      consume(m: MessageView) {
        const [group, seq] = m.body.toString().split('#');
        // The first delivery of customer-a's message 1 fails: its successors must wait for its redelivery.
        const fail = group === 'customer-a' && seq === '1' && !failedOnce;
        if (fail) failedOnce = true;
        seen.push({ group: m.messageGroup, seq: Number(seq), attempt: m.deliveryAttempt, shardingKey: m.properties.get('__SHARDINGKEY'), failed: fail });
        return fail ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
      },
    });
    await consumer.startup();
  });
  after(async () => {
    await consumer?.shutdown().catch(() => {});
    await producer?.shutdown().catch(() => {});
    await h?.close();
  });

  test('order holds per message group, across a failed delivery', async () => {
    for (let seq = 0; seq < PER_GROUP; seq++) {
      for (const g of GROUPS) {
        const r = await producer.send({ topic: TOPIC, body: Buffer.from(`${g}#${seq}`), messageGroup: g });
        assert.equal(r.transactionId, r.messageId);
      }
    }
    const done = (): boolean => GROUPS.every((g) => seen.filter((s) => s.group === g && !s.failed).length >= PER_GROUP);
    await waitFor(done, 'every FIFO message consumed', 30_000);
    await new Promise((r) => setTimeout(r, 500)); // let a wrong extra delivery show up

    for (const g of GROUPS) {
      const ofGroup = seen.filter((s) => s.group === g);
      assert.ok(ofGroup.every((s) => s.shardingKey === g), `${g}: __SHARDINGKEY is the message group`);
      const expected = g === 'customer-a' ? [0, 1, 1, 2, 3, 4] : [0, 1, 2, 3, 4];
      assert.deepEqual(ofGroup.map((s) => s.seq), expected, `${g}: delivered in send order, the failed one redelivered before the next`);
    }
    const redelivered = seen.filter((s) => s.group === 'customer-a' && s.seq === 1);
    assert.deepEqual(redelivered.map((s) => s.failed), [true, false]);
    assert.ok((redelivered[1]!.attempt ?? 0) >= 2, `redelivery counts as a new attempt (got ${redelivered[1]!.attempt})`);
  });
});
