/**
 * The live-client registry forgets clients whose heartbeats stop: their Telemetry stream is ended (with OK, as
 * the official client needs) while a client that keeps sending heartbeats stays registered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { ClientRegistry } from '../../src/broker/clients/registry.js';
import { ClientType, Settings } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { MessagingServiceClient, TelemetryCommand } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { call, clientMetadata, rawClient, startHarness, waitFor, type Harness } from './support/harness.js';

const EXPIRY_MS = 800;
const res = (name: string) => ({ resourceNamespace: '', name });

interface OpenTelemetry {
  stream: ClientDuplexStream<TelemetryCommand, TelemetryCommand>;
  settingsAnswered: Promise<void>;
  ended: Promise<{ code: number }>;
}

function openTelemetry(client: MessagingServiceClient, clientId: string): OpenTelemetry {
  const stream = client.telemetry(clientMetadata(clientId));
  let answered: () => void = () => {};
  const settingsAnswered = new Promise<void>((r) => (answered = r));
  const ended = new Promise<{ code: number }>((resolve) => {
    stream.on('data', (cmd: TelemetryCommand) => {
      if (cmd.command?.$case === 'settings') answered();
    });
    stream.on('status', (s: { code: number }) => resolve({ code: s.code }));
    stream.on('error', () => {});
  });
  const settings = Settings.fromPartial({
    clientType: ClientType.PRODUCER,
    pubSub: { $case: 'publishing', publishing: { topics: [res('ExpiryOrders')], maxBodySize: 0, validateMessageType: true } },
  });
  stream.write({ status: undefined, command: { $case: 'settings', settings } });
  return { stream, settingsAnswered, ended };
}

describe('gRPC live-client registry: silent clients expire', () => {
  let h: Harness;
  let registry: ClientRegistry;
  let client: MessagingServiceClient;

  before(async () => {
    registry = new ClientRegistry({ expiryMs: EXPIRY_MS });
    h = await startHarness({ server: { clients: registry, settings: { clientSweepIntervalMs: 100 } } });
    await h.broker.createTopic({ name: 'ExpiryOrders', messageType: 'NORMAL', queueNums: 1 });
    client = rawClient(h.endpoint);
  });
  after(async () => {
    client?.close();
    await h?.close();
    registry?.close();
  });

  test('a client without heartbeats is dropped and its stream ended with OK; a heartbeating one stays', async () => {
    const silent = openTelemetry(client, 'silent-client');
    const alive = openTelemetry(client, 'alive-client');
    await Promise.all([silent.settingsAnswered, alive.settingsAnswered]);
    assert.equal(registry.size, 2);
    const beat = setInterval(() => {
      void call(client.heartbeat, client, { clientType: ClientType.PRODUCER, group: undefined }, clientMetadata('alive-client')).catch(() => {});
    }, 150);
    try {
      const { code } = await silent.ended;
      assert.equal(code, 0, 'ended with gRPC OK (an error status would crash the official client)');
      await waitFor(() => registry.size === 1, 'the silent client dropped', 5000);
      // Well past the expiry, the heartbeating client is still there with its stream open.
      await new Promise((r) => setTimeout(r, EXPIRY_MS * 2));
      assert.equal(registry.size, 1);
      assert.equal(h.server.telemetryStreams(), 1);
    } finally {
      clearInterval(beat);
      alive.stream.end();
      silent.stream.end();
    }
    assert.equal((await alive.ended).code, 0);
    await waitFor(() => registry.size === 0 && h.server.telemetryStreams() === 0, 'registry empty after the client closed', 5000);
    assert.ok(h.metrics.count('Heartbeat', 'OK') >= 3);
  });
});
