/**
 * Damage in every kind of file of a data dir: a broker with topics, a consumer group, keyed messages, a committed
 * and a pending transaction is SIGKILLed, one file kind is damaged (bytes flipped, or cut short), and the broker is
 * started again. It must either start and serve only right data — every message it returns has the body that was
 * sent under that key, and what it lost it says in its log — or refuse to start with a message naming the file.
 * It must never start and serve wrong data silently.
 */
import assert from 'node:assert/strict';
import { open, readdir, stat, truncate } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode } from '../../src/protocol/remoting/codes.js';
import { decodeMessages } from '../../src/protocol/remoting/message-codec.js';
import { pullHeader } from '../remoting/support/remoting.js';
import { rng } from '../store/helpers.js';
import { killSpawnedBrokers, removeTempDirs, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';

const MESSAGES = 40;
const TOPIC = 'Damaged';

interface Damage {
  /** Which files, relative to the data dir. */
  kind: string;
  match: (rel: string) => boolean;
  how: 'flip' | 'truncate';
}

const KINDS: ReadonlyArray<[string, (rel: string) => boolean]> = [
  ['commit log', (r) => r.startsWith('commitlog/')],
  ['consume queue', (r) => r.startsWith('consumequeue/')],
  ['index', (r) => r.startsWith('index/')],
  ['checkpoint', (r) => r === 'checkpoint'],
  ['store meta', (r) => r === 'store.meta'],
  ['topics metadata', (r) => r === 'config/topics.json'],
  ['groups metadata', (r) => r === 'config/groups.json'],
  ['transaction state', (r) => r === 'config/transactions.json'],
  ['pop state', (r) => r === 'config/pop-state.json'],
  ['timer checkpoint', (r) => r === 'config/timerCheckpoint.json'],
];
const DAMAGES: Damage[] = KINDS.flatMap(([kind, match]) => (['flip', 'truncate'] as const).map((how) => ({ kind, match, how })));

async function api(b: SpawnedBroker, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(b.adminUrl + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
  return { status: r.status, json: await r.json().catch(() => undefined) };
}

async function ok(b: SpawnedBroker, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await api(b, method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function filesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)));
  }
  return out;
}

/** Flips 1–8 bytes in the used part of the file, or cuts it at a random point. */
async function damage(path: string, how: 'flip' | 'truncate', random: () => number): Promise<string> {
  const size = (await stat(path)).size;
  if (size === 0) return 'empty file left as is';
  if (how === 'truncate') {
    const at = Math.floor(random() * size);
    await truncate(path, at);
    return `cut to ${at} of ${size} bytes`;
  }
  const h = await open(path, 'r+');
  try {
    const at: number[] = [];
    for (let i = 1 + Math.floor(random() * 8); i > 0; i--) {
      // Large preallocated files (the index): damage near their start, where the used slots are.
      const p = Math.floor(random() * Math.min(size, 64 * 1024));
      const b = Buffer.alloc(1);
      await h.read(b, 0, 1, p);
      b[0] = b[0]! ^ (1 << Math.floor(random() * 8)) ^ 0x80;
      await h.write(b, 0, 1, p);
      at.push(p);
    }
    return `flipped bytes at ${at.join(',')} of ${size}`;
  } finally {
    await h.close();
  }
}

/** Every message of TOPIC pulled queue by queue from offset 0 over remoting (the consume-queue read path). */
async function pullAll(b: SpawnedBroker): Promise<string[]> {
  const c = await RemotingClient.connect({ host: b.remoting!.host, port: b.remoting!.port });
  try {
    const out: string[] = [];
    for (const queueId of [0, 1]) {
      let offset = 0;
      for (;;) {
        const r = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-damaged', TOPIC, queueId, offset, { suspendTimeoutMillis: '0' }));
        if (r.code === ResponseCode.PULL_NOT_FOUND) break;
        assert.equal(r.code, ResponseCode.SUCCESS, `pull ${queueId}@${offset}: ${r.remark ?? ''}`);
        for (const m of decodeMessages(r.body!)) out.push(m.body.toString());
        const next = Number(r.extFields['nextBeginOffset']);
        if (!(next > offset)) break;
        offset = next;
      }
    }
    return out;
  } finally {
    c.close();
  }
}

after(async () => {
  await killSpawnedBrokers();
  await removeTempDirs();
});

describe('damaged data files: repaired from the commit log, or refused by name; never wrong data', () => {
  const seed = Number(process.env.APOGEE_TEST_CRASH_SEED ?? Date.now() % 1_000_000);
  for (const d of DAMAGES) {
    it(`${d.kind}: ${d.how === 'flip' ? 'flipped bytes' : 'cut short'}`, async (t) => {
      const random = rng(seed + DAMAGES.indexOf(d));
      t.diagnostic(`seed ${seed}`);
      const args = ['--transaction-check-immunity-ms', '600000'];
      let b = await spawnBroker({ args });
      await ok(b, 'POST', '/api/topics', { name: TOPIC, messageType: 'NORMAL', queueNums: 2 });
      await ok(b, 'POST', '/api/topics', { name: 'DamagedTx', messageType: 'TRANSACTION', queueNums: 1 });
      await ok(b, 'POST', '/api/groups', { name: 'g-damaged', consumeFromWhere: 'earliest' });
      const sent = new Map<string, string>();
      for (let i = 0; i < MESSAGES; i++) {
        const body = `body-${i}-${'x'.repeat(i * 7)}`;
        sent.set(`k${i}`, body);
        await ok(b, 'POST', `/api/topics/${TOPIC}/messages`, { body, keys: [`k${i}`] });
      }
      const dataDir = b.dataDir;
      // A clean stop writes every derived file and removes the crash marker: the broker then has no reason to
      // distrust them, which is the harder case. (Crashes with torn files are the crash tests' subject.)
      await b.stop('SIGTERM');

      const candidates = (await filesOf(dataDir)).filter(d.match).sort();
      assert.ok(candidates.length > 0, `the data dir has ${d.kind} files (${(await filesOf(dataDir)).join(', ')})`);
      const target = candidates[Math.floor(random() * candidates.length)]!;
      const what = await damage(join(dataDir, target), d.how, random);
      t.diagnostic(`${target}: ${what}`);

      try {
        b = await spawnBroker({ dataDir, args, readyTimeoutMs: 30_000 });
      } catch (err) {
        // Refusing is allowed, if the message names the damaged file.
        const text = String((err as Error).message);
        const name = target.split('/').pop()!;
        assert.ok(text.includes(name) || text.includes(target), `refused without naming ${target}:\n${text.slice(-2000)}`);
        t.diagnostic('refused to start, naming the file');
        return;
      }
      // Started: every message it returns must be the one sent under that key.
      let served = 0;
      for (const [key, body] of sent) {
        const r = (await ok(b, 'GET', `/api/messages?topic=${TOPIC}&key=${key}`)) as { messages: Array<{ body: string; keys: string[] }> };
        for (const m of r.messages) {
          assert.equal(Buffer.from(m.body, 'base64').toString(), body, `message under ${key} has the body that was sent`);
          served++;
        }
      }
      // Consuming (through the consume queues) reads only what was sent, each once.
      const bodies = new Set(sent.values());
      const pulled = await pullAll(b);
      for (const body of pulled) assert.ok(bodies.has(body), `pulled a body that was never sent: ${JSON.stringify(body.slice(0, 60))}`);
      assert.equal(new Set(pulled).size, pulled.length, 'no message pulled twice');
      const log = b.stderr() + b.stdout();
      const missing = MESSAGES - Math.min(served, pulled.length);
      if (missing > 0) assert.match(log, /cut|truncat|lost|corrupt|damaged|repair|discard|rebuil/i, `${missing} messages are gone: the log must say so`);
      t.diagnostic(`started; serves ${served} of ${MESSAGES} by key, ${pulled.length} by pulling`);
      // The broker still takes new messages after the repair.
      await ok(b, 'POST', `/api/topics/${TOPIC}/messages`, { body: 'after repair', keys: ['after'] });
      await b.stop('SIGTERM');
    });
  }
});
