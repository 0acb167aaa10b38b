/**
 * The crash loop: 200 transactions with random outcomes (commit, rollback, unknown resolved by the check-back)
 * through the official Node client against a spawned broker in sync flush mode, while the broker is SIGKILLed at
 * random moments and restarted on the same data dir. The producer keeps a "local database" of its orders, which
 * its checker reads, as a real order service would. After settling, a consumer receives exactly the committed
 * orders, each once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { rng } from '../store/helpers.js';
import { killSpawnedBrokers, removeTempDirs, spawnBroker, waitFor, type SpawnedBroker } from '../helpers/broker-process.js';
import { admin, COMMIT, killAndRestart, ROLLBACK, startConsumer, startTxProducer, tolerateClientTelemetryCrash } from './support/tx-support.js';

const TRANSACTIONS = 200;
const KILLS = 3;
const WORKERS = 4;
const TOPIC = 'TxCrash';
const ARGS = [
  '--flush',
  'sync',
  '--transaction-check-immunity-ms',
  '500',
  '--transaction-check-interval-ms',
  '1000',
  '--transaction-max-checks',
  '100',
  '--set',
  'transaction.scanIntervalMs=100',
];

/** The order service's own database: what its local transaction decided for each order. */
type OrderState = 'sending' | 'send-failed' | 'committed' | 'rolled-back';

describe('crash loop: transactions survive SIGKILLs of the broker', () => {
  const seed = Number(process.env.APOGEE_TEST_CRASH_SEED ?? Date.now() % 1_000_000);
  const rnd = rng(seed);
  const tolerance = tolerateClientTelemetryCrash();
  let broker: SpawnedBroker;
  let producer: Producer | undefined;
  let consumer: SimpleConsumer | undefined;
  const endpoint = (): string => `${broker.grpc.host}:${broker.grpc.port}`;

  before(async () => {
    broker = await spawnBroker({ args: ARGS });
    await admin(broker, 'POST', '/api/topics', { name: TOPIC, messageType: 'TRANSACTION', queueNums: 2 });
  });
  after(async () => {
    await producer?.shutdown().catch(() => {});
    await consumer?.shutdown().catch(() => {});
    await killSpawnedBrokers();
    await removeTempDirs();
    tolerance.restore();
  });

  test(`${TRANSACTIONS} transactions, ${KILLS} SIGKILLs: the consumer gets exactly the committed orders, once each`, async (t) => {
    t.diagnostic(`seed ${seed} (replay with APOGEE_TEST_CRASH_SEED=${seed})`);
    const db = new Map<string, OrderState>();
    const checked = new Set<string>();
    producer = await startTxProducer(endpoint(), TOPIC, (m) => {
      const order = m.body.toString();
      checked.add(order);
      const state = db.get(order);
      if (state === 'committed') return COMMIT;
      if (state === 'rolled-back' || state === 'send-failed') return ROLLBACK;
      return 0; // still sending: not decided yet
    });

    let sentOk = 0;
    let attempts = 0;
    let nextOrder = 0;
    let up: Promise<void> = Promise.resolve();
    const outcomes = { commit: 0, rollback: 0, unknown: 0, sendFailed: 0, endFailed: 0 };

    const worker = async (): Promise<void> => {
      while (sentOk < TRANSACTIONS) {
        await up;
        const order = `order-${String(nextOrder++).padStart(4, '0')}`;
        attempts++;
        const r = rnd();
        const outcome = r < 0.4 ? 'commit' : r < 0.7 ? 'rollback' : 'unknown';
        const unknownCommits = rnd() < 0.5;
        db.set(order, 'sending');
        const tx = producer!.beginTransaction();
        try {
          await producer!.send({ topic: TOPIC, body: Buffer.from(order), keys: [order] }, tx);
        } catch {
          // The half message may or may not be stored: the local transaction never ran, so a check says ROLLBACK.
          db.set(order, 'send-failed');
          outcomes.sendFailed++;
          await new Promise((res) => setTimeout(res, 250));
          continue;
        }
        sentOk++;
        // The local transaction (the order row), then the end; UNKNOWN leaves it to the check-back.
        const commits = outcome === 'commit' || (outcome === 'unknown' && unknownCommits);
        db.set(order, commits ? 'committed' : 'rolled-back');
        outcomes[outcome]++;
        try {
          if (outcome === 'commit') await tx.commit();
          else if (outcome === 'rollback') await tx.rollback();
        } catch {
          outcomes.endFailed++; // the broker died under the end: the check-back will ask the database
        }
      }
    };

    // One kill in each slice of the run, at a random place in it.
    const slice = TRANSACTIONS / (KILLS + 1);
    const killAt = Array.from({ length: KILLS }, (_, k) => Math.floor(slice * (k + 0.5) + rnd() * slice));
    t.diagnostic(`kills after ${killAt.join(', ')} sends`);
    const killer = async (): Promise<void> => {
      for (const at of killAt) {
        await waitFor(`${at} sends`, () => (sentOk >= at ? true : undefined), 120_000, 5);
        await new Promise((res) => setTimeout(res, rnd() * 40)); // land somewhere inside the next operations
        let reopen!: () => void;
        up = new Promise((res) => (reopen = res));
        broker = await killAndRestart(broker, ARGS);
        reopen();
      }
    };
    await Promise.all([killer(), ...Array.from({ length: WORKERS }, worker)]);

    const expected = [...db].filter(([, s]) => s === 'committed').map(([o]) => o).sort();
    t.diagnostic(`attempts ${attempts}, outcomes ${JSON.stringify(outcomes)}, committed ${expected.length}, checked ${checked.size}`);
    assert.ok(outcomes.commit > 0 && outcomes.rollback > 0 && outcomes.unknown > 0, 'every outcome was exercised');

    // Settling: every pending transaction is decided by a check-back against the database.
    await waitFor(
      'no pending transaction',
      async () => ((await admin<{ transactions: unknown[] }>(broker, 'GET', `/api/transactions?topic=${TOPIC}`)).transactions.length === 0 ? true : undefined),
      60_000,
      200,
    );

    await admin(broker, 'POST', '/api/groups', { name: 'g-crash', consumeFromWhere: 'earliest' });
    consumer = await startConsumer(endpoint(), 'g-crash', TOPIC);
    const received: string[] = [];
    const messageIds = new Set<string>();
    const deadline = Date.now() + 30_000;
    let quietSince = Date.now();
    // Receive until nothing new arrives for 1.5 s after the expected count is reached (extras would show up).
    while (Date.now() < deadline && (received.length < expected.length || Date.now() - quietSince < 1500)) {
      const got = await consumer.receive(32, 10_000);
      for (const m of got) {
        received.push(m.body.toString());
        messageIds.add(m.messageId);
        assert.equal(m.properties.get('__transactionId__'), m.messageId, 'a committed message carries its transaction id');
        await consumer.ack(m);
      }
      if (got.length > 0) quietSince = Date.now();
    }
    const dupes = received.filter((o, i) => received.indexOf(o) !== i);
    assert.deepEqual(dupes, [], 'no order delivered twice');
    assert.equal(messageIds.size, received.length);
    assert.deepEqual([...received].sort(), expected, 'exactly the committed orders');
    const topic = await admin<{ queues: Array<{ maxOffset: number }> }>(broker, 'GET', `/api/topics/${TOPIC}`);
    assert.equal(topic.queues.reduce((n, q) => n + q.maxOffset, 0), expected.length, 'the topic holds one copy of each committed order');
    t.diagnostic(`client telemetry errors tolerated: ${tolerance.swallowed()}`);
  });
});
