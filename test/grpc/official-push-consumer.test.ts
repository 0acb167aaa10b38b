/**
 * PushConsumer of the official Node client: a listener's SUCCESS acks, FAILURE leads to redelivery with a
 * growing delivery attempt and, after the group's max attempts, to %DLQ%<group>.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConsumeResult, type MessageView, type Producer, type PushConsumer } from 'rocketmq-client-nodejs';
import { startHarness, waitFor, type Harness } from './support/harness.js';
import { officialProducer, officialPushConsumer } from './support/official.js';

const TOPIC = 'PushOrders';
const GROUP = 'g-push-orders';
const MAX_ATTEMPTS = 3;

describe('official Node client: PushConsumer success and failure', () => {
  let h: Harness;
  let producer: Producer;
  let consumer: PushConsumer;
  const seen: Array<{ body: string; attempt: number | undefined; id: string }> = [];

  before(async () => {
    h = await startHarness({ server: { settings: { longPollingTimeoutMs: 1000 } } });
    await h.broker.createTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 2 });
    await h.broker.createGroup({
      name: GROUP,
      maxDeliveryAttempts: MAX_ATTEMPTS,
      retryPolicy: { kind: 'exponential', initialMs: 200, maxMs: 400, multiplier: 2 },
    });
    producer = officialProducer(h.endpoint, TOPIC);
    await producer.startup();
    consumer = officialPushConsumer(h.endpoint, GROUP, TOPIC, {
      consume(m: MessageView) {
        const body = m.body.toString();
        seen.push({ body, attempt: m.deliveryAttempt, id: m.messageId });
        return body.startsWith('bad') ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
      },
    });
    await consumer.startup();
  });
  after(async () => {
    await consumer?.shutdown().catch(() => {});
    await producer?.shutdown().catch(() => {});
    await h?.close();
  });

  test('SUCCESS consumes each message once; FAILURE is retried up to max attempts, then dead-lettered', async () => {
    const good = ['ok-1', 'ok-2', 'ok-3'];
    const ids = new Map<string, string>();
    for (const body of [...good, 'bad-1']) {
      ids.set(body, (await producer.send({ topic: TOPIC, body: Buffer.from(body) })).messageId);
    }
    await waitFor(() => h.broker.describeGroup(GROUP).deadLettered === 1, 'the failing message in %DLQ%' + GROUP, 30_000);
    const dlq = h.broker.describeTopic('%DLQ%' + GROUP);
    assert.equal(dlq.queues.reduce((n, q) => n + q.maxOffset, 0), 1, 'exactly one message in the DLQ topic');

    // Give stray redeliveries a chance to show up before counting.
    const settled = seen.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(seen.length, settled, 'nothing is delivered after the dead-lettering');

    for (const body of good) {
      const got = seen.filter((s) => s.body === body);
      assert.equal(got.length, 1, `${body} consumed exactly once`);
      assert.equal(got[0]!.attempt, 1);
      assert.equal(got[0]!.id, ids.get(body));
    }
    const bad = seen.filter((s) => s.body === 'bad-1');
    assert.deepEqual(bad.map((s) => s.attempt), [1, 2, 3], 'one delivery per attempt, attempts counted up');
    assert.ok(bad.every((s) => s.id === ids.get('bad-1')), 'redeliveries keep the message id');
    const [dead] = await h.broker.getMessageById(ids.get('bad-1')!).then((ms) => ms.filter((m) => m.topic === '%DLQ%' + GROUP));
    assert.ok(dead, 'the DLQ copy is found by its message id');
    assert.equal(dead.body.toString(), 'bad-1');
  });
});
