/**
 * GET /api/clients on a running broker: the console's connected-clients view lists classic clients from their
 * remoting heartbeats (one row per declared group) and gRPC clients from the live-client registry.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startBroker, type RunningBroker } from '../../src/app.js';
import { Producer } from '../../src/client/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { officialProducer } from '../grpc/support/official.js';

let dir: string;
let broker: RunningBroker;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apogee-clients-'));
  broker = await startBroker({ dataDir: dir, grpcPort: 0, httpPort: 0, namesrvPort: 0, remotingPort: 0, flush: 'async', logger: silentLogger() });
  await broker.broker.createTopic({ name: 'ClientsTopic', messageType: 'NORMAL' });
});
after(async () => {
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

it('lists remoting producers by group and gRPC clients, with their addresses', async () => {
  const ns = broker.namesrvEndpoint!;
  const sdk = new Producer({ producerGroup: 'pg-console-view', namesrvAddr: `${ns.host}:${ns.port}` });
  const grpc = officialProducer(`${broker.grpcEndpoint.host}:${broker.grpcEndpoint.port}`, 'ClientsTopic');
  try {
    await sdk.start();
    await sdk.send({ topic: 'ClientsTopic', body: Buffer.from('x') });
    await grpc.startup();
    const res = await fetch(`http://${broker.httpEndpoint.host}:${broker.httpEndpoint.port}/api/clients`);
    const body = (await res.json()) as { reported: boolean; clients: Array<{ protocol: string; role: string; group?: string; address?: string }> };
    assert.equal(body.reported, true);
    const remoting = body.clients.filter((c) => c.protocol === 'remoting');
    assert.ok(remoting.some((c) => c.role === 'producer' && c.group === 'pg-console-view' && /^127\.0\.0\.1:\d+$/.test(c.address ?? '')), JSON.stringify(body.clients));
    assert.ok(body.clients.some((c) => c.protocol === 'grpc' && c.role === 'producer'), JSON.stringify(body.clients));
  } finally {
    await sdk.shutdown();
    await grpc.shutdown();
  }
});
