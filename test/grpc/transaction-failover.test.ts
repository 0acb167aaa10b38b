/**
 * Producer failover: producer A (its own process, the official client) sends half messages and is killed with
 * SIGKILL before ending them; producer B of the same topic (another client) receives the check-backs and its
 * answers end the transactions.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startHarness, waitFor, type Harness } from './support/harness.js';
import { COMMIT, drain, ROLLBACK, startConsumer, startTxProducer } from './support/tx-support.js';

const CHILD = fileURLToPath(new URL('./support/tx-producer-child.js', import.meta.url));

interface Sent {
  body: string;
  messageId: string;
  transactionId: string;
}

/** Starts producer A and resolves once it has sent every body (its half messages are stored). */
function runProducerA(endpoint: string, topic: string, bodies: string[]): Promise<{ proc: ChildProcess; sent: Sent[] }> {
  const proc = spawn(process.execPath, [CHILD, endpoint, topic, ...bodies], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`producer A did not send within 20 s\nstdout: ${out}\nstderr: ${err}`)), 20_000);
    proc.once('exit', (code, signal) => reject(new Error(`producer A exited early (${code ?? signal})\nstdout: ${out}\nstderr: ${err}`)));
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!out.includes('sent\n')) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      const sent = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Sent);
      resolve({ proc, sent });
    });
  });
}

describe('official Node client: a producer dies, another producer of the topic answers the check-back', () => {
  let h: Harness;
  let producerA: ChildProcess | undefined;
  let producerB: Producer | undefined;
  let consumer: SimpleConsumer | undefined;

  before(async () => {
    // The immunity leaves time to see both transactions pending after A's death, even on a busy machine.
    h = await startHarness({
      broker: { transaction: { checkImmunityMs: 1500, checkIntervalMs: 500, maxChecks: 10, scanIntervalMs: 50 } },
      server: { settings: { longPollingTimeoutMs: 500 } },
    });
    await h.broker.createTopic({ name: 'TxFailover', messageType: 'TRANSACTION', queueNums: 2 });
  });
  after(async () => {
    if (producerA && producerA.exitCode === null && producerA.signalCode === null) producerA.kill('SIGKILL');
    await producerB?.shutdown().catch(() => {});
    await consumer?.shutdown().catch(() => {});
    await h?.close();
  });

  test("producer B's answers end producer A's transactions after A is killed", async () => {
    const askedB: string[] = [];
    producerB = await startTxProducer(h.endpoint, 'TxFailover', (m) => {
      askedB.push(m.body.toString());
      return m.body.toString().startsWith('commit') ? COMMIT : ROLLBACK;
    });
    consumer = await startConsumer(h.endpoint, 'g-failover', 'TxFailover');

    const a = await runProducerA(h.endpoint, 'TxFailover', ['commit: order 7 paid', 'rollback: order 8 cancelled']);
    producerA = a.proc;
    const exited = new Promise((r) => a.proc.once('exit', r));
    a.proc.kill('SIGKILL');
    await exited;
    assert.deepEqual(h.broker.listTransactions('TxFailover').map((p) => p.transactionId).sort(), a.sent.map((s) => s.transactionId).sort(), 'both half messages are pending after A died');

    await waitFor(() => h.broker.listTransactions('TxFailover').length === 0, 'both transactions ended by B', 15_000);
    assert.deepEqual([...new Set(askedB)].sort(), ['commit: order 7 paid', 'rollback: order 8 cancelled']);
    const got = await drain(consumer, 1500);
    const committed = a.sent[0]!;
    assert.deepEqual(
      got.map((m) => [m.body.toString(), m.messageId, m.properties.get('__transactionId__')]),
      [[committed.body, committed.messageId, committed.transactionId]],
      'exactly the committed message, once',
    );
    assert.ok(h.broker.transactionStats().checksAnswered >= 2);
  });
});
