/** /healthz and /api/* follow the lifecycle: 503 while starting or stopping, 200 only while serving. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createBrokerMetrics } from '../../src/admin/metrics.js';
import { startAdminServer, type AdminServerHandle } from '../../src/admin/server.js';
import type { LifecycleState, StatusReport } from '../../src/admin/status.js';
import { silentLogger } from '../../src/util/logger.js';

let server: AdminServerHandle | undefined;
after(async () => {
  await server?.close();
});

describe('admin lifecycle answers', () => {
  it('answers 503 on /healthz and /api while starting or stopping; /metrics and /api/status always', async () => {
    let state: LifecycleState = 'starting';
    const status = (): StatusReport => ({ state, version: 't', brokerName: 'b', dataDir: '/d', flush: 'sync', startedAt: 0, uptimeMs: 0 });
    server = await startAdminServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      target: { state: () => state, broker: () => undefined, status },
      metrics: createBrokerMetrics({ storeStats: () => undefined, broker: () => undefined }),
    });
    const base = `http://127.0.0.1:${server.port}`;

    for (const s of ['starting', 'stopping'] as const) {
      state = s;
      const h = await fetch(`${base}/healthz`);
      assert.equal(h.status, 503);
      assert.deepEqual(await h.json(), { status: s });
      const api = await fetch(`${base}/api/topics`);
      assert.equal(api.status, 503);
      assert.equal(api.headers.get('retry-after'), '1');
      assert.deepEqual(await api.json(), { error: { code: 'UNAVAILABLE', message: `broker is ${s}` } });
      const st = await fetch(`${base}/api/status`);
      assert.equal(st.status, 200);
      assert.equal(((await st.json()) as { state: string }).state, s);
      assert.equal((await fetch(`${base}/metrics`)).status, 200);
    }

    await server.close();
    await server.close(); // idempotent
    await assert.rejects(fetch(`${base}/healthz`));
  });
});
