/**
 * Fuzzed and random requests on every port of a spawned broker (gRPC, broker remoting, name server, admin HTTP).
 * The broker must survive all of them, answer each with a status (or close a connection whose framing is
 * broken), keep serving well-behaved clients, and leave what was committed before untouched: the commit log's
 * bytes up to the flushed offset hash the same before and after, and the seeded messages read back intact.
 *
 * `npm test` sends a short run per port; `npm run chaos` sets APOGEE_FUZZ_COUNT=10000. APOGEE_FUZZ_SEED replays.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode } from '../../src/protocol/remoting/codes.js';
import { killSpawnedBrokers, removeTempDirs, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';
import { fuzzGrpc } from './support/grpc-fuzzer.js';
import { fuzzHttp } from './support/http-fuzzer.js';
import { fuzzCount, fuzzSeed, seededRandom, type Tally } from './support/mutate.js';
import { fuzzRemoting } from './support/remoting-fuzzer.js';

const TOPICS = [
  ['FuzzNormal', 'NORMAL'],
  ['FuzzFifo', 'FIFO'],
  ['FuzzDelay', 'DELAY'],
  ['FuzzTx', 'TRANSACTION'],
] as const;
const TARGETS = { topics: [...TOPICS.map(([n]) => n), 'NoSuchTopic'], group: 'fuzz-group' };
const SEEDED = ['before fuzzing 1', 'before fuzzing 2', 'before fuzzing 3'];
const seed = fuzzSeed();
const COUNT = fuzzCount(1500);

let broker: SpawnedBroker;
let committed: { offset: number; sha256: string };
const figures: string[] = [];

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(broker.adminUrl + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text) as T;
}

/** SHA-256 of the commit log's first `offset` bytes, read across its segment files in order. */
async function commitLogHash(offset: number): Promise<string> {
  const dir = join(broker.dataDir, 'commitlog');
  const hash = createHash('sha256');
  let left = offset;
  for (const name of (await readdir(dir)).sort()) {
    if (left <= 0) break;
    const fh = await open(join(dir, name), 'r');
    try {
      const size = (await fh.stat()).size;
      const buf = Buffer.alloc(Math.min(left, size));
      await fh.read(buf, 0, buf.length, 0);
      hash.update(buf);
      left -= buf.length;
    } finally {
      await fh.close();
    }
  }
  assert.equal(left, 0, 'the commit log holds every flushed byte');
  return hash.digest('hex');
}

async function flushedOffset(): Promise<number> {
  return (await api<{ store: { flushedOffset: number } }>('GET', '/api/status')).store.flushedOffset;
}

/** The broker process is alive and serves a well-formed request on each port. */
async function assertServing(): Promise<void> {
  assert.equal(broker.proc.exitCode, null, `broker exited; stderr tail:\n${broker.stderr().slice(-3000)}`);
  const health = await fetch(`${broker.adminUrl}/healthz`);
  assert.equal(health.status, 200);
  for (const ep of [broker.remoting!, broker.namesrv!]) {
    const c = await RemotingClient.connect({ host: ep.host, port: ep.port });
    try {
      const code = ep === broker.namesrv ? RequestCode.GET_ROUTEINFO_BY_TOPIC : RequestCode.GET_MAX_OFFSET;
      const r = await c.invoke(code, { topic: 'FuzzNormal', queueId: '0' });
      assert.equal(r.code, ResponseCode.SUCCESS, `${ep.port}: ${r.remark ?? ''}`);
    } finally {
      c.close();
    }
  }
}

function report(port: string, tally: Tally): void {
  figures.push(`${port}: ${tally.total()} requests`);
  process.stderr.write(`fuzz ${port} (seed ${seed}): ${tally}\n`);
}

before(async () => {
  broker = await spawnBroker({ args: ['--transaction-check-immunity-ms', '500', '--transaction-check-interval-ms', '200'] });
  for (const [name, messageType] of TOPICS) await api('POST', '/api/topics', { name, messageType, queueNums: 4 });
  await api('POST', '/api/groups', { name: TARGETS.group });
  for (const body of SEEDED) await api('POST', '/api/topics/FuzzNormal/messages', { body, keys: ['seeded'] });
  const offset = await flushedOffset();
  committed = { offset, sha256: await commitLogHash(offset) };
});

after(async () => {
  process.stderr.write(`fuzz figures (seed ${seed}): ${figures.join('; ')}\n`);
  await killSpawnedBrokers();
  await removeTempDirs();
});

describe(`fuzzing every port (seed ${seed}, ${COUNT} requests per port)`, () => {
  it('gRPC: every mutated call ends with a status', async () => {
    const tally = await fuzzGrpc(`${broker.grpc.host}:${broker.grpc.port}`, TARGETS, seededRandom(seed), COUNT);
    report('grpc', tally);
    assert.equal(tally.total(), COUNT);
    const internal = [...tally.counts.keys()].filter((k) => k.endsWith(':internal-error'));
    assert.deepEqual(internal.map((k) => `${k}: ${tally.samples.get(k)}`), [], 'no handler failed with INTERNAL/UNKNOWN');
    await assertServing();
  });

  it('broker remoting: well-framed requests are answered, broken frames close only their connection', async () => {
    const { tally, unanswered } = await fuzzRemoting(broker.remoting!.host, broker.remoting!.port, TARGETS, seededRandom(seed + 1), COUNT);
    report('remoting', tally);
    assert.equal(unanswered, 0, 'every well-framed two-way request got a response');
    await assertServing();
  });

  it('name server: the same', async () => {
    const { tally, unanswered } = await fuzzRemoting(broker.namesrv!.host, broker.namesrv!.port, TARGETS, seededRandom(seed + 2), Math.ceil(COUNT / 2));
    report('namesrv', tally);
    assert.equal(unanswered, 0, 'every well-framed two-way request got a response');
    await assertServing();
  });

  it('admin HTTP: every request gets a status, none a 5xx', async () => {
    const tally = await fuzzHttp(broker.adminUrl, { ...TARGETS, protectedTopics: TOPICS.map(([n]) => n) }, seededRandom(seed + 3), COUNT);
    report('http', tally);
    const bad = [...tally.counts.entries()].filter(([k]) => /:(5\d\d|timeout|reset|client-error|none)$/.test(k));
    assert.deepEqual(bad.map(([k, n]) => `${k} x${n}: ${tally.samples.get(k)}`), [], 'statuses that are findings');
    await assertServing();
  });

  it('logged no internal error for any of it', () => {
    // A request the broker refuses is a warning at most; an error line means a handler failed in a way it did not expect.
    const errors = broker.stderr().split('\n').filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors.slice(0, 5), [], `${errors.length} error lines`);
  });

  it('left what was committed before untouched', async () => {
    await assertServing();
    assert.equal(await commitLogHash(committed.offset), committed.sha256, 'commit-log bytes below the old flushed offset are unchanged');
    const found = await api<{ messages: Array<{ body: string; topic: string }> }>('GET', '/api/messages?topic=FuzzNormal&key=seeded');
    assert.deepEqual(found.messages.map((m) => Buffer.from(m.body, 'base64').toString()).sort(), SEEDED);
  });
});
