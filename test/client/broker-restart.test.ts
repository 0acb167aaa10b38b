/**
 * Apogee-only (it kills and restarts the broker process): the SDK's producer and push consumer ride through a
 * broker SIGKILL and restart on the same ports. Sends during the outage fail with typed errors, the clients
 * reconnect with backoff, heartbeats reintroduce them, consumption resumes, and the process sees no unhandled
 * rejection and no uncaught exception.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Admin, MQClientError, Producer } from '../../src/client/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { killSpawnedBrokers, removeTempDirs, spawnBroker } from '../helpers/broker-process.js';
import { collect, type Collector } from './support/collector.js';
import { apogeeOnly, fastClient, unique, waitFor, watchProcessFailures } from './support/target.js';

describe('sdk: broker SIGKILL and restart', () => {
  let producer: Producer | undefined;
  let collector: Collector | undefined;
  after(async () => {
    await producer?.shutdown();
    await collector?.consumer.shutdown();
    await killSpawnedBrokers();
    await removeTempDirs();
  });

  test('producer and push consumer reconnect; nothing crashes', async (t) => {
    if (apogeeOnly(t, 'kills and restarts the broker process')) return;
    const watch = watchProcessFailures();
    try {
      const first = await spawnBroker();
      const ns = first.namesrv!;
      const remoting = first.remoting!;
      const namesrvAddr = `${ns.host}:${ns.port}`;
      const admin = new Admin({ namesrvAddr, logger: silentLogger() });
      const topic = unique('sdk-restart');
      await admin.createTopic(topic);
      await admin.close();

      producer = new Producer({ producerGroup: unique('pg-restart'), namesrvAddr, ...fastClient, sendMsgTimeoutMs: 1500, maxReconnectBackoffMs: 500 });
      await producer.start();
      collector = await collect(namesrvAddr, topic, { maxReconnectBackoffMs: 500, pullTimeDelayMillsWhenException: 200 });
      for (let i = 0; i < 10; i++) await producer.send({ topic, body: Buffer.from(`before-${i}`) });
      await waitFor('messages before the crash', () => collector!.messages.length >= 10, 30_000);

      await first.stop('SIGKILL');
      await assert.rejects(producer.send({ topic, body: Buffer.from('during') }), (e: unknown) => e instanceof MQClientError && e.retriable);

      await spawnBroker({ dataDir: first.dataDir, args: ['--namesrv-port', String(ns.port), '--remoting-port', String(remoting.port)] });
      await waitFor('a send succeeding after the restart', async () => {
        try {
          return (await producer!.send({ topic, body: Buffer.from('after-first') })).sendStatus === 'SEND_OK' || undefined;
        } catch (err) {
          assert.ok(err instanceof MQClientError, `typed error while the broker comes back: ${String(err)}`);
          return undefined;
        }
      }, 30_000, 200);
      for (let i = 0; i < 10; i++) await producer.send({ topic, body: Buffer.from(`after-${i}`) });
      await waitFor('messages after the restart consumed', () => Array.from({ length: 10 }, (_, i) => `after-${i}`).every((b) => collector!.count(b) >= 1), 40_000);
      assert.ok(collector.count('after-first') >= 1);
      assert.deepEqual(watch.failures, [], 'no unhandled rejection or uncaught exception');
    } finally {
      watch.stop();
    }
  });
});
