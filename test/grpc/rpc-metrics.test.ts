/**
 * Per-RPC metrics on the admin /metrics of a broker started with startBroker: a count per RPC and v2 code, a
 * latency histogram per RPC, and the in-flight gauge — fed by real calls of the official client.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Producer } from 'rocketmq-client-nodejs';
import { startBroker, type RunningBroker } from '../../src/app.js';
import { Code } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { silentLogger } from '../../src/util/logger.js';
import { call, rawClient } from './support/harness.js';
import { officialProducer } from './support/official.js';

const TOPIC = 'MetricOrders';

/** The value of one sample line of the Prometheus text (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !(want.length === 0 && line.startsWith(`${name} `))) continue;
    const inner = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    const have = inner.split(',');
    if (want.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('gRPC metrics on /metrics', () => {
  let dir: string;
  let b: RunningBroker;
  let producer: Producer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apogee-rpc-metrics-'));
    b = await startBroker({ dataDir: dir, grpcPort: 0, httpPort: 0, namesrvPort: 0, remotingPort: 0, flush: 'async', logger: silentLogger() });
    await b.broker.createTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 2 });
    producer = officialProducer(`${b.grpcEndpoint.host}:${b.grpcEndpoint.port}`, TOPIC);
    await producer.startup();
  });
  after(async () => {
    await producer?.shutdown().catch(() => {});
    await b?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('count per RPC and code, latency histogram per RPC, in-flight gauge', async () => {
    for (let i = 0; i < 3; i++) await producer.send({ topic: TOPIC, body: Buffer.from(`m${i}`) });
    const raw = rawClient(`${b.grpcEndpoint.host}:${b.grpcEndpoint.port}`);
    try {
      const r = await call(raw.queryRoute, raw, { topic: { resourceNamespace: '', name: 'NoSuchTopic' }, endpoints: undefined });
      assert.equal(r.status?.code, Code.TOPIC_NOT_FOUND);
    } finally {
      raw.close();
    }
    const res = await fetch(`http://${b.httpEndpoint.host}:${b.httpEndpoint.port}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(sample(text, 'apogee_grpc_requests_total', { rpc: 'SendMessage', code: 'OK' }), 3, text);
    assert.equal(sample(text, 'apogee_grpc_requests_total', { rpc: 'QueryRoute', code: 'TOPIC_NOT_FOUND' }), 1);
    assert.ok((sample(text, 'apogee_grpc_requests_total', { rpc: 'QueryRoute', code: 'OK' }) ?? 0) >= 1, 'the producer looked its route up');
    assert.equal(sample(text, 'apogee_grpc_request_duration_seconds_count', { rpc: 'SendMessage' }), 3);
    assert.equal(sample(text, 'apogee_grpc_request_duration_seconds_bucket', { rpc: 'SendMessage', le: '+Inf' }), 3);
    const sum = sample(text, 'apogee_grpc_request_duration_seconds_sum', { rpc: 'SendMessage' });
    assert.ok(sum !== undefined && sum > 0 && sum < 30, `latency sum ${sum}`);
    assert.equal(sample(text, 'apogee_grpc_requests_in_flight', {}), 0);
  });
});
