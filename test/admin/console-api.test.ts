/**
 * The admin routes the web console adds: rate history (a bounded ring sampled off a timer), per-topic and
 * per-group summaries, a group's dead letters, and the clients hook. Against a real in-process broker.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RateHistory } from '../../src/admin/history.js';
import { createBrokerMetrics } from '../../src/admin/metrics.js';
import { startBroker, type RunningBroker } from '../../src/app.js';
import { silentLogger } from '../../src/util/logger.js';

let dataDir: string;
let broker: RunningBroker;
let base: string;

async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(base + path, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as T };
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'apogee-console-api-'));
  broker = await startBroker({ dataDir, grpcPort: 0, httpPort: 0, namesrvPort: 0, remotingPort: 0, flush: 'async', logger: silentLogger() });
  base = `http://127.0.0.1:${broker.httpEndpoint.port}`;
});
after(async () => {
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('console API', () => {
  it('reports send rates in the history (live point) and per topic, and counts messages per topic', async () => {
    assert.equal((await call('POST', '/api/topics', { name: 'CaOrders', queueNums: 2 })).status, 201);
    for (let i = 0; i < 6; i++) assert.equal((await call('POST', '/api/topics/CaOrders/messages', { body: `m${i}` })).status, 201);
    await new Promise((r) => setTimeout(r, 300)); // the live point needs a quarter second since the last sample
    const h = await call<{ intervalMs: number; capacity: number; points: Array<{ t: number; sendRate: number }>; topics: Record<string, { appended: number }> }>('GET', '/api/stats/history');
    assert.equal(h.status, 200);
    assert.equal(h.json.intervalMs, 5000);
    assert.ok(h.json.capacity * h.json.intervalMs >= 15 * 60_000, 'at least 15 minutes kept');
    assert.ok(h.json.points.some((p) => p.sendRate > 0), JSON.stringify(h.json.points));
    assert.equal(h.json.topics.CaOrders?.appended, 6);

    const t = await call<{ topics: Array<{ name: string; messages: number; appended: number; system: boolean }> }>('GET', '/api/stats/topics');
    const row = t.json.topics.find((x) => x.name === 'CaOrders');
    assert.deepEqual([row?.messages, row?.appended, row?.system], [6, 6, false]);
  });

  it('summarises groups with lag and lists, pages and resends their dead letters', async () => {
    await call('POST', '/api/topics', { name: 'CaPay', queueNums: 1 });
    await call('POST', '/api/groups', { name: 'CaLedger', maxDeliveryAttempts: 1 });
    const empty = await call<{ messages: unknown[] }>('GET', '/api/groups/CaLedger/dead-letters');
    assert.deepEqual(empty.json.messages, [], 'no %DLQ% topic yet: empty, not an error');
    for (let i = 0; i < 3; i++) await call('POST', '/api/topics/CaPay/messages', { body: `poison-${i}`, keys: [`p${i}`] });
    const b = broker.broker;
    const got = await b.receive({ group: 'CaLedger', topic: 'CaPay', maxMessages: 8, invisibleDurationMs: 200, pollTimeoutMs: 0 });
    assert.equal(got.length, 3);
    await waitFor(async () => {
      await b.receive({ group: 'CaLedger', topic: 'CaPay', maxMessages: 8, invisibleDurationMs: 200, pollTimeoutMs: 0 });
      return b.describeGroup('CaLedger').deadLettered === 3;
    }, 'three dead letters');

    const groups = await call<{ groups: Array<{ name: string; lag: number; deadLettered: number; topics: string[] }> }>('GET', '/api/stats/groups');
    const g = groups.json.groups.find((x) => x.name === 'CaLedger');
    assert.deepEqual([g?.lag, g?.deadLettered, g?.topics], [0, 3, ['CaPay']]);

    type Page = { topic: string; messages: Array<{ messageId: string; bodyPreview: string }>; minOffset: number; maxOffset: number; nextOffset: number };
    const first = await call<Page>('GET', '/api/groups/CaLedger/dead-letters?max=2');
    assert.equal(first.json.topic, '%DLQ%CaLedger');
    assert.equal(first.json.messages.length, 2);
    assert.deepEqual([first.json.minOffset, first.json.maxOffset, first.json.nextOffset], [0, 3, 2]);
    const second = await call<Page>('GET', '/api/groups/CaLedger/dead-letters?offset=2&max=2');
    assert.equal(second.json.messages.length, 1);
    const bodies = [...first.json.messages, ...second.json.messages].map((m) => m.bodyPreview).sort();
    assert.deepEqual(bodies, ['poison-0', 'poison-1', 'poison-2']);

    const resent = await call<{ result: { topic: string } }>('POST', `/api/groups/CaLedger/dead-letters/${second.json.messages[0]!.messageId}/resend`, {});
    assert.equal(resent.status, 201);
    assert.equal(resent.json.result.topic, 'CaPay');

    assert.equal((await call('GET', '/api/groups/NoSuchGroup/dead-letters')).status, 404);
    const bad = await call<{ error: { code: string; message: string } }>('GET', '/api/groups/CaLedger/dead-letters?max=0');
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /max/);
  });

  it('reports the connected clients (none here: this test talks HTTP only)', async () => {
    assert.deepEqual((await call('GET', '/api/clients')).json, { reported: true, clients: [] });
  });
});

describe('RateHistory', () => {
  it('keeps at most `capacity` points of per-second rates, oldest first, excluding system topics from the send rate', async () => {
    let now = 1_000_000;
    const metrics = createBrokerMetrics({ storeStats: () => undefined, broker: () => undefined });
    const h = new RateHistory(metrics.registry, 1000, 3, () => now);
    await h.sample(); // baseline
    for (let i = 1; i <= 5; i++) {
      for (let k = 0; k < i * 10; k++) metrics.storeSink.appended('T', 100);
      metrics.storeSink.appended('%RETRY%g', 100);
      metrics.consumptionSink.acked('g', 'T');
      metrics.storeSink.flushed(2, 1);
      now += 1000;
      await h.sample();
    }
    const snap = await h.snapshot();
    assert.deepEqual(snap.points.map((p) => [p.t, p.sendRate, p.consumeRate, p.flushMs]), [
      [1_003_000, 30, 1, 2],
      [1_004_000, 40, 1, 2],
      [1_005_000, 50, 1, 2],
    ]);
    assert.deepEqual(snap.topics.T, { appended: 150, rate: 50 });
    assert.deepEqual(snap.topics['%RETRY%g'], { appended: 5, rate: 1 });
  });
});
