/**
 * NORMAL messages with the official Node client: Producer send → SimpleConsumer receive, ack and
 * changeInvisibleDuration (the old receipt handle is refused afterwards); the delivered message carries the
 * system properties the spec lists (checked on the wire with a raw receive).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { Code, DigestType, FilterType, MessageType } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { MessagingServiceClient } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { msToDuration } from '../../src/protocol/grpc/wire.js';
import { call, rawClient, startHarness, type Harness } from './support/harness.js';
import { drainFor, officialProducer, officialSimpleConsumer, rawReceive, receiveUntil } from './support/official.js';

const TOPIC = 'SimpleOrders';
const GROUP = 'g-simple-orders';
const res = (name: string) => ({ resourceNamespace: '', name });

describe('official Node client: NORMAL send, SimpleConsumer', () => {
  let h: Harness;
  let producer: Producer;
  let consumer: SimpleConsumer;
  let raw: MessagingServiceClient;

  before(async () => {
    h = await startHarness({ server: { settings: { longPollingTimeoutMs: 1000 } } });
    await h.broker.createTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 2 });
    producer = officialProducer(h.endpoint, TOPIC);
    await producer.startup();
    consumer = officialSimpleConsumer(h.endpoint, GROUP, TOPIC);
    await consumer.startup();
    raw = rawClient(h.endpoint);
  });
  after(async () => {
    raw?.close();
    await producer?.shutdown().catch(() => {});
    await consumer?.shutdown().catch(() => {});
    await h?.close();
  });

  test('send → receive → ack: fields round-trip, transactionId equals messageId, acked means gone', async () => {
    const receipt = await producer.send({
      topic: TOPIC,
      body: Buffer.from('order-1'),
      tag: 'created',
      keys: ['order-1', 'customer-7'],
      properties: new Map([['region', 'eu']]),
    });
    assert.match(receipt.messageId, /^[0-9A-F]{32,}$/, 'RocketMQ-style hex message id');
    assert.equal(receipt.transactionId, receipt.messageId, 'RocketMQ fills transactionId with the message id');

    const [m, ...more] = await receiveUntil(consumer, 1, 8000, { ack: false });
    assert.ok(m, 'message received');
    assert.equal(more.length, 0);
    assert.equal(m.messageId, receipt.messageId);
    assert.equal(m.body.toString(), 'order-1');
    assert.equal(m.tag, 'created');
    assert.deepEqual(m.keys, ['order-1', 'customer-7']);
    assert.equal(m.properties.get('region'), 'eu');
    assert.equal(m.deliveryAttempt, 1);
    assert.notEqual(m.corrupted, true, 'body digest verified by the client');
    assert.ok(m.bornTimestamp && Math.abs(m.bornTimestamp.getTime() - Date.now()) < 60_000);
    await consumer.ack(m);
    assert.equal((await drainFor(consumer, 1200)).length, 0, 'an acked message is not delivered again');
  });

  test('changeInvisibleDuration: redelivered after the new duration; the old handle is refused', async () => {
    const receipt = await producer.send({ topic: TOPIC, body: Buffer.from('order-2') });
    const [m] = await receiveUntil(consumer, 1, 8000, { ack: false, invisibleMs: 60_000 });
    assert.ok(m);
    assert.equal(m.messageId, receipt.messageId);
    const oldHandle = m.receiptHandle;
    const changedAt = Date.now();
    await consumer.changeInvisibleDuration(m, 800);

    // The handle from before the change is dead: an ack with it is refused and changes nothing.
    const stale = await call(raw.ackMessage, raw, {
      group: res(GROUP),
      topic: res(TOPIC),
      entries: [{ messageId: m.messageId, receiptHandle: oldHandle }],
    });
    assert.equal(stale.status?.code, Code.INVALID_RECEIPT_HANDLE, JSON.stringify(stale.status));

    // Visible again after ~800 ms (not after the original 60 s), as a second delivery attempt.
    const [again] = await receiveUntil(consumer, 1, 8000, { ack: false });
    assert.ok(again, 'redelivered after the changed invisible duration');
    assert.ok(Date.now() - changedAt >= 700, `redelivered ${Date.now() - changedAt} ms after the change`);
    assert.equal(again.messageId, receipt.messageId);
    assert.equal(again.deliveryAttempt, 2);
    await consumer.ack(again);
    assert.equal((await drainFor(consumer, 1200)).length, 0);
  });

  test('a delivered message carries the spec system properties (raw receive)', async () => {
    const body = Buffer.from('order-3 with a digest');
    const receipt = await producer.send({ topic: TOPIC, body, tag: 'digest', keys: ['k3'] });
    const got = await rawReceive(raw, {
      group: res('g-simple-raw'),
      messageQueue: { topic: res(TOPIC), id: 0, permission: 0, broker: undefined, acceptMessageTypes: [] },
      filterExpression: { type: FilterType.TAG, expression: 'digest' },
      batchSize: 8,
      invisibleDuration: msToDuration(30_000),
      autoRenew: false,
      longPollingTimeout: msToDuration(1000),
    });
    assert.equal(got.status?.code, Code.OK, JSON.stringify(got.status));
    assert.ok(got.deliveryTimestamp, 'delivery_timestamp frame');
    const m = got.messages.find((x) => x.systemProperties?.messageId === receipt.messageId);
    assert.ok(m, 'the sent message is delivered');
    const sp = m.systemProperties!;
    assert.deepEqual(sp.bodyDigest, { type: DigestType.MD5, checksum: createHash('md5').update(body).digest('hex').toUpperCase() });
    assert.equal(sp.tag, 'digest');
    assert.deepEqual(sp.keys, ['k3']);
    assert.equal(sp.messageType, MessageType.NORMAL);
    assert.ok(sp.bornTimestamp && sp.storeTimestamp, 'born and store timestamps');
    assert.notEqual(sp.bornHost, '');
    assert.notEqual(sp.storeHost, '');
    assert.ok(sp.receiptHandle && sp.receiptHandle.length > 0, 'receipt handle');
    assert.equal(sp.deliveryAttempt, 1);
    assert.equal(typeof sp.queueOffset, 'number');
    assert.ok(sp.queueId >= 0 && sp.queueId < 2);
    assert.ok(sp.invisibleDuration, 'invisible duration');
  });
});
