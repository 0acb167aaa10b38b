/**
 * Startup and shutdown of the official Node client: startup against an unknown topic fails with
 * TOPIC_NOT_FOUND (40402); after clean shutdowns the broker's live-client registry and Telemetry streams are
 * empty.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConsumeResult } from 'rocketmq-client-nodejs';
import { startHarness, waitFor, type Harness } from './support/harness.js';
import { codeOf, officialProducer, officialPushConsumer, officialSimpleConsumer } from './support/official.js';

const TOPIC = 'LifecycleOrders';
const TOPIC_NOT_FOUND = 40402;

describe('official Node client: startup and shutdown', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ server: { settings: { longPollingTimeoutMs: 500 } } });
    await h.broker.createTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 2 });
  });
  after(async () => {
    await h?.close();
  });

  test('producer startup on an unknown topic fails with TOPIC_NOT_FOUND and registers nothing', async () => {
    const p = officialProducer(h.endpoint, 'NoSuchTopic');
    try {
      await assert.rejects(p.startup(), (err: unknown) => {
        assert.equal(codeOf(err), TOPIC_NOT_FOUND, `error: ${String(err)}`);
        return true;
      });
    } finally {
      await p.shutdown().catch(() => {});
    }
    assert.ok(h.metrics.count('QueryRoute', 'TOPIC_NOT_FOUND') >= 1, 'the route lookup was answered TOPIC_NOT_FOUND');
    assert.equal(h.server.clients.size, 0);
    assert.equal(h.server.telemetryStreams(), 0);
  });

  test('producer, simple and push consumer register while running and leave nothing after shutdown', async () => {
    const producer = officialProducer(h.endpoint, TOPIC);
    const simple = officialSimpleConsumer(h.endpoint, 'g-life-simple', TOPIC, '*', 500);
    const push = officialPushConsumer(h.endpoint, 'g-life-push', TOPIC, { consume: () => ConsumeResult.SUCCESS });
    try {
      await producer.startup();
      await simple.startup();
      await push.startup();
      await waitFor(() => h.server.clients.size === 3, 'three live clients', 10_000);
      assert.equal(h.server.telemetryStreams(), 3);
      await producer.send({ topic: TOPIC, body: Buffer.from('x') });
    } finally {
      await push.shutdown().catch(() => {});
      await simple.shutdown().catch(() => {});
      await producer.shutdown().catch(() => {});
    }
    await waitFor(() => h.server.clients.size === 0 && h.server.telemetryStreams() === 0, 'empty live-client registry', 10_000);
    assert.ok(h.metrics.count('NotifyClientTermination', 'OK') >= 3);
    // Nothing comes back (the client must not reopen Telemetry after shutdown).
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(h.server.clients.size, 0);
    assert.equal(h.server.telemetryStreams(), 0);
    // A long poll the client abandoned ends when its cancellation reaches the server: under load that can take
    // longer than the pause above, so wait for the condition (bounded) rather than read it once.
    await waitFor(() => h.server.inFlight() === 0, 'no request left in progress', 10_000);
  });
});
