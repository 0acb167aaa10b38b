/**
 * Browser tests of the web console: a real broker in this process (free ports, temp data dir), Debian's Chromium
 * driven by playwright-core (which downloads nothing), and a page that fails the test on any console error.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker, type RunningBroker } from '../../src/app.js';
import { silentLogger } from '../../src/util/logger.js';

/**
 * Where each test leaves its screenshot: a temp dir, so that `npm test` leaves the work tree clean; with
 * APOGEE_CONSOLE_SCREENSHOTS=docs the run refreshes docs/console/ for docs/console.md.
 */
export const SCREENSHOT_DIR =
  process.env.APOGEE_CONSOLE_SCREENSHOTS === 'docs'
    ? fileURLToPath(new URL('../../../docs/console/', import.meta.url))
    : join(tmpdir(), 'apogee-console-screenshots');

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** CHROMIUM_PATH, else Debian's chromium; a missing browser fails loudly (never a silent skip). */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium found (tried ${CHROMIUM_CANDIDATES.join(', ')}); install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH`);
  return found;
}

export interface ConsoleBroker {
  /** Replaceable: a test that restarts the broker puts the new one here so close() stops it. */
  broker: RunningBroker;
  /** http://127.0.0.1:<admin port> */
  url: string;
  /** 127.0.0.1:<grpc port> for the official client. */
  grpc: string;
  close(): Promise<void>;
}

export async function startConsoleBroker(
  options: { transaction?: { checkImmunityMs?: number; checkIntervalMs?: number; maxChecks?: number; scanIntervalMs?: number }; auth?: { enabled: boolean; adminToken: string } } = {},
): Promise<ConsoleBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'apogee-console-'));
  const broker = await startBroker({
    dataDir,
    host: '127.0.0.1',
    grpcPort: 0,
    httpPort: 0,
    namesrvPort: 0,
    remotingPort: 0,
    flush: 'async',
    logger: silentLogger(),
    ...(options.transaction ? { transaction: options.transaction } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
  });
  const handle: ConsoleBroker = {
    broker,
    url: `http://127.0.0.1:${broker.httpEndpoint.port}`,
    grpc: `127.0.0.1:${broker.grpcEndpoint.port}`,
    async close() {
      await handle.broker.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

export interface ConsoleBrowser {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  /** Fails if the page logged an error since the last call (messages matching `allowed` excepted), then clears. */
  assertNoErrors(allowed?: RegExp): void;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openConsole(): Promise<ConsoleBrowser> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1180, height: 760 }, deviceScaleFactor: 1, timezoneId: 'UTC', locale: 'en-GB' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    browser,
    page,
    errors,
    assertNoErrors(allowed?: RegExp): void {
      const bad = errors.filter((e) => !(allowed && allowed.test(e)));
      errors.length = 0;
      assert.deepEqual(bad, [], 'the page logged errors');
    },
    async screenshot(name: string): Promise<void> {
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
    },
    async close(): Promise<void> {
      await browser.close();
    },
  };
}

/** Polls `cond` until true or the deadline (then throws naming `what`). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function adminJson<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
