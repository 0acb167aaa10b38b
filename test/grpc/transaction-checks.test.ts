/**
 * Check-backs with the official Node client: a checker that never decides (always UNKNOWN, or never answers) runs
 * out of checks and the half message lands in TRANS_CHECK_MAX_TIME_TOPIC, never on its topic; with no live
 * producer a check is skipped without using an attempt; an UNSPECIFIED answer is not a decision.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessageView, Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { Code } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { CHECK_MAX_TIME_TOPIC } from '../../src/broker/transaction/constants.js';
import { startHarness, waitFor, type Harness } from './support/harness.js';
import { COMMIT, drain, rawEndTransaction, startConsumer, startTxProducer, TransactionResolution, TransactionSource } from './support/tx-support.js';

const MAX_CHECKS = 3;
const INTERVAL_MS = 300;

describe('official Node client: check-backs', () => {
  let h: Harness;
  const clients: Array<Producer | SimpleConsumer> = [];
  const keep = <T extends Producer | SimpleConsumer>(c: T): T => (clients.push(c), c);

  before(async () => {
    h = await startHarness({
      broker: { transaction: { checkImmunityMs: 200, checkIntervalMs: INTERVAL_MS, maxChecks: MAX_CHECKS, scanIntervalMs: 50 } },
      server: { settings: { longPollingTimeoutMs: 500 } },
    });
    for (const t of ['TxUndecided', 'TxOrphan', 'TxUnspecified']) await h.broker.createTopic({ name: t, messageType: 'TRANSACTION', queueNums: 2 });
  });
  after(async () => {
    for (const c of clients) await c.shutdown().catch(() => {});
    await h?.close();
  });

  test('a checker that never decides: after the max checks the half message is in TRANS_CHECK_MAX_TIME_TOPIC, never on its topic', async () => {
    const calls = new Map<string, number>();
    const producer = keep(
      await startTxProducer(h.endpoint, 'TxUndecided', (m: MessageView) => {
        const body = m.body.toString();
        calls.set(body, (calls.get(body) ?? 0) + 1);
        // "unknown": the client sends no EndTransaction for 0; "silent": the checker never returns.
        return body === 'unknown' ? 0 : new Promise<never>(() => {});
      }),
    );
    const consumer = keep(await startConsumer(h.endpoint, 'g-undecided', 'TxUndecided'));
    const before = h.broker.transactionStats();
    const unknown = await producer.send({ topic: 'TxUndecided', body: Buffer.from('unknown') }, producer.beginTransaction());
    const silent = await producer.send({ topic: 'TxUndecided', body: Buffer.from('silent') }, producer.beginTransaction());

    await waitFor(() => h.broker.listTransactions('TxUndecided').every((p) => p.gaveUp), 'both transactions given up', 15_000);
    assert.deepEqual(Object.fromEntries(calls), { unknown: MAX_CHECKS, silent: MAX_CHECKS }, 'each checked exactly the max number of times');
    const stats = h.broker.transactionStats();
    assert.equal(stats.giveUps - before.giveUps, 2);
    assert.equal(stats.checksSent - before.checksSent, 2 * MAX_CHECKS);
    assert.equal(stats.checksAnswered - before.checksAnswered, 0);
    assert.ok(stats.checksTimedOut - before.checksTimedOut >= 2 * MAX_CHECKS, 'every unanswered check timed out');

    const parked = await h.broker.pull(CHECK_MAX_TIME_TOPIC, 0, 0, 32);
    const ids = parked.messages.map((m) => m.properties.__transactionId__).sort();
    assert.deepEqual(ids, [unknown.transactionId, silent.transactionId].sort());
    assert.deepEqual(parked.messages.map((m) => m.body.toString()).sort(), ['silent', 'unknown']);
    const givenUp = await h.broker.listGivenUpTransactions('TxUndecided');
    assert.deepEqual(givenUp.map((g) => [g.transactionId, g.state, g.checks]).sort(), [[silent.transactionId, 'given-up', MAX_CHECKS], [unknown.transactionId, 'given-up', MAX_CHECKS]].sort());

    // Checking has stopped, and nothing ever reached the topic.
    assert.deepEqual(await drain(consumer, 3 * INTERVAL_MS), []);
    assert.deepEqual(Object.fromEntries(calls), { unknown: MAX_CHECKS, silent: MAX_CHECKS }, 'no check after giving up');
    for (const q of h.broker.describeTopic('TxUndecided').queues) assert.equal(q.maxOffset, 0, `queue ${q.queueId} is empty`);
  });

  test('no live producer: the check is skipped and no attempt is used; a producer that comes later decides', async () => {
    let firstAsked = 0;
    const first = await startTxProducer(h.endpoint, 'TxOrphan', () => (firstAsked++, 0));
    const sent = await first.send({ topic: 'TxOrphan', body: Buffer.from('orphan') }, first.beginTransaction());
    await first.shutdown();
    // Normally 0; 1 if the machine was slow enough for the immunity to pass before the shutdown.
    const checksAtShutdown = h.broker.listTransactions('TxOrphan')[0]?.checks ?? -1;
    assert.equal(checksAtShutdown, firstAsked);
    const skippedBefore = h.broker.transactionStats().checksSkippedNoProducer;
    // Well past the max checks' worth of intervals: every due check finds nobody to ask.
    await waitFor(() => h.broker.transactionStats().checksSkippedNoProducer - skippedBefore >= 2 * MAX_CHECKS * (INTERVAL_MS / 50), 'skipped checks', 15_000);
    const [p] = h.broker.listTransactions('TxOrphan');
    assert.equal(p?.transactionId, sent.transactionId);
    assert.equal(p?.checks, checksAtShutdown, 'a skipped check uses no attempt');
    assert.equal(p?.gaveUp, false);

    const asked: string[] = [];
    keep(await startTxProducer(h.endpoint, 'TxOrphan', (m) => (asked.push(m.messageId), COMMIT)));
    const consumer = keep(await startConsumer(h.endpoint, 'g-orphan', 'TxOrphan'));
    await waitFor(() => h.broker.listTransactions('TxOrphan').length === 0, 'the late producer to commit', 10_000);
    assert.deepEqual(asked, [sent.messageId]);
    const got = await drain(consumer, 1000);
    assert.deepEqual(got.map((m) => [m.body.toString(), m.properties.get('__transactionId__')]), [['orphan', sent.transactionId]]);
  });

  test('an UNSPECIFIED answer is not a decision: the transaction stays pending and is checked again', async () => {
    let answers = 0;
    let decided = false;
    const producer = keep(
      await startTxProducer(h.endpoint, 'TxUnspecified', () => {
        answers++;
        // undefined: the client sends EndTransaction with resolution UNSPECIFIED.
        return decided ? COMMIT : undefined;
      }),
    );
    const consumer = keep(await startConsumer(h.endpoint, 'g-unspecified', 'TxUnspecified'));
    const refusedBefore = h.metrics.count('EndTransaction', 'INVALID_TRANSACTION_ID');
    const sent = await producer.send({ topic: 'TxUnspecified', body: Buffer.from('undecided') }, producer.beginTransaction());
    await waitFor(() => h.metrics.count('EndTransaction', 'INVALID_TRANSACTION_ID') > refusedBefore, "the client's UNSPECIFIED answer", 10_000);
    const pending = h.broker.listTransactions('TxUnspecified');
    assert.deepEqual(pending.map((p) => p.transactionId), [sent.transactionId], 'still pending after the UNSPECIFIED answer');
    assert.ok(pending[0]!.checks >= 1, 'the check was counted');

    // The same answer sent raw: refused with INVALID_TRANSACTION_ID, nothing changes.
    const raw = await rawEndTransaction(h.endpoint, {
      topic: 'TxUnspecified',
      messageId: sent.messageId,
      transactionId: sent.transactionId,
      resolution: TransactionResolution.TRANSACTION_RESOLUTION_UNSPECIFIED,
      source: TransactionSource.SOURCE_SERVER_CHECK,
    });
    assert.equal(raw.code, Code.INVALID_TRANSACTION_ID);
    assert.match(raw.message, /COMMIT or ROLLBACK.*UNSPECIFIED.*pending/);

    // Still checked after UNSPECIFIED answers; the first real decision ends it.
    const answersBefore = answers;
    decided = true;
    await waitFor(() => h.broker.listTransactions('TxUnspecified').length === 0, 'a later check to commit', 10_000);
    assert.ok(answers > answersBefore, 'checked again after the UNSPECIFIED answers');
    const got = await drain(consumer, 1000);
    assert.deepEqual(got.map((m) => m.messageId), [sent.messageId]);
  });
});
