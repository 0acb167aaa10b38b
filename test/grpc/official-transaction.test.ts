/**
 * Transactional messages with the official Node client (rocketmq-client-nodejs, unchanged) against the real
 * broker: commit, rollback, and an unresolved transaction decided by the producer's checker via a check-back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { quietLogger, startHarness, waitFor, type Harness } from './support/harness.js';

const COMMIT = 1; // apache.rocketmq.v2.TransactionResolution
const ROLLBACK = 2;

describe('official Node client: transactional messages', () => {
  let h: Harness;
  let producer: Producer;
  let consumer: SimpleConsumer;
  const checked: string[] = [];
  const decisions = new Map<string, number>();

  before(async () => {
    h = await startHarness({
      broker: { transaction: { checkImmunityMs: 300, checkIntervalMs: 1000, maxChecks: 5, scanIntervalMs: 100 } },
      server: { settings: { longPollingTimeoutMs: 1000 } },
    });
    await h.broker.createTopic({ name: 'TxOrders', messageType: 'TRANSACTION', queueNums: 2 });
    producer = new Producer({
      endpoints: h.endpoint,
      namespace: '',
      logger: quietLogger,
      topic: 'TxOrders',
      checker: {
        async check(m: MessageView) {
          checked.push(m.body.toString());
          return (decisions.get(m.body.toString()) ?? 0) as never;
        },
      },
    } as ConstructorParameters<typeof Producer>[0]);
    await producer.startup();
    consumer = new SimpleConsumer({
      endpoints: h.endpoint,
      namespace: '',
      logger: quietLogger,
      consumerGroup: 'g-tx-orders',
      subscriptions: new Map([['TxOrders', '*']]),
      awaitDuration: 1000,
    });
    await consumer.startup();
  });
  after(async () => {
    await producer?.shutdown().catch(() => {});
    await consumer?.shutdown().catch(() => {});
    await h?.close();
  });

  const drain = async (ms: number): Promise<MessageView[]> => {
    const out: MessageView[] = [];
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const got = await consumer.receive(16, 10_000);
      for (const m of got) {
        out.push(m);
        await consumer.ack(m);
      }
    }
    return out;
  };

  test('COMMIT delivers the message with __transactionId__; ROLLBACK never delivers it', async () => {
    const tx1 = producer.beginTransaction();
    const r1 = await producer.send({ topic: 'TxOrders', body: Buffer.from('order-1 paid'), tag: 'paid' }, tx1);
    assert.equal((await drain(1200)).length, 0, 'a half message is invisible');
    await tx1.commit();
    // It may have been checked while unresolved (older than the 300 ms immunity); after the commit, never again.
    const checksAtCommit = checked.filter((b) => b === 'order-1 paid').length;
    const tx2 = producer.beginTransaction();
    await producer.send({ topic: 'TxOrders', body: Buffer.from('order-2 failed') }, tx2);
    await tx2.rollback();
    const got = await drain(2500);
    assert.deepEqual(got.map((m) => m.body.toString()), ['order-1 paid']);
    assert.equal(got[0]!.messageId, r1.messageId);
    assert.equal(got[0]!.properties.get('__transactionId__'), r1.transactionId);
    assert.ok(!checked.includes('order-2 failed'), 'a rolled-back transaction is never checked');
    assert.equal(checked.filter((b) => b === 'order-1 paid').length, checksAtCommit, 'a committed transaction is never checked again');
  });

  test('an unresolved transaction is checked back and the checker decides', async () => {
    decisions.set('order-3 unknown→commit', COMMIT);
    decisions.set('order-4 unknown→rollback', ROLLBACK);
    await producer.send({ topic: 'TxOrders', body: Buffer.from('order-3 unknown→commit') }, producer.beginTransaction());
    await producer.send({ topic: 'TxOrders', body: Buffer.from('order-4 unknown→rollback') }, producer.beginTransaction());
    await waitFor(() => checked.includes('order-3 unknown→commit') && checked.includes('order-4 unknown→rollback'), 'check-backs', 10_000);
    const got = await drain(2500);
    assert.deepEqual(got.map((m) => m.body.toString()), ['order-3 unknown→commit']);
    await waitFor(() => h.broker.listTransactions('TxOrders').length === 0, 'no pending transaction', 5000);
  });
});
