/**
 * examples/order-paid against a spawned `apogee start`: each consumer group (logistics, points, cart) gets exactly
 * the orders the order service committed in its own database, once each — including the two settled by
 * check-backs — and none of the rolled-back ones.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, killSpawnedBrokers, makeTempDir, removeTempDirs, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';

/** build/test/examples/ → examples/order-paid/run.mjs */
const RUN = fileURLToPath(new URL('../../../examples/order-paid/run.mjs', import.meta.url));

interface Summary {
  runId: string;
  committed: string[];
  received: Record<string, string[]>;
  ok: boolean;
}

describe('examples/order-paid', () => {
  let broker: SpawnedBroker;
  before(async () => {
    broker = await spawnBroker({ args: ['--transaction-check-immunity-ms', '500', '--set', 'transaction.scanIntervalMs=100'] });
  });
  after(async () => {
    await killSpawnedBrokers();
    await removeTempDirs();
  });

  it('delivers exactly the paid orders to logistics, points and cart', async () => {
    const db = join(await makeTempDir('apogee-example-'), 'orders.jsonl');
    const env = cleanEnv({
      APOGEE_EXAMPLE_ENDPOINT: `${broker.grpc.host}:${broker.grpc.port}`,
      APOGEE_EXAMPLE_ADMIN: broker.adminUrl,
      APOGEE_EXAMPLE_DB: db,
      APOGEE_EXAMPLE_ORDERS: '8',
      APOGEE_EXAMPLE_TIMEOUT_MS: '30000',
    });
    const child = spawn(process.execPath, [RUN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, `example exited ${code}\nstdout: ${out}\nstderr: ${err}`);

    const line = out.split('\n').find((l) => l.startsWith('summary '));
    assert.ok(line, `a summary line\n${out}`);
    const summary = JSON.parse(line.slice('summary '.length)) as Summary;
    // The truth is the order database, not the example's own bookkeeping.
    const rows = (await readFile(db, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { orderId: string; status: string });
    const paid = rows.filter((r) => r.status === 'paid').map((r) => r.orderId).sort();
    assert.equal(paid.length, 4, 'orders 1, 3, 5, 7 were paid');
    assert.deepEqual(summary.committed, paid);
    assert.deepEqual(Object.keys(summary.received).sort(), ['cart', 'logistics', 'points']);
    for (const [group, orders] of Object.entries(summary.received)) assert.deepEqual(orders, paid, `${group} got exactly the paid orders, once each`);
    assert.equal((out.match(/check-back for \S+: COMMIT/g) ?? []).length, 2, 'two orders were settled by a check-back COMMIT');
    assert.equal((out.match(/check-back for \S+: ROLLBACK/g) ?? []).length, 2, 'two by a check-back ROLLBACK');
  });
});
