/**
 * SDK TransactionProducer against a real broker: the textbook program (UNKNOW from execute, COMMIT from the
 * check-back, delivered once), immediate COMMIT / ROLLBACK, UNKNOW → check → ROLLBACK, a throwing listener
 * counted as UNKNOW, check-backs only to the producer group that sent the half message, and a full check pool
 * that answers nothing, logs, and is asked again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LocalTransactionState, Producer, TransactionProducer, type MessageExt, type TransactionListener, type TransactionMessage } from '../../src/client/index.js';
import { collect, type Collector } from './support/collector.js';
import { captureLogger } from './support/log-capture.js';
import { fastClient, startTarget, unique, waitFor, type SdkTarget } from './support/target.js';

const CHECK_WAIT_MS = 60_000; // the reference checks every 5 s after a 3 s timeout; Apogee here after 0.5 s

describe('sdk: TransactionProducer', () => {
  let target: SdkTarget;
  let topic: string;
  let collector: Collector;
  let plain: Producer;
  const producers: Producer[] = [];

  before(async () => {
    target = await startTarget();
    topic = await target.topic('sdk-tx', { messageType: 'TRANSACTION' });
    collector = await collect(target.namesrvAddr, topic);
    plain = new Producer({ producerGroup: unique('pg-plain'), namesrvAddr: target.namesrvAddr, ...fastClient });
    await plain.start();
  });
  after(async () => {
    for (const p of producers) await p.shutdown();
    await plain?.shutdown();
    await collector?.consumer.shutdown();
    await target?.close();
  });

  const start = async (listener: TransactionListener, extra: Partial<ConstructorParameters<typeof TransactionProducer>[0]> = {}): Promise<TransactionProducer> => {
    const p = new TransactionProducer({ producerGroup: unique('pg-tx'), namesrvAddr: target.namesrvAddr, listener, ...fastClient, ...extra });
    producers.push(p);
    await p.start();
    return p;
  };

  /** A plain message on every queue; once all arrived, whatever was stored before them was delivered too. */
  const barrier = async (): Promise<void> => {
    const tag = unique('barrier');
    const queues = await plain.fetchPublishMessageQueues(topic);
    for (const q of queues) await plain.send({ topic, body: Buffer.from(tag) }, { queue: q });
    await waitFor('barrier messages', () => collector.count(tag) === queues.length, 20_000);
  };

  test('the textbook program: UNKNOW from execute, COMMIT from the check-back, consumed once', async () => {
    const executed: TransactionMessage[] = [];
    const checked: MessageExt[] = [];
    const producer = await start(
      {
        async executeLocalTransaction(message) {
          executed.push(message);
          return LocalTransactionState.UNKNOW;
        },
        async checkLocalTransaction(messageExt) {
          checked.push(messageExt);
          return LocalTransactionState.COMMIT_MESSAGE;
        },
      },
      { checkConcurrency: 5, checkQueueSize: 2000 },
    );
    const r = await producer.sendMessageInTransaction({ topic, body: Buffer.from('hello world'), tags: 'tx', keys: 'order-1' }, null);
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(r.localTransactionState, 'UNKNOW');
    assert.match(r.transactionId, /\S/);
    assert.match(r.msgId, /^[0-9A-F]{32}$/);
    assert.equal(r.queue.topic, topic);
    // The half queue's offset (RocketMQ's tranStateTableOffset), on Apogee as on RocketMQ.
    assert.ok(Number.isInteger(r.queueOffset) && r.queueOffset >= 0, `queueOffset ${r.queueOffset}: the half queue offset, as RocketMQ answers`);
    assert.equal(executed.length, 1);
    assert.equal(executed[0]?.transactionId, r.transactionId);
    assert.equal(executed[0]?.msgId, r.msgId);
    assert.equal(executed[0]?.producerGroup, producer.producerGroup);
    assert.equal(collector.count('hello world'), 0, 'invisible before the commit');
    await waitFor('delivery after the check-back', () => collector.count('hello world') >= 1, CHECK_WAIT_MS);
    const check = checked.find((m) => m.transactionId === r.transactionId);
    assert.ok(check, 'the check-back carried the transaction id');
    assert.equal(check.topic, topic, 'the half message with its real topic');
    assert.equal(check.body.toString(), 'hello world');
    assert.equal(check.producerGroup, producer.producerGroup);
    assert.equal(check.msgId, r.msgId);
    const delivered = collector.messages.find((m) => m.body.toString() === 'hello world')!;
    assert.equal(delivered.msgId, r.msgId);
    assert.equal(delivered.tags, 'tx');
    await barrier();
    assert.equal(collector.count('hello world'), 1, 'consumed once');
  });

  test('COMMIT at once is delivered without a check-back; ROLLBACK is never delivered', async () => {
    const checks: string[] = [];
    const producer = await start({
      executeLocalTransaction: (_m, arg) => (arg === 'commit' ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.ROLLBACK_MESSAGE),
      checkLocalTransaction: (m) => {
        checks.push(m.transactionId ?? '');
        return LocalTransactionState.UNKNOW;
      },
    });
    const c = await producer.sendMessageInTransaction({ topic, body: Buffer.from('tx-commit') }, 'commit');
    const r = await producer.sendMessageInTransaction({ topic, body: Buffer.from('tx-rollback') }, 'rollback');
    assert.equal(c.localTransactionState, 'COMMIT_MESSAGE');
    assert.equal(r.localTransactionState, 'ROLLBACK_MESSAGE');
    await waitFor('committed delivery', () => collector.count('tx-commit') >= 1);
    assert.equal(collector.count('tx-commit'), 1);
    await barrier();
    assert.equal(collector.count('tx-rollback'), 0);
    assert.ok(!checks.includes(c.transactionId) && !checks.includes(r.transactionId), 'no check-back for ended transactions');
  });

  test('UNKNOW then ROLLBACK from the check-back is never delivered; a listener that throws counts as UNKNOW', async () => {
    const checked = new Map<string, number>();
    const producer = await start({
      executeLocalTransaction(_m, arg) {
        if (arg === 'throw') throw new Error('database down');
        return LocalTransactionState.UNKNOW;
      },
      checkLocalTransaction(m) {
        checked.set(m.body.toString(), (checked.get(m.body.toString()) ?? 0) + 1);
        return m.body.toString() === 'tx-check-rollback' ? LocalTransactionState.ROLLBACK_MESSAGE : LocalTransactionState.COMMIT_MESSAGE;
      },
    });
    const rb = await producer.sendMessageInTransaction({ topic, body: Buffer.from('tx-check-rollback') }, null);
    const th = await producer.sendMessageInTransaction({ topic, body: Buffer.from('tx-threw') }, 'throw');
    assert.equal(rb.localTransactionState, 'UNKNOW');
    assert.equal(th.localTransactionState, 'UNKNOW', 'a throwing listener counts as UNKNOW');
    await waitFor('checks of both', () => (checked.get('tx-check-rollback') ?? 0) >= 1 && (checked.get('tx-threw') ?? 0) >= 1, CHECK_WAIT_MS);
    await waitFor('delivery of the one the check committed', () => collector.count('tx-threw') >= 1, CHECK_WAIT_MS);
    await barrier();
    assert.equal(collector.count('tx-check-rollback'), 0);
  });

  test('a local transaction that outlives transactionTimeoutMs counts as UNKNOW; the check-back settles it', async () => {
    const producer = await start(
      {
        executeLocalTransaction: () => new Promise<LocalTransactionState>(() => undefined),
        checkLocalTransaction: () => LocalTransactionState.COMMIT_MESSAGE,
      },
      { transactionTimeoutMs: 200 },
    );
    const t0 = Date.now();
    const r = await producer.sendMessageInTransaction({ topic, body: Buffer.from('tx-slow-local') }, null);
    assert.equal(r.localTransactionState, 'UNKNOW');
    assert.ok(Date.now() - t0 < 5000, 'did not wait for the listener beyond its timeout');
    await waitFor('delivery after the check-back', () => collector.count('tx-slow-local') >= 1, CHECK_WAIT_MS);
  });

  test('two producer groups on one topic: check-backs reach only the group that sent the half message', async () => {
    const checksA: string[] = [];
    const checksB: string[] = [];
    const a = await start({ executeLocalTransaction: () => LocalTransactionState.UNKNOW, checkLocalTransaction: (m) => (checksA.push(m.transactionId ?? ''), LocalTransactionState.COMMIT_MESSAGE) });
    const b = await start({ executeLocalTransaction: () => LocalTransactionState.UNKNOW, checkLocalTransaction: (m) => (checksB.push(m.transactionId ?? ''), LocalTransactionState.COMMIT_MESSAGE) });
    const ra = await a.sendMessageInTransaction({ topic, body: Buffer.from('tx-group-a') }, null);
    const rb = await b.sendMessageInTransaction({ topic, body: Buffer.from('tx-group-b') }, null);
    await waitFor('both delivered after their own check-backs', () => collector.count('tx-group-a') >= 1 && collector.count('tx-group-b') >= 1, CHECK_WAIT_MS);
    assert.ok(checksA.includes(ra.transactionId));
    assert.ok(checksB.includes(rb.transactionId));
    assert.ok(!checksA.includes(rb.transactionId), 'group A never asked about B');
    assert.ok(!checksB.includes(ra.transactionId), 'group B never asked about A');
  });

  test('a check-back that finds the pool full answers nothing, is logged, and is asked again', async () => {
    const { logger, lines } = captureLogger();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const firstChecks: string[] = [];
    const producer = await start(
      {
        executeLocalTransaction: () => LocalTransactionState.UNKNOW,
        async checkLocalTransaction(m) {
          firstChecks.push(m.body.toString());
          if (m.body.toString() === 'tx-slow') await gate;
          return LocalTransactionState.COMMIT_MESSAGE;
        },
      },
      { checkConcurrency: 1, checkQueueSize: 0, logger },
    );
    await producer.sendMessageInTransaction({ topic, body: Buffer.from('tx-slow') }, null);
    await waitFor('the slow check running', () => firstChecks.includes('tx-slow'), CHECK_WAIT_MS);
    await producer.sendMessageInTransaction({ topic, body: Buffer.from('tx-queued') }, null);
    await waitFor('a dropped check-back logged', () => lines.some((l) => l.includes('check-back pool full')), CHECK_WAIT_MS);
    assert.equal(collector.count('tx-queued'), 0, 'dropped: not answered');
    release();
    await waitFor('both delivered once the pool has room', () => collector.count('tx-slow') >= 1 && collector.count('tx-queued') >= 1, CHECK_WAIT_MS);
  });
});
