/** TAG and SQL92 filters of the official Node client's FilterExpression, each on its own consumer group. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startHarness, type Harness } from './support/harness.js';
import { FilterExpression, drainFor, officialProducer, officialSimpleConsumer, receiveUntil } from './support/official.js';

const TOPIC = 'FilterOrders';
const SQL = 2; // apache.rocketmq.v2.FilterType.SQL
const TAG = 1;

describe('official Node client: TAG and SQL filters', () => {
  let h: Harness;
  let producer: Producer;
  let byTag: SimpleConsumer;
  let bySql: SimpleConsumer;

  before(async () => {
    h = await startHarness({ server: { settings: { longPollingTimeoutMs: 500 } } });
    await h.broker.createTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 2 });
    producer = officialProducer(h.endpoint, TOPIC);
    await producer.startup();
    byTag = officialSimpleConsumer(h.endpoint, 'g-filter-tag', TOPIC, new FilterExpression('red||green', TAG as never), 500);
    bySql = officialSimpleConsumer(h.endpoint, 'g-filter-sql', TOPIC, new FilterExpression("amount > 15 AND region = 'eu'", SQL as never), 500);
    await byTag.startup();
    await bySql.startup();
  });
  after(async () => {
    await producer?.shutdown().catch(() => {});
    await byTag?.shutdown().catch(() => {});
    await bySql?.shutdown().catch(() => {});
    await h?.close();
  });

  test('each group gets exactly the messages its expression selects', async () => {
    const msgs: Array<[string, string, number, string]> = [
      ['m1', 'red', 10, 'eu'],
      ['m2', 'green', 20, 'eu'],
      ['m3', 'blue', 30, 'eu'],
      ['m4', 'red', 40, 'us'],
      ['m5', 'yellow', 5, 'eu'],
    ];
    for (const [body, tag, amount, region] of msgs) {
      await producer.send({ topic: TOPIC, body: Buffer.from(body), tag, properties: new Map([['amount', String(amount)], ['region', region]]) });
    }
    const tagged = await receiveUntil(byTag, 3, 8000);
    const sqled = await receiveUntil(bySql, 2, 8000);
    tagged.push(...(await drainFor(byTag, 800)));
    sqled.push(...(await drainFor(bySql, 800)));
    assert.deepEqual(tagged.map((m) => m.body.toString()).sort(), ['m1', 'm2', 'm4']);
    assert.deepEqual(sqled.map((m) => m.body.toString()).sort(), ['m2', 'm3']);
  });
});
