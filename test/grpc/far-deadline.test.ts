/**
 * The official Java client opens Telemetry with a 60-year deadline (grpc-timeout "525600H"). grpc-js's server
 * wraps such values into a tiny timer, which ended the stream at once (DEADLINE_EXCEEDED) and left transaction
 * producers unreachable for check-backs. Found by compat/java against Apogee.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { dropUnrepresentableDeadline, grpcTimeoutMs } from '../../src/protocol/grpc/deadline-clamp.js';
import { ClientType } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { TelemetryCommand } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { clientMetadata, rawClient, startHarness, waitFor, type Harness } from './support/harness.js';

const SIXTY_YEARS_MS = 60 * 365 * 24 * 3600 * 1000;

describe('far-future gRPC deadlines', () => {
  test('grpc-timeout values are read in every unit; only those past setTimeout range are dropped', () => {
    assert.equal(grpcTimeoutMs('525600H'), 525_600 * 3_600_000);
    assert.equal(grpcTimeoutMs('30S'), 30_000);
    assert.equal(grpcTimeoutMs('250m'), 250);
    assert.equal(grpcTimeoutMs('1x'), undefined);
    const far: Record<string, string> = { 'grpc-timeout': '525600H' };
    assert.equal(dropUnrepresentableDeadline(far), true);
    assert.equal(far['grpc-timeout'], undefined);
    const near: Record<string, string> = { 'grpc-timeout': '596H' }; // 24.8 days: still representable
    assert.equal(dropUnrepresentableDeadline(near), false);
    assert.equal(near['grpc-timeout'], '596H');
    const bad: Record<string, string> = { 'grpc-timeout': 'soon' }; // left for grpc-js to refuse
    assert.equal(dropUnrepresentableDeadline(bad), false);
  });

  describe('Telemetry opened with a 60-year deadline', () => {
    let h: Harness;
    let stream: ClientDuplexStream<TelemetryCommand, TelemetryCommand> | undefined;
    before(async () => {
      h = await startHarness();
      await h.broker.createTopic({ name: 'FarDeadline', messageType: 'TRANSACTION', queueNums: 1 });
    });
    after(async () => {
      stream?.cancel();
      await h?.close();
    });

    test('stays open after the Settings answer and keeps the producer reachable', async () => {
      const client = rawClient(h.endpoint);
      const received: TelemetryCommand[] = [];
      const errors: Error[] = [];
      stream = client.telemetry(clientMetadata('far-deadline-producer'), { deadline: Date.now() + SIXTY_YEARS_MS });
      stream.on('data', (c: TelemetryCommand) => received.push(c));
      stream.on('error', (e: Error) => errors.push(e));
      stream.write({
        status: undefined,
        command: {
          $case: 'settings',
          settings: {
            clientType: ClientType.PRODUCER,
            accessPoint: undefined,
            backoffPolicy: undefined,
            requestTimeout: { seconds: 3, nanos: 0 },
            pubSub: { $case: 'publishing', publishing: { topics: [{ name: 'FarDeadline', resourceNamespace: '' }], maxBodySize: 0, validateMessageType: true } },
            userAgent: undefined,
            metric: undefined,
          },
        },
      });
      await waitFor(() => received.some((c) => c.command?.$case === 'settings'), 'the Settings answer');
      // Before the fix the stream ended with DEADLINE_EXCEEDED within milliseconds of the answer.
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(errors.map((e) => e.message), []);
      assert.equal(h.server.telemetryStreams(), 1);
      assert.deepEqual(h.server.clients.producersForTopic('FarDeadline').map((c) => c.clientId), ['far-deadline-producer']);
      client.close();
    });
  });
});
