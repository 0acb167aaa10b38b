/**
 * Full disk and read-only data dir, on a small tmpfs this test mounts (skipped, with the reason printed, only where
 * mounting is refused). A broker runs as a child process (`apogee start`) on it and is driven by the official Node
 * gRPC client, the classic remoting protocol (SEND_MESSAGE_V2 as the Java client sends it) and the SDK producer:
 *  - full disk: a filler file takes the rest of the space; sends fail with RocketMQ's codes (gRPC
 *    INTERNAL_SERVER_ERROR, remoting SERVICE_NOT_AVAILABLE) and a message naming the cause, the broker logs it once,
 *    acknowledged messages stay readable; the filler is deleted and sends succeed again without a restart; after
 *    a SIGKILL and a restart every acknowledged message is there exactly once, at contiguous queue offsets;
 *  - read-only data dir while running: the data dir is mounted read-only over itself (remounting the tmpfs is
 *    refused while the broker has files open: EBUSY); sends fail once the commit log needs a new segment, and
 *    succeed again when the read-only mount goes;
 *  - start on a read-only data dir: refused, naming the dir and the cause; starts once writable again.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Producer } from 'rocketmq-client-nodejs';
import { isMQClientError, Producer as SdkProducer } from '../../src/client/index.js';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode } from '../../src/protocol/remoting/codes.js';
import { decodeMessages } from '../../src/protocol/remoting/message-codec.js';
import { silentLogger } from '../../src/util/logger.js';
import { quietLogger } from '../grpc/support/harness.js';
import { admin, tolerateClientTelemetryCrash } from '../grpc/support/tx-support.js';
import { killSpawnedBrokers, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { pullHeader, sendV2 } from '../remoting/support/remoting.js';

const TOPIC = 'DiskFull';
const GROUP = 'g-disk-full';
const QUEUES = 2;
/** Small segments, so a read-only data dir is noticed at the next segment; retention off, so nothing is deleted. */
const ARGS = ['--flush', 'sync', '--segment-size', String(64 * 1024), '--retention-check-interval-ms', '0', '--default-topic-queue-nums', String(QUEUES)];
/** v2 Code.INTERNAL_SERVER_ERROR, what RocketMQ's proxy answers when the store is not writable. */
const GRPC_INTERNAL_SERVER_ERROR = 50001;

interface Clients {
  grpc: Producer;
  remoting: RemotingClient;
  sdk: SdkProducer;
  close(): Promise<void>;
}

async function connect(b: SpawnedBroker): Promise<Clients> {
  const grpc = new Producer({ endpoints: `${b.grpc.host}:${b.grpc.port}`, namespace: '', logger: quietLogger, topics: [TOPIC] } as ConstructorParameters<typeof Producer>[0]);
  await grpc.startup();
  const remoting = await RemotingClient.connect({ host: b.remoting!.host, port: b.remoting!.port });
  const sdk = new SdkProducer({
    producerGroup: 'pg-disk-full',
    namesrvAddr: `${b.namesrv!.host}:${b.namesrv!.port}`,
    retryTimesWhenSendFailed: 0,
    sendMsgTimeoutMs: 3000,
    pollNameServerIntervalMs: 1000,
    heartbeatBrokerIntervalMs: 1000,
    logger: silentLogger(),
  });
  await sdk.start();
  return {
    grpc,
    remoting,
    sdk,
    async close() {
      await grpc.shutdown().catch(() => undefined);
      remoting.close();
      await sdk.shutdown().catch(() => undefined);
    },
  };
}

type Via = 'grpc' | 'remoting' | 'sdk';
/** What a failed send answered: a status code and its message. */
interface Refusal {
  code: number;
  message: string;
}

let seq = 0;

/** Sends one ~1 KiB message; resolves with its body when acknowledged, or the refusal. */
async function sendOne(c: Clients, via: Via): Promise<{ body: string } | Refusal> {
  const body = `${via}-${seq++}-`.padEnd(1024, 'x');
  try {
    if (via === 'grpc') {
      await c.grpc.send({ topic: TOPIC, body: Buffer.from(body) });
    } else if (via === 'sdk') {
      await c.sdk.send({ topic: TOPIC, body: Buffer.from(body) });
    } else {
      const r = await c.remoting.invoke(RequestCode.SEND_MESSAGE_V2, sendV2(TOPIC, seq % QUEUES, {}), Buffer.from(body));
      if (r.code !== ResponseCode.SUCCESS) return { code: r.code, message: r.remark ?? '' };
    }
    return { body };
  } catch (err) {
    if (isMQClientError(err)) return { code: err.responseCode ?? -1, message: err.message };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return { code, message: (err as Error).message };
    throw err;
  }
}

const refused = (r: { body: string } | Refusal): r is Refusal => 'code' in r;

/** Sends through `via` until one is refused (recording the acknowledged ones); fails after `max` sends. */
async function sendUntilRefused(c: Clients, via: Via, acked: Set<string>, max: number): Promise<Refusal> {
  for (let i = 0; i < max; i++) {
    const r = await sendOne(c, via);
    if (refused(r)) return r;
    acked.add(r.body);
  }
  throw new Error(`${max} sends through ${via} were all acknowledged; expected a refusal`);
}

/** Sends through `via` until one is acknowledged (space or write access came back); fails after `timeoutMs`. */
async function sendUntilAcked(c: Clients, via: Via, acked: Set<string>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: Refusal | undefined;
  while (Date.now() < end) {
    const r = await sendOne(c, via);
    if (!refused(r)) {
      acked.add(r.body);
      return;
    }
    last = r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`sends through ${via} still refused after ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** Every message of the topic, read by pulling each queue from offset 0; checks the queue offsets are contiguous. */
async function readAll(b: SpawnedBroker): Promise<string[]> {
  const c = await RemotingClient.connect({ host: b.remoting!.host, port: b.remoting!.port });
  const out: string[] = [];
  try {
    for (let q = 0; q < QUEUES; q++) {
      let offset = 0;
      for (;;) {
        const r = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader(GROUP, TOPIC, q, offset, { suspendTimeoutMillis: '0' }));
        if (r.code !== ResponseCode.SUCCESS || !r.body) break;
        for (const m of decodeMessages(r.body)) {
          assert.equal(m.queueOffset, offset, `queue ${q}: offsets are contiguous`);
          offset++;
          out.push(m.body.toString());
        }
      }
    }
  } finally {
    c.close();
  }
  return out;
}

function assertExactlyOnce(got: string[], acked: Set<string>): void {
  const counts = new Map<string, number>();
  for (const b of got) counts.set(b, (counts.get(b) ?? 0) + 1);
  const missing = [...acked].filter((b) => !counts.has(b));
  const dup = [...counts].filter(([, n]) => n > 1).map(([b]) => b.slice(0, 16));
  const extra = [...counts.keys()].filter((b) => !acked.has(b)).map((b) => b.slice(0, 16));
  assert.deepEqual({ missing: missing.length, dup, extra }, { missing: 0, dup: [], extra: [] });
}

function logLines(b: SpawnedBroker, re: RegExp): string[] {
  return `${b.stdout()}\n${b.stderr()}`.split('\n').filter((l) => re.test(l));
}

describe('chaos: full disk and read-only data dir (tmpfs)', () => {
  let fs: Tmpfs | undefined;
  let skip: string | undefined;
  const open: Clients[] = [];
  // The official client's telemetry stream crashes the process on a broker that goes away (see tx-support).
  const tolerance = tolerateClientTelemetryCrash();

  before(async () => {
    const m = await mountTmpfs(64 * 1024 * 1024);
    if ('skip' in m) skip = m.skip;
    else fs = m;
  });
  after(async () => {
    for (const c of open) await c.close();
    await killSpawnedBrokers();
    await fs?.cleanup();
    tolerance.restore();
  });

  async function startWithTopic(dataDir: string): Promise<{ broker: SpawnedBroker; clients: Clients }> {
    const broker = await spawnBroker({ dataDir, args: ARGS });
    await admin(broker, 'POST', '/api/topics', { name: TOPIC, messageType: 'NORMAL', queueNums: QUEUES });
    await admin(broker, 'POST', '/api/groups', { name: GROUP, consumeFromWhere: 'earliest' });
    const clients = await connect(broker);
    open.push(clients);
    return { broker, clients };
  }

  test('full disk: clear refusals on every front, reads go on, sends resume when space returns, nothing lost or doubled', async (t) => {
    if (!fs) return t.skip(skip);
    const dataDir = join(fs.dir, 'full');
    let { broker, clients } = await startWithTopic(dataDir);
    const acked = new Set<string>();
    for (let i = 0; i < 10; i++) for (const via of ['grpc', 'remoting', 'sdk'] as const) await sendUntilAcked(clients, via, acked, 5000);

    await fs.fill(0);
    const grpcRefusal = await sendUntilRefused(clients, 'grpc', acked, 200);
    assert.equal(grpcRefusal.code, GRPC_INTERNAL_SERVER_ERROR, JSON.stringify(grpcRefusal));
    assert.match(grpcRefusal.message, /the disk holding the broker's data dir is full \(ENOSPC\)/);
    const remotingRefusal = await sendUntilRefused(clients, 'remoting', acked, 200);
    assert.equal(remotingRefusal.code, ResponseCode.SERVICE_NOT_AVAILABLE, JSON.stringify(remotingRefusal));
    assert.match(remotingRefusal.message, /^service not available: the disk holding the broker's data dir is full \(ENOSPC\); writes are refused until space returns$/);
    const sdkRefusal = await sendUntilRefused(clients, 'sdk', acked, 200);
    assert.equal(sdkRefusal.code, ResponseCode.SERVICE_NOT_AVAILABLE, JSON.stringify(sdkRefusal));
    t.diagnostic(`refused while full: gRPC ${grpcRefusal.code} "${grpcRefusal.message.slice(0, 160)}"`);

    // Senders keep trying for a few seconds (past the store's retry back-off and the broker's flush and persist
    // ticks): every try is refused the same way, quickly, and the broker does not log per refusal or per tick.
    const t0 = Date.now();
    let tries = 0;
    while (Date.now() - t0 < 3000) {
      for (const via of ['grpc', 'remoting', 'sdk'] as const) {
        const r = await sendUntilRefused(clients, via, acked, 5);
        assert.match(r.message, /disk holding the broker's data dir is full/);
        tries++;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    // Metadata too: creating a topic is refused with the cause (503), and the topic is not half there.
    const res = await fetch(`${broker.adminUrl}/api/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'MadeWhileFull' }) });
    const text = await res.text();
    assert.equal(res.status, 503, text);
    assert.match(text, /disk holding the broker's data dir is full/);
    assert.equal((await fetch(`${broker.adminUrl}/api/topics/MadeWhileFull`)).status, 404);
    // Reads go on while full, and show exactly what was acknowledged.
    assertExactlyOnce(await readAll(broker), acked);
    const logged = logLines(broker, /refusing appends/);
    assert.equal(logged.length, 1, `the broker logs the full disk once:\n${logged.join('\n')}`);
    assert.deepEqual(logLines(broker, /unexpected error|failed unexpectedly/), []);
    const errors = logLines(broker, /"level":50/);
    assert.ok(errors.length <= 4, `at most one error line per kind of file while full, got ${errors.length}:\n${errors.join('\n')}`);
    t.diagnostic(`${tries} more sends refused over 3 s; ${errors.length} error lines logged`);

    await fs.free();
    for (const via of ['grpc', 'remoting', 'sdk'] as const) await sendUntilAcked(clients, via, acked);
    await admin(broker, 'POST', '/api/topics', { name: 'MadeWhileFull' });
    for (let i = 0; i < 5; i++) for (const via of ['grpc', 'remoting', 'sdk'] as const) await sendUntilAcked(clients, via, acked, 5000);
    assert.equal(logLines(broker, /appends resumed/).length, 1);
    assertExactlyOnce(await readAll(broker), acked);

    await clients.close();
    open.splice(open.indexOf(clients), 1);
    await broker.stop('SIGKILL');
    broker = await spawnBroker({ dataDir, args: ARGS });
    assertExactlyOnce(await readAll(broker), acked);
    t.diagnostic(`acknowledged ${acked.size}; after SIGKILL and restart all there exactly once`);
    await broker.stop('SIGTERM');
  });

  test('read-only data dir while running: clear refusals, sends resume once writable; start on it is refused', async (t) => {
    if (!fs) return t.skip(skip);
    const dataDir = join(fs.dir, 'ro');
    let { broker, clients } = await startWithTopic(dataDir);
    const acked = new Set<string>();
    for (let i = 0; i < 5; i++) for (const via of ['grpc', 'remoting'] as const) await sendUntilAcked(clients, via, acked, 5000);

    const writable = await fs.bindReadOnly(dataDir);
    // Writes to the open segment go on; the next segment cannot be created (64 KiB segments: within ~70 sends).
    const grpcRefusal = await sendUntilRefused(clients, 'grpc', acked, 200);
    assert.equal(grpcRefusal.code, GRPC_INTERNAL_SERVER_ERROR, JSON.stringify(grpcRefusal));
    assert.match(grpcRefusal.message, /the broker's data dir is on a read-only file system \(EROFS\)/);
    const remotingRefusal = await sendUntilRefused(clients, 'remoting', acked, 10);
    assert.equal(remotingRefusal.code, ResponseCode.SERVICE_NOT_AVAILABLE, JSON.stringify(remotingRefusal));
    assert.match(remotingRefusal.message, /read-only file system/);
    assertExactlyOnce(await readAll(broker), acked);

    await writable();
    for (const via of ['grpc', 'remoting', 'sdk'] as const) await sendUntilAcked(clients, via, acked);
    await clients.close();
    open.splice(open.indexOf(clients), 1);
    await broker.stop('SIGKILL');

    // Start on a read-only data dir: refused with the dir and the cause.
    await fs.remount('ro');
    try {
      await assert.rejects(spawnBroker({ dataDir, args: ARGS }), (e: unknown) => {
        assert.match(String(e), new RegExp(`${dataDir}.*read-only file system|read-only file system.*${dataDir}`));
        return true;
      });
    } finally {
      await fs.remount('rw');
    }
    broker = await spawnBroker({ dataDir, args: ARGS });
    assertExactlyOnce(await readAll(broker), acked);
    t.diagnostic(`acknowledged ${acked.size}; all there exactly once after the read-only spell and a SIGKILL`);
    await broker.stop('SIGTERM');
  });
});
