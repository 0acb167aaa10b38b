/**
 * Fuzzes the admin HTTP API: every route pattern with its parameters replaced by real names or nasty strings,
 * random methods, query strings, content types and bodies (valid JSON damaged, wrong shapes, random bytes).
 * Every request must get an HTTP status; the caller decides which statuses are findings (5xx are).
 */
import { request } from 'node:http';
import type { FuzzTargets } from './grpc-fuzzer.js';
import { mutateBytes, runPool, Tally, type Random } from './mutate.js';

/** The admin API's routes with their methods (src/admin/routes/), plus one that does not exist. */
const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/healthz'],
  ['GET', '/metrics'],
  ['GET', '/api/status'],
  ['GET', '/api/topics'],
  ['POST', '/api/topics'],
  ['GET', '/api/topics/:topic'],
  ['PUT', '/api/topics/:topic'],
  ['DELETE', '/api/topics/:topic'],
  ['POST', '/api/topics/:topic/messages'],
  ['GET', '/api/groups'],
  ['POST', '/api/groups'],
  ['GET', '/api/groups/:group'],
  ['PUT', '/api/groups/:group'],
  ['DELETE', '/api/groups/:group'],
  ['POST', '/api/groups/:group/reset-offset'],
  ['POST', '/api/groups/:group/dead-letters/:id/resend'],
  ['GET', '/api/messages'],
  ['GET', '/api/messages/:id'],
  ['GET', '/api/transactions'],
  ['GET', '/api/transactions/given-up'],
  ['POST', '/api/transactions/given-up/:id/resend'],
  ['POST', '/api/transactions/:id/commit'],
  ['POST', '/api/transactions/:id/rollback'],
  ['GET', '/nope'],
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
const BODIES: readonly unknown[] = [
  { name: 'FuzzCreated', messageType: 'NORMAL', queueNums: 2 },
  { name: 'FuzzCreated', messageType: 'NOPE', queueNums: -1 },
  { to: 'earliest' },
  { to: 'timestamp', timestamp: 'soon' },
  { body: 'hello', tag: 'T', keys: ['k'], properties: { a: 'b' } },
  { name: 'g', consumeFromWhere: 'latest', maxDeliveryAttempts: 1e12 },
  [],
  null,
  'text',
  { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } },
];

export async function fuzzHttp(baseUrl: string, targets: FuzzTargets & { protectedTopics: readonly string[] }, random: Random, count: number, parallel = 16): Promise<Tally> {
  const url = new URL(baseUrl);
  const tally = new Tally();
  await runPool(count, parallel, async () => {
    const [routeMethod, pattern] = random.pick(ROUTES);
    // Mostly the route's own method, so requests get past the router into the handlers.
    const method = random.int(4) === 0 ? random.pick(METHODS) : routeMethod;
    const path = fillPath(pattern, method, targets, random) + query(random);
    let body: Buffer | undefined;
    if (method !== 'GET' && method !== 'HEAD' && random.int(4) > 0) {
      body = Buffer.from(JSON.stringify(random.pick(BODIES)) ?? '');
      if (random.int(2) === 0) body = mutateBytes(body, random);
    }
    const contentType = random.pick(['application/json', 'application/json; charset=utf-8', 'text/plain', '', 'application/x-www-form-urlencoded']);
    const [status, detail] = await send(url, method, path, body, contentType);
    tally.add(`${method}:${status}`, `${method} ${path.slice(0, 120)} ${detail}`);
  });
  return tally;
}

function fillPath(pattern: string, method: string, t: FuzzTargets & { protectedTopics: readonly string[] }, random: Random): string {
  return pattern.replace(/:(\w+)/g, (_m, name: string) => {
    let v: string;
    if (random.int(3) === 0) v = random.nastyString();
    else if (name === 'topic') v = random.pick(t.topics);
    else if (name === 'group') v = t.group;
    else v = random.int(1e9).toString(16);
    // The seeded topics are what the test reads back afterwards: a fuzzed DELETE must not remove them.
    if (method === 'DELETE' && t.protectedTopics.includes(v)) v = 'FuzzCreated';
    if (random.int(4) === 0) return v.replace(/[\s#?]/g, '');
    try {
      return encodeURIComponent(v);
    } catch {
      return 'lone-surrogate'; // encodeURIComponent refuses unpaired surrogates
    }
  });
}

function query(random: Random): string {
  if (random.int(2) === 0) return '';
  const keys = ['max', 'topic', 'key', 'group', 'offset', 'x'];
  const parts: string[] = [];
  for (let i = random.int(3); i >= 0; i--) {
    // Percent-encoded bytes, sometimes not valid UTF-8 (the server's URI decoding must cope).
    const raw = random.int(3) === 0 ? random.bytes(random.int(16)) : Buffer.from(random.nastyString().slice(0, 200));
    parts.push(`${random.pick(keys)}=${[...raw].map((x) => '%' + x.toString(16).padStart(2, '0')).join('')}`);
  }
  return '?' + parts.join('&');
}

function send(url: URL, method: string, path: string, body: Buffer | undefined, contentType: string): Promise<[number | string, string]> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = {};
    if (body) headers['content-length'] = body.length;
    if (body && contentType) headers['content-type'] = contentType;
    let req: ReturnType<typeof request>;
    try {
      req = request({ host: url.hostname, port: url.port, method, path, headers, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve([res.statusCode ?? 'none', '']));
        res.on('error', (err) => resolve(['reset', err.message]));
      });
    } catch {
      // Node's client refuses some paths (control characters) before sending: nothing reached the broker.
      resolve(['not-sent', '']);
      return;
    }
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      // Past Node's 16 KiB header limit the server answers 431 and closes at once; a client still writing its
      // request line may see the reset before the answer. That is the limit working, not a broker fault.
      if (path.length > 16 * 1024 && /ECONNRESET|EPIPE/.test(err.message)) resolve(['431-reset', err.message]);
      else resolve([/timeout/.test(err.message) ? 'timeout' : 'client-error', err.message]);
    });
    req.end(body);
  });
}
