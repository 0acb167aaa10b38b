/**
 * Transactions across a real SIGKILL of the broker process at chosen points: after the half messages, and between
 * a commit's real-topic copy and its op record. After reopening the same data dir nothing committed is lost,
 * nothing is on the topic twice, and the recorded outcomes hold.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { BrokerErrorCode, isBrokerError } from '../../src/broker/errors.js';
import { openMessageStore } from '../../src/store/index.js';
import type { MessageStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/util/logger.js';

const CHILD = fileURLToPath(new URL('./transaction-crash-child.js', import.meta.url));
const dirs: string[] = [];

/** Runs the child until it prints `prefix`, SIGKILLs it, and returns the rest of that line. */
async function crashAt(dir: string, mode: string, prefix: string): Promise<string> {
  const proc = spawn(process.execPath, [CHILD, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${prefix}' from the child within 15 s: ${err}`)), 15_000);
      proc.once('exit', (code) => reject(new Error(`child exited (${code}) before '${prefix}': ${err}`)));
      createInterface({ input: proc.stdout! }).on('line', (l) => {
        if (!l.startsWith(prefix)) return;
        clearTimeout(timer);
        resolve(l.slice(prefix.length).trim());
      });
    });
  } finally {
    proc.kill('SIGKILL');
    await exited;
  }
}

async function reopen(dir: string): Promise<{ store: MessageStore; broker: Broker; close(): Promise<void> }> {
  const logger = silentLogger();
  const store = await openMessageStore({ dataDir: dir, flushMode: 'sync', logger });
  const broker = await Broker.open({ store, dataDir: dir, logger, transaction: { scanIntervalMs: 3_600_000 } });
  return { store, broker, close: async () => (await broker.close(), await store.close()) };
}

async function topicBodies(broker: Broker): Promise<string[]> {
  return (await broker.pull('Tx', 0, 0, 64)).messages.map((m) => m.body.toString());
}

const refused = (e: unknown): boolean => isBrokerError(e) && e.code === BrokerErrorCode.INVALID_TRANSACTION_ID;

describe('transactions across a SIGKILL of the broker process', () => {
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('half messages stored before the crash are pending after it and can be ended', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'apogee-txcrash-'));
    dirs.push(dir);
    const sent = JSON.parse(await crashAt(dir, 'half', 'ready ')) as Array<{ messageId: string; transactionId: string }>;
    const b = await reopen(dir);
    try {
      assert.deepEqual(b.broker.listTransactions('Tx').map((p) => [p.transactionId, p.checks]), sent.map((s) => [s.transactionId, 0]));
      await b.broker.endTransaction({ transactionId: sent[0]!.transactionId, topic: 'Tx', resolution: 'COMMIT', source: 'client' });
      await b.broker.endTransaction({ transactionId: sent[1]!.transactionId, topic: 'Tx', resolution: 'ROLLBACK', source: 'client' });
      assert.deepEqual(await topicBodies(b.broker), ['a']);
    } finally {
      await b.close();
    }
  });

  it('a crash between the real copy and the op record: recovery finishes the commit, once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'apogee-txcrash-'));
    dirs.push(dir);
    const sent = JSON.parse(await crashAt(dir, 'between', 'copied ')) as { messageId: string; transactionId: string };
    let b = await reopen(dir);
    try {
      assert.deepEqual(b.broker.listTransactions(), [], 'recovery found the real copy and finished the commit');
      assert.deepEqual(await topicBodies(b.broker), ['committed before the crash']);
      await b.broker.endTransaction({ transactionId: sent.transactionId, topic: 'Tx', resolution: 'COMMIT', source: 'client' });
      await assert.rejects(b.broker.endTransaction({ transactionId: sent.transactionId, topic: 'Tx', resolution: 'ROLLBACK', source: 'check' }), refused);
      assert.deepEqual(await topicBodies(b.broker), ['committed before the crash'], 'the repeated COMMIT wrote nothing');
      // The op record recovery wrote is durable: a second restart knows the outcome without looking again.
      await b.close();
      b = await reopen(dir);
      assert.deepEqual(b.broker.listTransactions(), []);
      await assert.rejects(b.broker.endTransaction({ transactionId: sent.transactionId, topic: 'Tx', resolution: 'ROLLBACK', source: 'client' }), /already committed/);
    } finally {
      await b.close();
    }
  });
});
