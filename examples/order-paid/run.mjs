#!/usr/bin/env node
// Order paid → logistics, points and cart, with a RocketMQ transactional message (official Node client) on Apogee.
//
// The order service marks an order paid in its own database and must tell three other services. They must get
// the message if and only if the order update committed, even if the order service dies in between:
//   1. send a half message "order paid" (invisible to consumers),
//   2. run the local transaction (mark the order paid, or record the failed payment),
//   3. COMMIT or ROLLBACK the message. If the service dies before step 3, the broker asks a live producer of the
//      topic (a check-back); the checker answers from the database.
//
// Usage: node examples/order-paid/run.mjs   (against a running `apogee start`)
// Env: APOGEE_EXAMPLE_ENDPOINT (gRPC, default 127.0.0.1:8081), APOGEE_EXAMPLE_ADMIN (admin HTTP, default
// http://127.0.0.1:8082), APOGEE_EXAMPLE_ORDERS (default 8), APOGEE_EXAMPLE_DB (order database file, default
// apogee-example-orders.jsonl in the system temp dir: the order service's data, not the broker's),
// APOGEE_EXAMPLE_TIMEOUT_MS (default 60000).
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { OrderStore } from './order-store.mjs';

const endpoint = process.env.APOGEE_EXAMPLE_ENDPOINT ?? '127.0.0.1:8081';
const adminUrl = process.env.APOGEE_EXAMPLE_ADMIN ?? 'http://127.0.0.1:8082';
const orderCount = Number(process.env.APOGEE_EXAMPLE_ORDERS ?? 8);
const dbFile = process.env.APOGEE_EXAMPLE_DB ?? join(tmpdir(), 'apogee-example-orders.jsonl');
const timeoutMs = Number(process.env.APOGEE_EXAMPLE_TIMEOUT_MS ?? 60_000);
const TOPIC = 'OrderPaid';
const GROUPS = ['logistics', 'points', 'cart'];
const COMMIT = 1; // apache.rocketmq.v2.TransactionResolution
const ROLLBACK = 2;
const quiet = { info() {}, debug() {}, warn() {}, error: (...a) => console.error('[client]', ...a) };
const say = (line) => console.log(line);

/** Creates the TRANSACTION topic and the three consumer groups unless they exist (409 = already there). */
async function setUp() {
  const post = async (path, body) => {
    const res = await fetch(adminUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok && res.status !== 409) throw new Error(`POST ${path}: HTTP ${res.status} ${await res.text()}`);
  };
  await post('/api/topics', { name: TOPIC, messageType: 'TRANSACTION', queueNums: 4 });
  for (const g of GROUPS) await post('/api/groups', { name: g, consumeFromWhere: 'earliest' });
}

/** One downstream service: a consumer group that records the orders of this run it was told about. */
async function startService(group, runId, seen, stop) {
  const consumer = new SimpleConsumer({ endpoints: endpoint, namespace: '', logger: quiet, consumerGroup: group, subscriptions: new Map([[TOPIC, '*']]), awaitDuration: 1000 });
  await consumer.startup();
  const loop = (async () => {
    while (!stop.stopped) {
      let messages = [];
      try {
        messages = await consumer.receive(16, 15_000);
      } catch (err) {
        console.error(`${group}: receive failed: ${err.message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      for (const m of messages) {
        const order = JSON.parse(m.body.toString());
        if (order.runId === runId) {
          seen.push(order.orderId);
          say(`${group.padEnd(9)} got ${order.orderId} (${order.amount} EUR, transaction ${m.properties.get('__transactionId__')})`);
        }
        await consumer.ack(m);
      }
    }
  })();
  return { stop: async () => { await loop; await consumer.shutdown(); } };
}

async function main() {
  await setUp();
  const store = await new OrderStore(dbFile).open();
  const runId = randomBytes(4).toString('hex');
  say(`order-paid example, run ${runId}: ${orderCount} orders, broker ${endpoint}`);

  // The checker: the broker asks about a transaction whose producer never ended it; the database knows.
  const producer = new Producer({
    endpoints: endpoint,
    namespace: '',
    logger: quiet,
    topic: TOPIC,
    checker: {
      async check(m) {
        const { orderId } = JSON.parse(m.body.toString());
        const answer = store.status(orderId) === 'paid' ? COMMIT : ROLLBACK; // no row: the local transaction never committed
        say(`check-back for ${orderId}: ${answer === COMMIT ? 'COMMIT (order is paid)' : 'ROLLBACK (order not paid)'}`);
        return answer;
      },
    },
  });
  await producer.startup();

  const stop = { stopped: false };
  const seen = Object.fromEntries(GROUPS.map((g) => [g, []]));
  const services = await Promise.all(GROUPS.map((g) => startService(g, runId, seen[g], stop)));

  const expected = [];
  const sent = new Set();
  for (let i = 0; i < orderCount; i++) {
    const orderId = `${runId}-order-${i + 1}`;
    const amount = 10 + i;
    const tx = producer.beginTransaction();
    const receipt = await producer.send({ topic: TOPIC, tag: 'paid', keys: [orderId], body: Buffer.from(JSON.stringify({ runId, orderId, amount })) }, tx);
    sent.add(receipt.transactionId);
    switch (i % 4) {
      case 0: // payment OK: mark paid, commit
        await store.markPaid(orderId, amount);
        await tx.commit();
        expected.push(orderId);
        say(`order ${orderId}: paid, committed`);
        break;
      case 1: // payment refused: record it, roll back
        await store.markPaymentFailed(orderId, amount);
        await tx.rollback();
        say(`order ${orderId}: payment failed, rolled back`);
        break;
      case 2: // paid, then the service "dies" before COMMIT: the check-back finds the paid order
        await store.markPaid(orderId, amount);
        expected.push(orderId);
        say(`order ${orderId}: paid, then no COMMIT (as if the service died): the check-back will decide`);
        break;
      case 3: // the service "dies" inside the local transaction: no row, no end; the check-back rolls back
        say(`order ${orderId}: died before the order row was written: the check-back will decide`);
        break;
    }
  }

  // Wait until no transaction of this run is pending at the broker and every service has every committed order,
  // then a moment longer to catch anything extra.
  const deadline = Date.now() + timeoutMs;
  const pending = async () => {
    const res = await fetch(`${adminUrl}/api/transactions?topic=${TOPIC}`);
    const { transactions } = await res.json();
    return transactions.filter((t) => sent.has(t.transactionId)).length;
  };
  const complete = async () => (await pending()) === 0 && GROUPS.every((g) => expected.every((o) => seen[g].includes(o)));
  while (!(await complete()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1500));
  stop.stopped = true;
  await Promise.all(services.map((s) => s.stop()));
  await producer.shutdown();

  const sorted = (a) => [...a].sort();
  const ok = GROUPS.every((g) => JSON.stringify(sorted(seen[g])) === JSON.stringify(sorted(expected)));
  say(`summary ${JSON.stringify({ runId, committed: sorted(expected), received: Object.fromEntries(GROUPS.map((g) => [g, sorted(seen[g])])), ok })}`);
  say(ok ? 'every service got exactly the paid orders, once each' : 'MISMATCH: see the summary line');
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(`order-paid example failed: ${err.stack ?? err}`);
  process.exit(1);
});
