/**
 * Ending transactions with the official Node client against a spawned `apogee start`: a duplicate COMMIT stores
 * one copy (RocketMQ #5574), the opposite outcome is refused either way round (#8158), bad ends change nothing,
 * and after the broker is SIGKILLed and restarted a pending transaction still commits (#9431) while the recorded
 * outcomes still hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { Code } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { killSpawnedBrokers, removeTempDirs, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';
import {
  admin,
  drain,
  killAndRestart,
  rawEndTransaction,
  startConsumer,
  startTxProducer,
  TransactionResolution,
  tolerateClientTelemetryCrash,
  whileUnreachable,
} from './support/tx-support.js';

// No check-back during the test: the producer's own ends are what is tested.
const ARGS = ['--flush', 'sync', '--transaction-check-immunity-ms', '600000', '--set', 'transaction.scanIntervalMs=100'];
const TOPIC = 'TxEnd';

describe('official Node client: ending transactions (spawned broker)', () => {
  let broker: SpawnedBroker;
  let producer: Producer | undefined;
  const consumers: SimpleConsumer[] = [];
  const endpoint = (): string => `${broker.grpc.host}:${broker.grpc.port}`;
  const raw = (req: { messageId: string; transactionId: string }, resolution: TransactionResolution, topic = TOPIC) =>
    rawEndTransaction(endpoint(), { topic, resolution, ...req });

  // This file SIGKILLs the broker under live official clients (see tolerateClientTelemetryCrash).
  const tolerance = tolerateClientTelemetryCrash();

  before(async () => {
    broker = await spawnBroker({ args: ARGS });
    await admin(broker, 'POST', '/api/topics', { name: TOPIC, messageType: 'TRANSACTION', queueNums: 2 });
    await admin(broker, 'POST', '/api/topics', { name: 'TxOther', messageType: 'TRANSACTION', queueNums: 1 });
    await admin(broker, 'POST', '/api/groups', { name: 'g-end', consumeFromWhere: 'earliest' });
    producer = await startTxProducer(endpoint(), TOPIC, () => 0);
  });
  after(async () => {
    await producer?.shutdown().catch(() => {});
    for (const c of consumers) await c.shutdown().catch(() => {});
    await killSpawnedBrokers();
    await removeTempDirs();
    tolerance.restore();
  });

  let committed: { messageId: string; transactionId: string };
  let rolledBack: { messageId: string; transactionId: string };

  test('a duplicate COMMIT stores one copy; ROLLBACK after COMMIT and COMMIT after ROLLBACK are refused; bad ends change nothing', async () => {
    const tx1 = producer!.beginTransaction();
    committed = await producer!.send({ topic: TOPIC, body: Buffer.from('order 1 paid') }, tx1);
    await tx1.commit();
    await tx1.commit(); // the client's own repeat: OK
    assert.deepEqual(await raw(committed, TransactionResolution.COMMIT), { code: Code.OK, message: 'OK' }, 'a third COMMIT answers OK');

    const refused = await raw(committed, TransactionResolution.ROLLBACK);
    assert.equal(refused.code, Code.INVALID_TRANSACTION_ID);
    assert.match(refused.message, new RegExp(`transaction ${committed.transactionId} was already committed; ROLLBACK refused`));
    await assert.rejects(tx1.rollback(), /already committed/, 'the official client sees the refusal too');

    const tx2 = producer!.beginTransaction();
    rolledBack = await producer!.send({ topic: TOPIC, body: Buffer.from('order 2 cancelled') }, tx2);
    await tx2.rollback();
    await tx2.rollback();
    const late = await raw(rolledBack, TransactionResolution.COMMIT);
    assert.equal(late.code, Code.INVALID_TRANSACTION_ID);
    assert.match(late.message, /was already rolled back; COMMIT refused/);

    // Bad ends of a pending transaction: refused, and it still commits afterwards.
    const tx3 = producer!.beginTransaction();
    const pending = await producer!.send({ topic: TOPIC, body: Buffer.from('order 3 paid') }, tx3);
    const unknown = await raw({ messageId: pending.messageId, transactionId: 'no-such-transaction' }, TransactionResolution.COMMIT);
    assert.equal(unknown.code, Code.INVALID_TRANSACTION_ID);
    assert.match(unknown.message, /unknown transaction id 'no-such-transaction'/);
    const wrongTopic = await raw(pending, TransactionResolution.COMMIT, 'TxOther');
    assert.equal(wrongTopic.code, Code.INVALID_TRANSACTION_ID);
    assert.match(wrongTopic.message, new RegExp(`belongs to topic '${TOPIC}', not 'TxOther'`));
    const malformed = await raw({ messageId: pending.messageId, transactionId: 'bad id\n' }, TransactionResolution.COMMIT);
    assert.equal(malformed.code, Code.INVALID_TRANSACTION_ID);
    assert.match(malformed.message, /malformed/);
    const wrongMessage = await raw({ messageId: committed.messageId, transactionId: pending.transactionId }, TransactionResolution.COMMIT);
    assert.notEqual(wrongMessage.code, Code.OK);
    assert.match(wrongMessage.message, /is for message/);
    const stillPending = await admin<{ transactions: Array<{ transactionId: string }> }>(broker, 'GET', `/api/transactions?topic=${TOPIC}`);
    assert.deepEqual(stillPending.transactions.map((t) => t.transactionId), [pending.transactionId]);
    await tx3.commit();

    const consumer = await startConsumer(endpoint(), 'g-end', TOPIC);
    consumers.push(consumer);
    const got = await drain(consumer, 1500);
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['order 1 paid', 'order 3 paid'], 'one copy of each committed message, none of the rolled-back one');
  });

  test('after a SIGKILL and restart: a pending transaction commits, and the recorded outcomes still hold', async () => {
    const tx4 = producer!.beginTransaction();
    const pending = await producer!.send({ topic: TOPIC, body: Buffer.from('order 4 paid') }, tx4);
    broker = await killAndRestart(broker, ARGS);

    // The same Transaction object, on the reconnected client.
    await whileUnreachable(() => tx4.commit());
    assert.deepEqual(await raw(pending, TransactionResolution.COMMIT), { code: Code.OK, message: 'OK' });
    assert.equal((await raw(committed, TransactionResolution.ROLLBACK)).code, Code.INVALID_TRANSACTION_ID, 'the commit before the crash still holds');
    assert.deepEqual(await raw(committed, TransactionResolution.COMMIT), { code: Code.OK, message: 'OK' });
    assert.equal((await raw(rolledBack, TransactionResolution.COMMIT)).code, Code.INVALID_TRANSACTION_ID, 'the rollback before the crash still holds');

    await admin(broker, 'POST', '/api/groups', { name: 'g-end-after-restart', consumeFromWhere: 'earliest' });
    const fresh = await startConsumer(endpoint(), 'g-end-after-restart', TOPIC);
    consumers.push(fresh);
    const got = await drain(fresh, 1500);
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['order 1 paid', 'order 3 paid', 'order 4 paid'], 'the topic holds each committed message once');
    assert.equal(got.find((m) => m.body.toString() === 'order 4 paid')?.properties.get('__transactionId__'), pending.transactionId);
  });
});
