/**
 * DELAY messages with the official Node client: each arrives at its delivery time (never before), and a
 * message recalled with the handle from its send receipt never arrives.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startHarness, type Harness } from './support/harness.js';
import { codeOf, drainFor, officialProducer, officialSimpleConsumer, receiveUntil } from './support/official.js';

const TOPIC = 'DelayOrders';
const GROUP = 'g-delay-orders';

describe('official Node client: DELAY and recall', () => {
  let h: Harness;
  let producer: Producer;
  let consumer: SimpleConsumer;

  before(async () => {
    h = await startHarness({ server: { settings: { longPollingTimeoutMs: 500 } } });
    await h.broker.createTopic({ name: TOPIC, messageType: 'DELAY', queueNums: 2 });
    producer = officialProducer(h.endpoint, TOPIC);
    await producer.startup();
    consumer = officialSimpleConsumer(h.endpoint, GROUP, TOPIC, '*', 500);
    await consumer.startup();
  });
  after(async () => {
    await producer?.shutdown().catch(() => {});
    await consumer?.shutdown().catch(() => {});
    await h?.close();
  });

  test('delayed messages arrive not before their time; a recalled one never arrives', async () => {
    const t0 = Date.now();
    const due = new Map<string, number>();
    for (const [body, ms] of [['in-1500', 1500], ['in-2500', 2500]] as const) {
      const at = t0 + ms;
      const r = await producer.send({ topic: TOPIC, body: Buffer.from(body), deliveryTimestamp: new Date(at) });
      due.set(r.messageId, at);
    }
    const recalledAt = t0 + 2000;
    const recalled = await producer.send({ topic: TOPIC, body: Buffer.from('recalled'), deliveryTimestamp: new Date(recalledAt) });
    assert.notEqual(recalled.recallHandle, '', 'a DELAY send returns a recall handle');
    const receipt = await producer.recallMessage(TOPIC, recalled.recallHandle);
    assert.ok(receipt, 'recall answered');

    const got: Array<{ id: string; body: string; at: number; deliveryTs: number | undefined }> = [];
    const end = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < end) {
      for (const m of await receiveUntil(consumer, 1, 1000)) {
        got.push({ id: m.messageId, body: m.body.toString(), at: Date.now(), deliveryTs: m.deliveryTimestamp?.getTime() });
      }
    }
    assert.deepEqual(got.map((g) => g.body), ['in-1500', 'in-2500']);
    for (const g of got) {
      const at = due.get(g.id)!;
      assert.equal(g.deliveryTs, at, 'delivery_timestamp carried on the message');
      assert.ok(g.at >= at, `${g.body} arrived ${at - g.at} ms early`);
    }
    // Past the recalled message's time (plus slack): it never shows up.
    const left = recalledAt + 1500 - Date.now();
    const extra = await drainFor(consumer, Math.max(left, 500));
    assert.deepEqual(extra.map((m) => m.body.toString()), []);
  });

  test('recall of an already recalled or unknown handle is refused', async () => {
    const r = await producer.send({ topic: TOPIC, body: Buffer.from('twice'), deliveryTimestamp: new Date(Date.now() + 5000) });
    await producer.recallMessage(TOPIC, r.recallHandle);
    // The client wraps the status in a plain Error whose message carries the code.
    await assert.rejects(producer.recallMessage(TOPIC, r.recallHandle), (err: Error) => {
      assert.equal(codeOf(err), 40400, err.message); // NOT_FOUND
      assert.match(err.message, /no pending delayed message/);
      return true;
    });
    await assert.rejects(producer.recallMessage(TOPIC, 'not-a-recall-handle'), (err: Error) => {
      assert.ok((codeOf(err) ?? 0) >= 40000 && (codeOf(err) ?? 0) < 50000, err.message);
      return true;
    });
  });
});
