/**
 * `apogee tx` against a real spawned broker whose transactions come from the official Node client: list pending
 * half messages, commit/rollback by hand (same idempotency rules as producers), the given-up view of
 * TRANS_CHECK_MAX_TIME_TOPIC with resend, and the transaction metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { killSpawnedBrokers, removeTempDirs, runCli, spawnBroker, waitFor, type CliResult, type SpawnedBroker } from '../helpers/broker-process.js';
import { admin, drain, startConsumer, startTxProducer, tolerateClientTelemetryCrash } from '../grpc/support/tx-support.js';

/** Its producers leave right after sending: check-backs find nobody and are skipped, so only operators end these. */
const TOPIC = 'TxOps';
/** Its producer stays and never decides: its half messages are given up after two check-backs. */
const GIVE_UP_TOPIC = 'TxGiveUp';
let broker: SpawnedBroker;
let producer: Producer | undefined;
const consumers: SimpleConsumer[] = [];
// The broker is killed at the end under the official client's closing Telemetry stream (see tolerateClientTelemetryCrash).
let tolerance: ReturnType<typeof tolerateClientTelemetryCrash> | undefined;
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--admin', broker.adminUrl]);

function ok(r: CliResult): string {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}
function fails(r: CliResult, stderr: RegExp): void {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, stderr);
}

before(async () => {
  tolerance = tolerateClientTelemetryCrash(); // here: the test runner's own handler exists once tests run
  broker = await spawnBroker({
    args: ['--transaction-check-immunity-ms', '1500', '--transaction-check-interval-ms', '300', '--transaction-max-checks', '2', '--set', 'transaction.scanIntervalMs=50'],
  });
  for (const name of [TOPIC, GIVE_UP_TOPIC]) await admin(broker, 'POST', '/api/topics', { name, messageType: 'TRANSACTION', queueNums: 1 });
  await admin(broker, 'POST', '/api/groups', { name: 'g-ops', consumeFromWhere: 'earliest' });
  producer = await startTxProducer(endpoint(), GIVE_UP_TOPIC, () => 0);
});
after(async () => {
  await producer?.shutdown().catch(() => {});
  for (const c of consumers) await c.shutdown().catch(() => {});
  await killSpawnedBrokers();
  await removeTempDirs();
  tolerance?.restore();
});

const endpoint = (): string => `${broker.grpc.host}:${broker.grpc.port}`;

/** Half messages on TOPIC from a producer that shuts down right after sending them. */
async function halves(...bodies: string[]): Promise<string[]> {
  const p = await startTxProducer(endpoint(), TOPIC, () => 0);
  try {
    const ids: string[] = [];
    for (const body of bodies) ids.push((await p.send({ topic: TOPIC, body: Buffer.from(body) }, p.beginTransaction())).transactionId);
    return ids;
  } finally {
    await p.shutdown();
  }
}

async function received(topic: string): Promise<string[]> {
  const c = await startConsumer(endpoint(), 'g-ops', topic);
  consumers.push(c);
  return (await drain(c, 1500)).map((m) => m.body.toString()).sort();
}

describe('apogee tx', () => {
  it('lists pending half messages and resolves them by hand, idempotently', async () => {
    const [a, b] = (await halves('order A', 'order B')) as [string, string];
    const table = ok(await cli('tx', 'list'));
    assert.match(table, /^TRANSACTION-ID\s+TOPIC\s+AGE\s+CHECKS\s+STATE\s+PRODUCER\s+LAST-CHECK\n/);
    for (const id of [a, b]) assert.match(table, new RegExp(`\\n${id}\\s+${TOPIC}\\s+\\d+s\\s+0\\s+pending\\s+${TOPIC}@\\S+\\s+-`));
    assert.equal(ok(await cli('tx', 'list', '--topic', 'Elsewhere')), 'no pending transactions\n');
    const listed = JSON.parse(ok(await cli('tx', 'list', '--topic', TOPIC, '--json'))) as { transactions: Array<{ transactionId: string; checks: number; ageMs: number }>; total: number };
    assert.deepEqual(listed.transactions.map((t) => t.transactionId), [a, b]);
    assert.equal(listed.total, 2);
    const capped = await admin<{ transactions: Array<{ transactionId: string }>; total: number }>(broker, 'GET', '/api/transactions?max=1');
    assert.deepEqual([capped.transactions.map((t) => t.transactionId), capped.total], [[a], 2], 'oldest first, total counts all');
    const bad = await fetch(`${broker.adminUrl}/api/transactions?max=0&topicc=x`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /topicc|max/);

    assert.equal(ok(await cli('tx', 'commit', a)), `committed transaction ${a}\n`);
    assert.equal(ok(await cli('tx', 'commit', a)), `committed transaction ${a}\n`, 'a repeat is OK');
    fails(await cli('tx', 'rollback', a), new RegExp(`^error: transaction ${a} was already committed; ROLLBACK refused \\(INVALID_TRANSACTION_ID, HTTP 400\\)\\n$`));
    assert.equal(ok(await cli('tx', 'rollback', b)), `rolled back transaction ${b}\n`);
    fails(await cli('tx', 'commit', b), /was already rolled back; COMMIT refused/);
    fails(await cli('tx', 'commit', 'no-such-tx'), /unknown transaction id 'no-such-tx' \(INVALID_TRANSACTION_ID, HTTP 400\)/);
    const left = JSON.parse(ok(await cli('tx', 'list', '--json'))) as { transactions: unknown[] };
    assert.deepEqual(left.transactions, []);
  });

  it('shows given-up half messages and resends them to their topic', async () => {
    assert.equal(ok(await cli('tx', 'given-up')), 'no given-up transactions\n');
    const c = (await producer!.send({ topic: GIVE_UP_TOPIC, body: Buffer.from('order C') }, producer!.beginTransaction())).transactionId;
    const [d] = (await halves('order D')) as [string];
    fails(await cli('tx', 'resend', d), new RegExp(`transaction ${d} was not given up \\(0 of 2 check-backs so far\\); commit it instead`));
    assert.equal(ok(await cli('tx', 'commit', d)), `committed transaction ${d}\n`);

    // Two unanswered check-backs, then C is given up.
    await waitFor('C given up', async () => {
      const r = await admin<{ transactions: Array<{ transactionId: string; state: string }> }>(broker, 'GET', '/api/transactions/given-up');
      return r.transactions.some((t) => t.transactionId === c) ? true : undefined;
    }, 15_000, 100);
    assert.match(ok(await cli('tx', 'list')), new RegExp(`\\n${c}\\s+${GIVE_UP_TOPIC}\\s+\\d+s\\s+2\\s+given-up\\s+`));
    const table = ok(await cli('tx', 'given-up', '--topic', GIVE_UP_TOPIC));
    assert.match(table, /^TRANSACTION-ID\s+TOPIC\s+CHECKS\s+STATE\s+PRODUCER\s+GIVEN-UP-AT\n/);
    assert.match(table, new RegExp(`\\n${c}\\s+${GIVE_UP_TOPIC}\\s+2\\s+given-up\\s+${GIVE_UP_TOPIC}@\\S+\\s+\\d{4}-`));
    assert.equal(table.trim().split('\n').length, 2, 'only C was given up');
    assert.equal(ok(await cli('tx', 'given-up', '--topic', 'Elsewhere')), 'no given-up transactions\n');

    assert.equal(ok(await cli('tx', 'resend', c)), `resent transaction ${c} to its topic (committed)\n`);
    assert.equal(ok(await cli('tx', 'resend', c)), `resent transaction ${c} to its topic (committed)\n`, 'a repeat is OK and writes nothing');
    assert.match(ok(await cli('tx', 'given-up')), new RegExp(`\\n${c}\\s+${GIVE_UP_TOPIC}\\s+2\\s+committed\\s+`));
    fails(await cli('tx', 'rollback', c), /already committed/);

    assert.deepEqual(await received(TOPIC), ['order A', 'order D'], 'each committed order once; B (rolled back) never');
    assert.deepEqual(await received(GIVE_UP_TOPIC), ['order C'], 'the resent order once');
  });

  it('exposes transaction metrics', async () => {
    /** One scrape of /metrics; the returned function reads an unlabelled sample from it. */
    const scrape = async (): Promise<(name: string) => number> => {
      const text = await (await fetch(`${broker.adminUrl}/metrics`)).text();
      return (name) => {
        const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
        assert.ok(m, `${name} is exported`);
        return Number(m[1]);
      };
    };
    // A half message whose producer has left: once its immunity ends, each scan skips its check-back (nobody to
    // ask). Wait for that to be counted rather than hoping an earlier test's scans saw one.
    const [e] = (await halves('order E')) as [string];
    await waitFor('a skipped check-back', async () => ((await scrape())('apogee_transaction_checks_skipped_total') > 0 ? true : undefined), 15_000, 100);
    assert.equal(ok(await cli('tx', 'rollback', e)), `rolled back transaction ${e}\n`);

    const value = await scrape();
    assert.equal(value('apogee_transaction_half_pending'), 0);
    assert.equal(value('apogee_transaction_given_up'), 0);
    assert.equal(value('apogee_transaction_commits_total'), 3);
    assert.equal(value('apogee_transaction_rollbacks_total'), 2);
    assert.equal(value('apogee_transaction_give_ups_total'), 1);
    assert.ok(value('apogee_transaction_checks_sent_total') >= 2);
    assert.ok(value('apogee_transaction_checks_timed_out_total') >= 2);
    assert.equal(value('apogee_transaction_checks_answered_total'), 0);
    assert.ok(value('apogee_transaction_checks_skipped_total') > 0, 'TOPIC had no live producer to ask');
  });
});
