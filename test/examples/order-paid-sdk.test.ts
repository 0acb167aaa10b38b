/**
 * examples/order-paid-sdk against a spawned `apogee start` (name server and remoting on free ports, short
 * check-back settings) and the real PostgreSQL: each service (logistics, points, cart) applied its side effect
 * for exactly the orders the order table says are paid, once each, including the one settled by a check-back
 * COMMIT after the order service "crashed"; the stuck order was rolled back by its check-back and its late commit
 * failed; the cart's lost acknowledgement was redelivered and skipped.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { cleanEnv, killSpawnedBrokers, removeTempDirs, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';

/** build/test/examples/ → examples/order-paid-sdk/run.mjs */
const RUN = fileURLToPath(new URL('../../../examples/order-paid-sdk/run.mjs', import.meta.url));
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

interface Summary {
  runId: string;
  paid: string[];
  received: Record<string, string[]>;
  checkBacks: Record<string, string>;
  duplicates: Record<string, number>;
  ok: boolean;
}

describe('examples/order-paid-sdk', () => {
  const prefix = `ex${process.pid}_${randomBytes(3).toString('hex')}_`;
  const pool = new pg.Pool({ connectionString: PG_URL, max: 2, connectionTimeoutMillis: 5000 });
  let broker: SpawnedBroker;

  before(async () => {
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      throw new Error(`PostgreSQL at ${PG_URL} is not reachable: ${(err as Error).message}. This test needs it and does not skip.`);
    }
    broker = await spawnBroker({
      args: ['--transaction-check-immunity-ms', '500', '--transaction-check-interval-ms', '1000', '--transaction-scan-interval-ms', '100'],
    });
  });
  after(async () => {
    await killSpawnedBrokers();
    await removeTempDirs();
    const tables = ['apogee_transaction_barrier', 'apogee_processed_message', 'orders', 'shipments', 'points_ledger', 'cart_cleared'].map((t) => prefix + t);
    await pool.query(`DROP TABLE IF EXISTS ${tables.join(', ')}`);
    await pool.end();
  });

  it('delivers exactly the paid orders to logistics, points and cart, once each', async () => {
    assert.ok(broker.namesrv, 'the broker runs a name server');
    const env = cleanEnv({
      APOGEE_EXAMPLE_NAMESRV: `${broker.namesrv.host}:${broker.namesrv.port}`,
      APOGEE_EXAMPLE_PG: PG_URL,
      APOGEE_EXAMPLE_ORDERS: '8',
      APOGEE_EXAMPLE_TOPIC: `OrderPaid-${prefix}`,
      APOGEE_EXAMPLE_TABLE_PREFIX: prefix,
      APOGEE_EXAMPLE_TIMEOUT_MS: '40000',
    });
    const child = spawn(process.execPath, [RUN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, `example exited ${code}\nstdout: ${out}\nstderr: ${err}`);

    const line = out.split('\n').find((l) => l.startsWith('summary '));
    assert.ok(line, `a summary line\n${out}`);
    const summary = JSON.parse(line.slice('summary '.length)) as Summary;
    const id = (n: number): string => `${summary.runId}-${n}`;

    // The truth is the database, not the example's own bookkeeping.
    const paid = (await pool.query<{ order_id: string }>(`SELECT order_id FROM ${prefix}orders WHERE status = 'paid' ORDER BY order_id`)).rows.map((r) => r.order_id);
    assert.deepEqual(paid, [1, 3, 5, 7].map(id).sort(), 'orders 1, 5 (paid) and 3, 7 (paid, then the service "crashed") are paid; 2, 6 refused; 4, 8 rolled back by their check-back');
    for (const table of ['shipments', 'points_ledger', 'cart_cleared']) {
      const rows = (await pool.query<{ order_id: string }>(`SELECT order_id FROM ${prefix}${table} ORDER BY order_id`)).rows.map((r) => r.order_id);
      assert.deepEqual(rows, paid, `${table}: one row per paid order, no duplicate`);
    }
    for (const n of [3, 7]) assert.equal(summary.checkBacks[id(n)], 'COMMIT_MESSAGE', `order ${n}: the check-back committed it from the barrier`);
    for (const n of [4, 8]) assert.equal(summary.checkBacks[id(n)], 'ROLLBACK_MESSAGE', `order ${n}: the check-back rolled it back`);
    const barrier = await pool.query<{ transaction_id: string; state: string }>(`SELECT transaction_id, state FROM ${prefix}apogee_transaction_barrier`);
    assert.equal(barrier.rows.filter((r) => r.state === 'C').length, 4, 'one committed barrier row per paid order');
    assert.ok((summary.duplicates['cart'] ?? 0) >= 1, 'the cart\'s redelivered message was skipped');
    assert.match(out, /commit: .*already rolled back by a check-back|execute .*already rolled back by a check-back/, 'the stuck order\'s late commit failed on the barrier');
  });
});
