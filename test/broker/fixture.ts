/** Opens a real store + broker on a temp dir for broker tests; reopen simulates a restart. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import type { BrokerOptions } from '../../src/broker/options.js';
import { openMessageStore } from '../../src/store/index.js';
import type { MessageStore, StoreOptions } from '../../src/store/types.js';
import { silentLogger } from '../../src/util/logger.js';

export interface BrokerFixture {
  dir: string;
  store: MessageStore;
  broker: Broker;
  /** Clean close and open again on the same data dir; `whileClosed` runs in between (e.g. to delete a file). */
  restart(whileClosed?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function openBrokerFixture(
  brokerOptions: Partial<BrokerOptions> = {},
  storeOptions: Partial<StoreOptions> = {},
): Promise<BrokerFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'apogee-broker-'));
  const logger = silentLogger();
  const open = async (): Promise<{ store: MessageStore; broker: Broker }> => {
    const store = await openMessageStore({ dataDir: dir, flushMode: 'async', asyncFlushIntervalMs: 50, logger, ...storeOptions });
    const broker = await Broker.open({ store, dataDir: dir, logger, ...brokerOptions });
    return { store, broker };
  };
  let cur = await open();
  let closed = false;
  const fx: BrokerFixture = {
    dir,
    get store() {
      return cur.store;
    },
    get broker() {
      return cur.broker;
    },
    async restart(whileClosed?: () => Promise<void>) {
      await cur.broker.close();
      await cur.store.close();
      await whileClosed?.();
      cur = await open();
    },
    async close() {
      if (closed) return;
      closed = true;
      await cur.broker.close();
      await cur.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fx;
}

/** Opens store + broker on an existing data dir (e.g. one a killed child process wrote), without owning the dir. */
export async function openBrokerAt(
  dir: string,
  flushMode: StoreOptions['flushMode'],
): Promise<{ broker: Broker; close: () => Promise<void> }> {
  const logger = silentLogger();
  const store = await openMessageStore({ dataDir: dir, flushMode, logger });
  const broker = await Broker.open({ store, dataDir: dir, logger });
  return {
    broker,
    close: async () => {
      await broker.close();
      await store.close();
    },
  };
}

/** A child process whose stdout is collected line by line, for the kill -9 tests. */
export interface LineChild {
  readonly child: ChildProcess;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  stderr(): string;
  /** SIGKILL, then wait until the process is gone. */
  kill9(): Promise<void>;
}

export function spawnLineChild(file: string, args: string[]): LineChild {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    const parts = (partial + s).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    stderr: () => stderr,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `cond` until true or the deadline passes (no fixed sleeps). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
