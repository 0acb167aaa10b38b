#!/usr/bin/env node
// Order paid → logistics, points and cart, with Apogee's TypeScript SDK (remoting protocol through the name
// server) and PostgreSQL. Build first (npm run build): this imports the built package, `apogee-mq/client`.
//
// The order service marks an order paid in its database; the transactional message "order paid" reaches the
// logistics, points and cart services if and only if that update committed. The order service writes no
// check-back code: databaseTransactionListener commits a barrier row with the order, and answers check-backs from
// it. Each downstream service applies its side effect exactly once: exactlyOnceListener records the message id in
// the same database transaction as the side effect.
//
// Usage: node examples/order-paid-sdk/run.mjs   (against `apogee start` and a PostgreSQL)
// Env: APOGEE_EXAMPLE_NAMESRV (default 127.0.0.1:9876), APOGEE_EXAMPLE_PG (default
// postgres://postgres@127.0.0.1:5432/test), APOGEE_EXAMPLE_ORDERS (default 8), APOGEE_EXAMPLE_TOPIC (default
// OrderPaid), APOGEE_EXAMPLE_TABLE_PREFIX (default order_paid_), APOGEE_EXAMPLE_TIMEOUT_MS (default 60000),
// APOGEE_EXAMPLE_DROP_TABLES=1 (drop the example's tables at the end).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { Admin, ConsumeConcurrentlyStatus, ConsumeFromWhere, LocalTransactionState, PushConsumer, TransactionProducer } from 'apogee-mq/client';
import { PostgresDialect, databaseTransactionListener, exactlyOnceListener } from 'apogee-mq/client/db';

const namesrvAddr = process.env.APOGEE_EXAMPLE_NAMESRV ?? '127.0.0.1:9876';
const pgUrl = process.env.APOGEE_EXAMPLE_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const orderCount = Number(process.env.APOGEE_EXAMPLE_ORDERS ?? 8);
const topic = process.env.APOGEE_EXAMPLE_TOPIC ?? 'OrderPaid';
const prefix = process.env.APOGEE_EXAMPLE_TABLE_PREFIX ?? 'order_paid_';
const timeoutMs = Number(process.env.APOGEE_EXAMPLE_TIMEOUT_MS ?? 60_000);
const quiet = pino({ level: 'error' }, pino.destination(2)); // the SDK's own log: errors only, on stderr
const say = (line) => console.log(line);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const GROUPS = { logistics: `${prefix}shipments`, points: `${prefix}points_ledger`, cart: `${prefix}cart_cleared` };
const ORDERS = `${prefix}orders`;

const pool = new pg.Pool({ connectionString: pgUrl, max: 16 });
pool.on('error', (err) => console.error('idle database connection failed:', err.message));
const database = new PostgresDialect(pool, { tablePrefix: prefix });

/** The application's own tables; the helpers' two tables come from their migration (database.migrate()). */
async function migrate() {
  await database.migrate();
  await pool.query(`CREATE TABLE IF NOT EXISTS ${ORDERS} (order_id VARCHAR(64) PRIMARY KEY, amount INT NOT NULL, status VARCHAR(16) NOT NULL)`);
  // No unique key on the side-effect tables, on purpose: a duplicate would show as a second row.
  for (const table of Object.values(GROUPS)) await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (order_id VARCHAR(64) NOT NULL, done_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
}

/** What happens to order n, so that one run shows every path. */
function scenario(n) {
  return ['stuck-then-rolled-back', 'paid', 'payment-refused', 'paid-then-crash'][n % 4];
}

// ---- the order service -------------------------------------------------------------------------------------

const checkBacks = new Map(); // orderId → answer, for the summary
const orderOf = new Map(); // transactionId → orderId

const fromDatabase = databaseTransactionListener({
  database,
  // The business statements; the helper adds the barrier row in the same transaction and commits.
  async localTransaction(tx, message) {
    const order = JSON.parse(message.body.toString());
    orderOf.set(message.transactionId, order.orderId);
    await tx.query(`INSERT INTO ${ORDERS} (order_id, amount, status) VALUES ($1, $2, 'paid')`, [order.orderId, order.amount]);
    if (order.scenario === 'payment-refused') throw new Error(`payment refused for ${order.orderId}`);
    if (order.scenario === 'stuck-then-rolled-back') {
      // A local transaction slower than the broker's check immunity: the check-back rolls the message back first,
      // and then this transaction's commit fails on the barrier row: the order is not paid.
      const deadline = Date.now() + timeoutMs;
      while ((await database.readBarrier(message.producerGroup, message.transactionId)) === undefined && Date.now() < deadline) await sleep(100);
    }
  },
  onError: (err, ctx) => say(`order service: ${ctx.phase} ${orderOf.get(ctx.key) ?? ctx.key}: ${err.message}`),
});

const producer = new TransactionProducer({
  producerGroup: `${prefix}order-service`,
  namesrvAddr,
  logger: quiet,
  checkConcurrency: 4,
  listener: {
    async executeLocalTransaction(message, arg) {
      const state = await fromDatabase.executeLocalTransaction(message, arg);
      // "paid-then-crash": the database committed, then the service died before telling the broker.
      if (JSON.parse(message.body.toString()).scenario === 'paid-then-crash') return LocalTransactionState.UNKNOW;
      return state;
    },
    async checkLocalTransaction(messageExt) {
      const state = await fromDatabase.checkLocalTransaction(messageExt);
      const orderId = JSON.parse(messageExt.body.toString()).orderId;
      checkBacks.set(orderId, state);
      say(`check-back for ${orderId}: ${state === LocalTransactionState.COMMIT_MESSAGE ? 'COMMIT' : state === LocalTransactionState.ROLLBACK_MESSAGE ? 'ROLLBACK' : 'UNKNOW'}`);
      return state;
    },
  },
});

// ---- logistics, points, cart ------------------------------------------------------------------------------

const duplicates = { logistics: 0, points: 0, cart: 0 };

function service(group, runId) {
  const table = GROUPS[group];
  const onePass = exactlyOnceListener({
    database,
    consumerGroup: `${prefix}${group}`,
    async handler(tx, message) {
      const order = JSON.parse(message.body.toString());
      if (order.runId !== runId) return; // an earlier run's message: recorded as processed, nothing to do
      await tx.query(`INSERT INTO ${table} (order_id) VALUES ($1)`, [order.orderId]);
    },
    onDuplicate: () => duplicates[group]++,
    onError: (err) => say(`${group}: will retry: ${err.message}`),
  });
  let lostAcks = 0;
  const consumer = new PushConsumer({ consumerGroup: `${prefix}${group}`, namesrvAddr, logger: quiet, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET });
  consumer.subscribe(topic, '*');
  consumer.registerMessageListenerConcurrently(async (messages, context) => {
    const status = await onePass(messages, context);
    context.delayLevelWhenNextConsume = 1; // retry after 1 s rather than the ladder's 10 s, for the demo
    // The cart service "loses" its first acknowledgement: the broker redelivers, the helper skips the duplicate.
    if (group === 'cart' && status === ConsumeConcurrentlyStatus.CONSUME_SUCCESS && lostAcks++ === 0) return ConsumeConcurrentlyStatus.RECONSUME_LATER;
    return status;
  });
  return consumer;
}

// ---- the run ----------------------------------------------------------------------------------------------

async function main() {
  const runId = randomBytes(4).toString('hex');
  await migrate();
  const admin = new Admin({ namesrvAddr, logger: quiet });
  await admin.createTopic(topic, { messageType: 'TRANSACTION' });
  await admin.close();

  const consumers = Object.keys(GROUPS).map((g) => service(g, runId));
  for (const c of consumers) await c.start();
  await producer.start();

  // Orders are sent concurrently: a stuck local transaction does not hold up the others.
  const sent = Array.from({ length: orderCount }, (_, i) => ({ runId, orderId: `${runId}-${i + 1}`, amount: 10 * (i + 1), scenario: scenario(i + 1) }));
  await Promise.all(
    sent.map(async (order) => {
      const r = await producer.sendMessageInTransaction({ topic, body: Buffer.from(JSON.stringify(order)), keys: order.orderId, tags: 'paid' }, null);
      say(`order ${order.orderId} (${order.scenario}): ${r.sendStatus}, local transaction ${r.localTransactionState}`);
    }),
  );

  // The truth is the order table: exactly its paid orders must reach each service, once.
  const ids = sent.map((o) => o.orderId);
  const paidNow = async () => (await pool.query(`SELECT order_id FROM ${ORDERS} WHERE order_id = ANY($1) AND status = 'paid' ORDER BY order_id`, [ids])).rows.map((r) => r.order_id);
  const doneBy = async (table) => (await pool.query(`SELECT order_id FROM ${table} WHERE order_id = ANY($1) ORDER BY order_id`, [ids])).rows.map((r) => r.order_id);
  const unsettled = sent.filter((o) => o.scenario === 'paid-then-crash' || o.scenario === 'stuck-then-rolled-back');
  const deadline = Date.now() + timeoutMs;
  let received = {};
  let paid = [];
  for (;;) {
    paid = await paidNow();
    received = {};
    for (const [group, table] of Object.entries(GROUPS)) received[group] = await doneBy(table);
    const settled = unsettled.every((o) => checkBacks.has(o.orderId) && checkBacks.get(o.orderId) !== LocalTransactionState.UNKNOW);
    const complete = Object.values(received).every((r) => r.length >= paid.length);
    if ((settled && complete && duplicates.cart > 0) || Date.now() > deadline) break;
    await sleep(200);
  }

  for (const c of consumers) await c.shutdown();
  await producer.shutdown();
  for (const [group, orders] of Object.entries(received)) say(`${group} handled: ${orders.join(', ') || '(none)'}`);
  say(`duplicates skipped: ${JSON.stringify(duplicates)}`);
  const ok = Object.values(received).every((r) => JSON.stringify(r) === JSON.stringify(paid)) && paid.length === sent.filter((o) => o.scenario.startsWith('paid')).length;
  say(`summary ${JSON.stringify({ runId, paid, received, checkBacks: Object.fromEntries(checkBacks), duplicates, ok })}`);
  if (process.env.APOGEE_EXAMPLE_DROP_TABLES === '1') {
    await database.dropTables();
    for (const t of [ORDERS, ...Object.values(GROUPS)]) await pool.query(`DROP TABLE IF EXISTS ${t}`);
  }
  await pool.end();
  process.exitCode = ok ? 0 : 1;
}

main().catch(async (err) => {
  console.error(err);
  await pool.end().catch(() => undefined);
  process.exit(1); // clients may still hold sockets open
});
