/**
 * The admin port serves the web console: content types, ETag revalidation, index.html for page URLs, 404 for a
 * missing asset, no way out of the console directory, the API untouched, and the admin token.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBrokerMetrics } from '../../src/admin/metrics.js';
import { startAdminServer, type AdminServerHandle } from '../../src/admin/server.js';
import type { StatusReport } from '../../src/admin/status.js';
import { silentLogger } from '../../src/util/logger.js';

const status = (): StatusReport => ({ state: 'serving', version: 't', brokerName: 'b', dataDir: '/d', flush: 'sync', startedAt: 0, uptimeMs: 0 });
const SECRET = 'secret outside the console directory';

let dir: string;
let server: AdminServerHandle;
let guarded: AdminServerHandle;
let builtConsole: AdminServerHandle;
let base: string;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path sent exactly as given (fetch would normalise `..` away). */
function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apogee-console-static-'));
  const root = join(dir, 'console');
  await mkdir(join(root, 'assets', 'app'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(root, 'assets', 'app', 'main.js'), 'export const x = 1;\n');
  await writeFile(join(root, 'assets', 'style.css'), 'body{}\n');
  await writeFile(join(dir, 'secret.txt'), SECRET);
  const common = { host: '127.0.0.1', port: 0, logger: silentLogger(), target: { state: () => 'serving' as const, broker: () => undefined, status } };
  server = await startAdminServer({ ...common, metrics: createBrokerMetrics({ storeStats: () => undefined, broker: () => undefined }), consoleDir: root });
  guarded = await startAdminServer({
    ...common,
    metrics: createBrokerMetrics({ storeStats: () => undefined, broker: () => undefined }),
    consoleDir: root,
    adminToken: 'right-token',
  });
  builtConsole = await startAdminServer({ ...common, metrics: createBrokerMetrics({ storeStats: () => undefined, broker: () => undefined }) });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await Promise.all([server?.close(), guarded?.close(), builtConsole?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('web console files on the admin port', () => {
  it('serves index.html at / and for every page URL, with HTML content type and revalidation headers', async () => {
    for (const path of ['/', '/topics', '/groups/g1', '/messages/0102FC?x=1', '/dead-letters/a%20b']) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(res.headers.get('etag') ?? '', /^"[\w-]+"$/);
      assert.equal(await res.text(), '<!doctype html><title>console</title>');
    }
  });

  it('serves assets with their content types and answers 304 to a matching If-None-Match', async () => {
    const js = await fetch(base + '/assets/app/main.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await js.text(), 'export const x = 1;\n');
    const css = await fetch(base + '/assets/style.css');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const etag = css.headers.get('etag')!;
    const again = await fetch(base + '/assets/style.css', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    assert.equal((await fetch(base + '/assets/style.css', { headers: { 'if-none-match': '"other"' } })).status, 200);
    const head = await raw(server.port, '/assets/app/main.js', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('answers 404 for a missing asset instead of the page', async () => {
    const res = await fetch(base + '/assets/app/nope.js');
    assert.equal(res.status, 404);
    assert.match(await res.text(), /no such console file/);
    assert.equal((await fetch(base + '/assets/app')).status, 404, 'a directory is not a file');
  });

  it('never leaves the console directory', async () => {
    assert.equal((await raw(server.port, '/assets/..%2f..%2fsecret.txt')).status, 400, 'an encoded slash cannot smuggle a .. segment');
    for (const path of ['/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/../secret.txt', '/assets/%5c..%5c..%5csecret.txt', '/assets/x%00.js', '/assets/%zz']) {
      const res = await raw(server.port, path);
      // Plain `..` segments are resolved by URL parsing first (the page then gets index.html); encoded ones are refused.
      assert.ok(res.status === 400 || res.status === 404 || (res.status === 200 && res.body.includes('<title>console</title>')), `${path}: ${res.status}`);
      assert.ok(!res.body.includes(SECRET), `${path} leaked the file`);
    }
  });

  it('leaves the API alone: unknown API paths stay JSON 404s, non-GET page URLs are refused', async () => {
    const api = await fetch(base + '/api/nope');
    assert.equal(api.status, 404);
    assert.equal(api.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'ROUTE_NOT_FOUND');
    assert.equal((await fetch(base + '/healthz')).status, 200);
    assert.equal((await fetch(base + '/topics', { method: 'POST' })).status, 404);
  });

  it('guards /api/ with the admin token (401 in words) and not the console files', async () => {
    const g = `http://127.0.0.1:${guarded.port}`;
    const refused = await fetch(g + '/api/status');
    assert.equal(refused.status, 401);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'UNAUTHORIZED');
    assert.match(body.error.message, /admin token required/);
    assert.equal((await fetch(g + '/api/status', { headers: { authorization: 'Bearer wrong-token' } })).status, 401);
    assert.equal((await fetch(g + '/api/status', { headers: { authorization: 'Bearer right-token' } })).status, 200);
    assert.equal((await fetch(g + '/')).status, 200);
    assert.equal((await fetch(g + '/healthz')).status, 200);
  });

  it('serves the console built by npm run build, vendor modules included', async () => {
    const b = `http://127.0.0.1:${builtConsole.port}`;
    const html = await (await fetch(b + '/')).text();
    assert.match(html, /<script type="importmap">/);
    for (const path of ['/assets/app/main.js', '/assets/vendor/preact.module.js', '/assets/vendor/hooks.module.js', '/assets/vendor/jsxRuntime.module.js', '/assets/vendor/uPlot.esm.js']) {
      const res = await fetch(b + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8', path);
      assert.doesNotMatch(await res.text(), /sourceMappingURL/, `${path} points at a map that is not shipped`);
    }
    assert.equal((await fetch(b + '/assets/vendor/uPlot.min.css')).headers.get('content-type'), 'text/css; charset=utf-8');
  });
});
