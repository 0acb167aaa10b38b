import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BrokerErrorCode, isBrokerError } from '../../src/broker/errors.js';
import type { CheckBackChannel } from '../../src/broker/transaction/check-channel.js';
import { CHECK_MAX_TIME_TOPIC } from '../../src/broker/transaction/constants.js';
import type { MessageView } from '../../src/broker/types.js';
import type { Clock } from '../../src/util/clock.js';
import { openBrokerFixture, type BrokerFixture } from './fixture.js';

class ManualClock implements Clock {
  t = Date.now();
  now(): number {
    return this.t;
  }
}

/** Records check-backs, as a live producer's Telemetry stream would receive them. */
class RecordingChannel implements CheckBackChannel {
  live = true;
  readonly checks: Array<{ group: string; message: MessageView; transactionId: string }> = [];
  sendCheck(group: string, message: MessageView, transactionId: string): boolean {
    if (!this.live) return false;
    this.checks.push({ group, message, transactionId });
    return true;
  }
}

const isCode = (c: string) => (e: unknown) => isBrokerError(e) && e.code === c;

describe('transactional messages', () => {
  let fx: BrokerFixture;
  const clock = new ManualClock();
  const channel = new RecordingChannel();
  before(async () => {
    fx = await openBrokerFixture(
      { clock, transaction: { checkImmunityMs: 1000, checkIntervalMs: 2000, maxChecks: 3, scanIntervalMs: 3_600_000 } },
      { clock },
    );
    fx.broker.setCheckBackChannel(channel);
    await fx.broker.createTopic({ name: 'Tx', messageType: 'TRANSACTION', queueNums: 2 });
  });
  after(async () => fx.close());

  const half = (body: string) => fx.broker.send({ topic: 'Tx', body: Buffer.from(body), messageType: 'TRANSACTION', tag: 'paid' });
  const receiveAll = async (group: string) => {
    const got = await fx.broker.receive({ group, topic: 'Tx', maxMessages: 64, invisibleDurationMs: 60_000, pollTimeoutMs: 0 });
    for (const m of got) await fx.broker.ack(group, 'Tx', m.receiptHandle);
    return got;
  };

  it('hides a half message until COMMIT; the committed copy carries __transactionId__', async () => {
    await receiveAll('gTx'); // the group starts here
    const r = await half('order-1 paid');
    assert.equal(r.transactionId, r.messageId);
    assert.equal((await receiveAll('gTx')).length, 0, 'a half message is invisible');
    await fx.broker.endTransaction({ transactionId: r.transactionId, topic: 'Tx', messageId: r.messageId, resolution: 'COMMIT', source: 'client' });
    const got = await receiveAll('gTx');
    assert.equal(got.length, 1);
    assert.equal(got[0]?.body.toString(), 'order-1 paid');
    assert.equal(got[0]?.properties.__transactionId__, r.transactionId);
    assert.equal(got[0]?.messageId, r.messageId);
    assert.equal(got[0]?.tag, 'paid');
  });

  it('never delivers a rolled-back message', async () => {
    const r = await half('order-2 failed');
    await fx.broker.endTransaction({ transactionId: r.transactionId, resolution: 'ROLLBACK', source: 'client' });
    clock.t += 10_000;
    await fx.broker.transactions.scanForChecks();
    assert.equal((await receiveAll('gTx')).length, 0);
    assert.ok(!channel.checks.some((c) => c.transactionId === r.transactionId), 'a finished transaction is never checked');
  });

  it('is idempotent per transaction id: repeats are OK and write nothing, the opposite is refused', async () => {
    const r = await half('order-3');
    const end = (resolution: 'COMMIT' | 'ROLLBACK') => fx.broker.endTransaction({ transactionId: r.transactionId, topic: 'Tx', resolution, source: 'client' });
    await end('COMMIT');
    const appends = fx.store.stats().appendCount;
    await end('COMMIT');
    assert.equal(fx.store.stats().appendCount, appends, 'a repeated COMMIT wrote something');
    await assert.rejects(end('ROLLBACK'), (e: unknown) => isCode(BrokerErrorCode.INVALID_TRANSACTION_ID)(e) && /already committed/.test((e as Error).message));
    assert.equal((await receiveAll('gTx')).length, 1, 'one copy only');
    // after a restart the outcome is still known (from the durable op record)
    await fx.restart();
    fx.broker.setCheckBackChannel(channel);
    await end('COMMIT');
    await assert.rejects(end('ROLLBACK'), isCode(BrokerErrorCode.INVALID_TRANSACTION_ID));
    assert.equal((await receiveAll('gTx')).length, 0);
  });

  it('refuses unknown, malformed, unspecified and wrong-topic ends and changes nothing', async () => {
    const r = await half('order-4');
    await assert.rejects(fx.broker.endTransaction({ transactionId: 'nope', resolution: 'COMMIT', source: 'client' }), isCode(BrokerErrorCode.INVALID_TRANSACTION_ID));
    await assert.rejects(fx.broker.endTransaction({ transactionId: '', resolution: 'COMMIT', source: 'client' }), isCode(BrokerErrorCode.INVALID_TRANSACTION_ID));
    await assert.rejects(fx.broker.endTransaction({ transactionId: r.transactionId, resolution: undefined, source: 'check' }), isCode(BrokerErrorCode.INVALID_TRANSACTION_ID));
    await assert.rejects(fx.broker.endTransaction({ transactionId: r.transactionId, topic: 'Other', resolution: 'COMMIT', source: 'client' }), isCode(BrokerErrorCode.INVALID_TRANSACTION_ID));
    assert.ok(fx.broker.listTransactions('Tx').some((p) => p.transactionId === r.transactionId), 'still pending');
    await fx.broker.endTransaction({ transactionId: r.transactionId, resolution: 'ROLLBACK', source: 'client' });
  });

  it('commits after a broker restart', async () => {
    const r = await half('order-5');
    await fx.restart();
    fx.broker.setCheckBackChannel(channel);
    await fx.broker.endTransaction({ transactionId: r.transactionId, topic: 'Tx', resolution: 'COMMIT', source: 'client' });
    const got = await receiveAll('gTx');
    assert.deepEqual(got.map((m) => m.body.toString()), ['order-5']);
  });

  it('checks back after the immunity, once per interval, not while no producer is live, and gives up after the max', async () => {
    const r = await half('order-6');
    channel.checks.length = 0;
    await fx.broker.transactions.scanForChecks();
    assert.equal(channel.checks.length, 0, 'younger than the immunity');
    clock.t += 1001;
    channel.live = false;
    await fx.broker.transactions.scanForChecks();
    assert.equal(fx.broker.listTransactions('Tx').find((p) => p.transactionId === r.transactionId)?.checks, 0, 'no live producer: not counted');
    channel.live = true;
    await fx.broker.transactions.scanForChecks();
    assert.equal(channel.checks.length, 1);
    assert.equal(channel.checks[0]?.transactionId, r.transactionId);
    assert.equal(channel.checks[0]?.message.topic, 'Tx');
    assert.equal(channel.checks[0]?.group, 'Tx', 'gRPC producers are grouped by topic');
    await fx.broker.transactions.scanForChecks();
    assert.equal(channel.checks.length, 1, 'not again within the interval');
    for (let i = 0; i < 3; i++) {
      clock.t += 2001;
      await fx.broker.transactions.scanForChecks();
    }
    assert.equal(channel.checks.length, 3, 'max 3 checks');
    const p = fx.broker.listTransactions('Tx').find((x) => x.transactionId === r.transactionId);
    assert.equal(p?.gaveUp, true);
    const parked = await fx.broker.pull(CHECK_MAX_TIME_TOPIC, 0, 0, 10);
    assert.ok(parked.messages.some((m) => m.messageId === r.messageId));
    assert.equal((await receiveAll('gTx')).length, 0, 'never on the real topic');
    // an operator can still resolve it
    await fx.broker.endTransaction({ transactionId: r.transactionId, resolution: 'ROLLBACK', source: 'operator' });
  });

  it('a check-back answer decides an UNKNOWN transaction, also after a restart keeps the durable check count', async () => {
    const r = await half('order-7');
    clock.t += 1001;
    channel.checks.length = 0;
    await fx.broker.transactions.scanForChecks();
    assert.equal(channel.checks.length, 1);
    await fx.restart();
    fx.broker.setCheckBackChannel(channel);
    assert.equal(fx.broker.listTransactions('Tx').find((p) => p.transactionId === r.transactionId)?.checks, 1);
    await fx.broker.endTransaction({ transactionId: r.transactionId, topic: 'Tx', messageId: r.messageId, resolution: 'COMMIT', source: 'check' });
    assert.deepEqual((await receiveAll('gTx')).map((m) => m.body.toString()), ['order-7']);
  });
});

describe('transactional messages in sync flush', () => {
  let fx: BrokerFixture;
  before(async () => {
    fx = await openBrokerFixture({}, { flushMode: 'sync' });
    await fx.broker.createTopic({ name: 'TxSync', messageType: 'TRANSACTION', queueNums: 1 });
  });
  after(async () => fx.close());

  it('a COMMIT writes the real copy and its op record with one fdatasync, the copy first', async () => {
    const r = await fx.broker.send({ topic: 'TxSync', body: Buffer.from('one flush'), messageType: 'TRANSACTION' });
    const before = fx.store.stats();
    await fx.broker.endTransaction({ transactionId: r.transactionId, topic: 'TxSync', resolution: 'COMMIT', source: 'client' });
    const after = fx.store.stats();
    assert.equal(after.appendCount - before.appendCount, 2, 'the real copy and the op record');
    assert.equal(after.fsyncCount - before.fsyncCount, 1, 'one fdatasync covers both');
    const [copy] = await fx.store.readQueue('TxSync', 0, 0, 1);
    const [op] = await fx.store.readQueue('RMQ_SYS_TRANS_OP_HALF_TOPIC', 0, 0, 1);
    assert.ok(copy && op && copy.commitLogOffset < op.commitLogOffset, 'the copy precedes its op record in the commit log');
  });
});
