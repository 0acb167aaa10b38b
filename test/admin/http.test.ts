/** The admin HTTP API against a real spawned `apogee start`: routes, status codes, error bodies, /healthz, /metrics. */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { killSpawnedBrokers, removeTempDirs, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';

let broker: SpawnedBroker;

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(broker.adminUrl + path, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Asserts the `{error:{code,message}}` shape and returns the message. */
function expectError(a: Answer, status: number, code: string, message?: RegExp): void {
  assert.equal(a.status, status, a.text);
  const e = (a.body as { error?: { code?: unknown; message?: unknown } }).error;
  assert.ok(e, `error body expected, got ${a.text}`);
  assert.equal(e.code, code);
  assert.equal(typeof e.message, 'string');
  if (message) assert.match(e.message as string, message);
}

before(async () => {
  broker = await spawnBroker();
});
after(async () => {
  await killSpawnedBrokers();
  await removeTempDirs();
});

describe('admin HTTP', () => {
  it('serves /healthz with 200 while serving', async () => {
    const a = await call('GET', '/healthz');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, { status: 'serving' });
  });

  it('creates, reads, updates and deletes a topic', async () => {
    const created = await call('POST', '/api/topics', { name: 'H1', messageType: 'FIFO', queueNums: 3 });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(
      { ...(created.body as { topic: object }).topic, createdAt: 0 },
      { name: 'H1', messageType: 'FIFO', readQueueNums: 3, writeQueueNums: 3, perm: 6, createdAt: 0 },
    );
    const got = await call('GET', '/api/topics/H1');
    assert.equal(got.status, 200);
    assert.deepEqual((got.body as { queues: unknown[] }).queues, [0, 1, 2].map((queueId) => ({ queueId, minOffset: 0, maxOffset: 0 })));
    const updated = await call('PUT', '/api/topics/H1', { readQueueNums: 4, writeQueueNums: 4 });
    assert.equal(updated.status, 200, updated.text);
    assert.equal((updated.body as { topic: { readQueueNums: number } }).topic.readQueueNums, 4);
    const list = await call('GET', '/api/topics');
    assert.ok((list.body as { topics: Array<{ name: string }> }).topics.some((t) => t.name === 'H1'));
    assert.deepEqual((await call('DELETE', '/api/topics/H1')).body, { deleted: 'H1' });
    expectError(await call('GET', '/api/topics/H1'), 404, 'TOPIC_NOT_FOUND');
  });

  it('maps broker errors to statuses: 409 duplicate, 404 missing, 400 bad name', async () => {
    assert.equal((await call('POST', '/api/topics', { name: 'H2' })).status, 201);
    expectError(await call('POST', '/api/topics', { name: 'H2' }), 409, 'ALREADY_EXISTS', /H2/);
    expectError(await call('DELETE', '/api/topics/NoSuch'), 404, 'TOPIC_NOT_FOUND');
    expectError(await call('GET', '/api/groups/NoSuch'), 404, 'CONSUMER_GROUP_NOT_FOUND');
    expectError(await call('POST', '/api/topics', { name: 'has space' }), 400, 'ILLEGAL_TOPIC');
    expectError(await call('POST', '/api/topics', { name: 'x'.repeat(128) }), 400, 'ILLEGAL_TOPIC');
    expectError(await call('POST', '/api/groups', { name: '%DLQ%g' }), 400, 'ILLEGAL_CONSUMER_GROUP');
  });

  it('refuses bad JSON, unknown fields, wrong types, empty and oversized bodies with 4xx and an error body', async () => {
    expectError(await call('POST', '/api/topics', '{"name": '), 400, 'BAD_JSON', /not valid JSON/);
    expectError(await call('POST', '/api/topics', ''), 400, 'BAD_JSON', /empty/);
    expectError(await call('POST', '/api/topics', { name: 'H3', colour: 'red' }), 400, 'BAD_REQUEST', /unknown field "colour"/);
    expectError(await call('POST', '/api/topics', { name: 'H3', messageType: 'WEIRD' }), 400, 'BAD_REQUEST', /field "messageType"/);
    expectError(await call('POST', '/api/topics', { name: 'H3', queueNums: 0 }), 400, 'BAD_REQUEST', /field "queueNums"/);
    expectError(await call('POST', '/api/topics', [1, 2]), 400, 'BAD_REQUEST');
    expectError(await call('POST', '/api/groups', { name: 'g', retryPolicy: { kind: 'exponential', initialMs: 1 } }), 400, 'BAD_REQUEST', /retryPolicy/);
    expectError(await call('POST', '/api/topics', { name: 'H3' }, { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Larger than any accepted body (4 MiB message as base64 plus slack).
    const huge = JSON.stringify({ name: 'H3', pad: 'x'.repeat(6 * 1024 * 1024) });
    expectError(await call('POST', '/api/topics', huge), 413, 'PAYLOAD_TOO_LARGE');
    // The same without a content-length (chunked): refused while reading, and the answer still arrives.
    const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: broker.http.host, port: broker.http.port, path: '/api/topics', method: 'POST', headers: { 'content-type': 'application/json' } },
        (r) => {
          let text = '';
          r.setEncoding('utf8').on('data', (d: string) => (text += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      const piece = Buffer.alloc(256 * 1024, 0x20);
      for (let i = 0; i < 24; i++) req.write(piece);
      req.end();
    });
    assert.equal(chunked.status, 413, chunked.text);
    assert.match(chunked.text, /PAYLOAD_TOO_LARGE/);
    assert.equal((await call('GET', '/api/topics/H3')).status, 404, 'nothing was created by refused requests');
  });

  it('answers 404 for unknown routes and 405 with Allow for a wrong method', async () => {
    expectError(await call('GET', '/api/nothing'), 404, 'ROUTE_NOT_FOUND');
    const a = await call('PATCH', '/api/topics');
    expectError(a, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(a.headers.get('allow'), 'GET, POST');
  });

  it('decodes percent-encoded names (RocketMQ names may hold % and |)', async () => {
    assert.equal((await call('POST', '/api/topics', { name: 'ns%a|b' })).status, 201);
    const a = await call('GET', `/api/topics/${encodeURIComponent('ns%a|b')}`);
    assert.equal(a.status, 200, a.text);
    expectError(await call('GET', '/api/topics/%E0%A4%A'), 400, 'BAD_REQUEST', /percent-encoding/);
  });

  it('sends, gets and queries messages with base64 bodies and a utf8 preview', async () => {
    assert.equal((await call('POST', '/api/topics', { name: 'HM', queueNums: 1 })).status, 201);
    const raw = Buffer.from([0xff, 0x00, 0x41, 0x42]);
    const sent = await call('POST', '/api/topics/HM/messages', { body: raw.toString('base64'), bodyEncoding: 'base64', keys: ['k-1'], tag: 't' });
    assert.equal(sent.status, 201, sent.text);
    const id = (sent.body as { result: { messageId: string } }).result.messageId;
    const got = await call('GET', `/api/messages/${encodeURIComponent(id)}`);
    assert.equal(got.status, 200, got.text);
    const m = (got.body as { messages: Array<{ body: string; bodyPreview: string; bodySize: number; keys: string[]; tag: string; bornHost: string }> }).messages[0]!;
    assert.deepEqual(Buffer.from(m.body, 'base64'), raw);
    assert.equal(m.bodyPreview, '\uFFFD\u0000AB');
    assert.equal(m.bodySize, 4);
    assert.deepEqual(m.keys, ['k-1']);
    assert.equal(m.tag, 't');
    assert.match(m.bornHost, /^127\.0\.0\.1:\d+$/);
    const q = await call('GET', '/api/messages?topic=HM&key=k-1');
    assert.equal((q.body as { messages: unknown[] }).messages.length, 1);
    expectError(await call('GET', '/api/messages?topic=HM'), 400, 'BAD_REQUEST', /key/);
    expectError(await call('GET', '/api/messages?topic=HM&key=k&max=1000'), 400, 'BAD_REQUEST', /max/);
    expectError(await call('GET', '/api/messages/unknown-id'), 404, 'MESSAGE_NOT_FOUND');
    expectError(await call('POST', '/api/topics/HM/messages', { body: '' }), 400, 'MESSAGE_BODY_EMPTY');
    expectError(await call('POST', '/api/topics/HM/messages', { body: '!!', bodyEncoding: 'base64' }), 400, 'BAD_REQUEST', /base64/);
  });

  it('resets offsets and refuses a bad target', async () => {
    assert.equal((await call('POST', '/api/groups', { name: 'HG' })).status, 201);
    const r = await call('POST', '/api/groups/HG/reset-offset', { topic: 'HM', to: 'latest' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((r.body as { queues: unknown }).queues, [{ queueId: 0, offset: 1 }]);
    expectError(await call('POST', '/api/groups/HG/reset-offset', { topic: 'HM', to: 'soon' }), 400, 'BAD_REQUEST', /"to"/);
    expectError(await call('POST', '/api/groups/HG/reset-offset', { to: 'latest' }), 400, 'BAD_REQUEST', /topic/);
  });

  it('reports status', async () => {
    const s = await call('GET', '/api/status');
    assert.equal(s.status, 200);
    const body = s.body as { state: string; http: { port: number }; store: { commitLogMaxOffset: number }; recovery: { crashed: boolean } };
    assert.equal(body.state, 'serving');
    assert.equal(body.http.port, broker.http.port);
    assert.equal(body.recovery.crashed, false);
  });

  it('exposes Prometheus metrics: appends per topic, flush latency, commit-log size, consumer lag', async () => {
    assert.equal((await call('POST', '/api/topics', { name: 'HX', queueNums: 1 })).status, 201);
    for (let i = 0; i < 3; i++) assert.equal((await call('POST', '/api/topics/HX/messages', { body: `m${i}` })).status, 201);
    assert.equal((await call('POST', '/api/groups', { name: 'HXG' })).status, 201);
    assert.equal((await call('POST', '/api/groups/HXG/reset-offset', { topic: 'HX', to: 'earliest' })).status, 200);

    const m = await call('GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(m.text, /^apogee_messages_appended_total\{topic="HX"\} 3$/m);
    const bytes = /^apogee_bytes_appended_total\{topic="HX"\} (\d+)$/m.exec(m.text);
    assert.ok(bytes && Number(bytes[1]) > 6, 'record bytes counted');
    assert.match(m.text, /^# TYPE apogee_flush_duration_seconds histogram$/m);
    assert.match(m.text, /^apogee_flush_duration_seconds_count [1-9]\d*$/m);
    const size = /^apogee_commitlog_size_bytes (\d+)$/m.exec(m.text);
    assert.ok(size && Number(size[1]) > 0, 'commit-log size reported');
    assert.match(m.text, /^apogee_consumer_lag\{group="HXG",topic="HX"\} 3$/m);
  });

  it('answers a HEAD request without a body', async () => {
    const res = await new Promise<{ status: number; length: number }>((resolve, reject) => {
      const req = httpRequest({ host: broker.http.host, port: broker.http.port, path: '/healthz', method: 'HEAD' }, (r) => {
        let n = 0;
        r.on('data', (d: Buffer) => (n += d.length));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, length: n }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(res, { status: 200, length: 0 });
  });
});
