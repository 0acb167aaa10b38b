/**
 * Durability through the gRPC front: a real `apogee start` child in sync-flush mode is SIGKILLed while the
 * official producer sends; after a restart on the same data dir a consumer receives every message whose send
 * the producer saw succeed (and nothing it never sent).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { closedPort, killSpawnedBrokers, makeTempDir, removeTempDirs, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';
import { waitFor } from './support/harness.js';
import { officialProducer, officialSimpleConsumer } from './support/official.js';

const TOPIC = 'CrashOrders';
const GROUP = 'g-crash-orders';
const SENDERS = 4;

async function admin(b: SpawnedBroker, path: string, body: unknown): Promise<void> {
  const r = await fetch(`${b.adminUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 201, `${path}: ${await r.text()}`);
}

/** shutdown() of a client whose broker is gone may wait for timeouts; do not let it hold the test. */
async function shutdownQuickly(c: { shutdown(): Promise<void> } | undefined): Promise<void> {
  if (!c) return;
  await Promise.race([c.shutdown().catch(() => {}), new Promise((r) => setTimeout(r, 3000).unref())]);
}

describe('gRPC: SIGKILL during sends in sync-flush mode', () => {
  let producer: Producer | undefined;
  let consumer: SimpleConsumer | undefined;
  after(async () => {
    await shutdownQuickly(producer);
    await shutdownQuickly(consumer);
    await killSpawnedBrokers();
    await removeTempDirs();
  });

  test('every send the client saw succeed is received after the restart', async () => {
    const dataDir = await makeTempDir('apogee-grpc-crash-');
    // The restart reuses the gRPC port: the producer's client then reconnects and can shut down cleanly
    // (a 1.0.8 client whose broker stays gone never stops retrying its Telemetry stream).
    const grpcPort = String(await closedPort());
    const args = ['--flush', 'sync', '--grpc-port', grpcPort];
    const first = await spawnBroker({ dataDir, args });
    await admin(first, '/api/topics', { name: TOPIC, messageType: 'NORMAL', queueNums: 4 });
    await admin(first, '/api/groups', { name: GROUP, consumeFromWhere: 'earliest' });

    producer = officialProducer(`${first.grpc.host}:${first.grpc.port}`, TOPIC);
    await producer.startup();
    const acked = new Set<string>();
    const attempted = new Set<string>();
    let stop = false;
    const sender = async (id: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const body = `s${id}-${i}`;
        attempted.add(body);
        try {
          await producer!.send({ topic: TOPIC, body: Buffer.from(body) });
          acked.add(body);
        } catch {
          return; // the broker is gone
        }
      }
    };
    const senders = Array.from({ length: SENDERS }, (_, id) => sender(id));
    await waitFor(() => acked.size >= 200, '200 acknowledged sends', 20_000);
    first.proc.kill('SIGKILL');
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL');
    const ackedAtKill = acked.size;
    stop = true;
    await Promise.all(senders);
    assert.ok(acked.size >= ackedAtKill, 'sanity');

    const second = await spawnBroker({ dataDir, args });
    assert.equal(second.grpc.port, first.grpc.port);
    consumer = officialSimpleConsumer(`${second.grpc.host}:${second.grpc.port}`, GROUP, TOPIC, '*', 500);
    await consumer.startup();
    const received = new Set<string>();
    const end = Date.now() + 30_000;
    let idle = 0;
    while (Date.now() < end && idle < 1) {
      const got = await consumer.receive(32, 30_000);
      if (got.length === 0 && [...acked].every((b) => received.has(b))) idle++;
      for (const m of got) {
        received.add(m.body.toString());
        await consumer.ack(m);
      }
    }
    const lost = [...acked].filter((b) => !received.has(b));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged sends lost`);
    const unknown = [...received].filter((b) => !attempted.has(b));
    assert.deepEqual(unknown, [], 'nothing that was never sent');
    // The producer lives on against the restarted broker.
    const again = await producer.send({ topic: TOPIC, body: Buffer.from('after restart') });
    assert.equal(again.transactionId, again.messageId);
    await producer.shutdown();
    await consumer.shutdown();
    producer = undefined;
    consumer = undefined;
    const stopped = await second.stop('SIGTERM');
    assert.equal(stopped.code, 0);
  });
});
