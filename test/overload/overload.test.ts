/**
 * Overload (issue 13): a broker child with small limits is driven past them — 10× more concurrent producers than
 * the in-flight bound, 10× more long-polling consumers than the long-poll bounds, and clients that open streams
 * or connections and never read — over gRPC and remoting. Refusals must be TOO_MANY_REQUESTS / SYSTEM_BUSY at
 * once, nothing may hang, every acknowledged message is stored exactly once and no refused one at all, a
 * well-behaved producer and consumer keep being served, and the child's peak RSS stays under the byte budget
 * plus a fixed baseline. One figures line is printed at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClientType, Code, Settings } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { MessagingServiceClient } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode } from '../../src/protocol/remoting/codes.js';
import { decodeMessages, decodeProperties } from '../../src/protocol/remoting/message-codec.js';
import { call, clientMetadata, rawClient } from '../grpc/support/harness.js';
import { rawReceive } from '../grpc/support/official.js';
import { pullHeader, sendV2 } from '../remoting/support/remoting.js';
import { killSpawnedBrokers, removeTempDirs, spawnBroker, waitFor, type SpawnedBroker } from '../helpers/broker-process.js';
import { grpcMessage, mib, NeverReadingGrpc, NeverReadingRemoting, receiveRequest, RssSampler, rssOf } from './support.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const LIMITS = {
  budget: 4 * MiB,
  inFlight: 10,
  longPollsPerGroup: 4,
  heldPulls: 4,
  writeBuffer: 256 * KiB,
  stallMs: 2000,
};
/** What the child may use beyond the budget: Node, V8 heap growth and garbage, grpc-js and socket buffers. */
const BASELINE_SLACK = 192 * MiB;

const T_SEND = 'OverloadSend';
const T_POLL = 'OverloadPoll';
const T_BIG = 'OverloadBig';
const T_LIVE = 'OverloadLive';

const figures = { requests: 0, refused: 0, served: 0, idleRss: 0, peakRss: 0 };

async function admin(b: SpawnedBroker, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(b.adminUrl + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** apogee_grpc_requests_in_flight from the admin /metrics. */
async function grpcInFlight(b: SpawnedBroker): Promise<number> {
  const text = await (await fetch(`${b.adminUrl}/metrics`)).text();
  const m = /^apogee_grpc_requests_in_flight (\d+)/m.exec(text);
  return m ? Number(m[1]) : -1;
}

/** Every message of a topic read back through remoting pulls: key → how many times stored. */
async function storedKeys(client: RemotingClient, topic: string, queues: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let q = 0; q < queues; q++) {
    let offset = 0;
    for (;;) {
      const r = await client.invoke(RequestCode.PULL_MESSAGE, pullHeader('overload-audit', topic, q, offset, { sysFlag: '4', maxMsgNums: '64', commitOffset: '-1' }), undefined, 10_000);
      if (r.code !== ResponseCode.SUCCESS) break;
      for (const m of decodeMessages(r.body!)) {
        const key = decodeProperties(m.properties)['KEYS'] ?? '?';
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      offset = Number(r.extFields['nextBeginOffset']);
    }
  }
  return seen;
}

describe('overload: 10× the limits, clients that never read', { timeout: 90_000 }, () => {
  let broker: SpawnedBroker;
  let rss: RssSampler;
  let grpcEndpoint: string;
  const grpcClients: MessagingServiceClient[] = [];
  const remotingClients: RemotingClient[] = [];

  const remoting = async (): Promise<RemotingClient> => {
    const c = await RemotingClient.connect({ host: broker.remoting!.host, port: broker.remoting!.port });
    remotingClients.push(c);
    return c;
  };
  const grpc = (): MessagingServiceClient => {
    const c = rawClient(grpcEndpoint);
    grpcClients.push(c);
    return c;
  };

  before(async () => {
    broker = await spawnBroker({
      args: [
        '--limits-memory-budget-bytes', String(LIMITS.budget),
        '--limits-max-in-flight-global', String(LIMITS.inFlight),
        '--limits-max-long-polls-per-group', String(LIMITS.longPollsPerGroup),
        '--limits-max-held-pulls', String(LIMITS.heldPulls),
        '--limits-connection-write-buffer-bytes', String(LIMITS.writeBuffer),
        '--limits-write-stall-close-ms', String(LIMITS.stallMs),
      ],
    });
    grpcEndpoint = `${broker.grpc.host}:${broker.grpc.port}`;
    await admin(broker, 'POST', '/api/topics', { name: T_SEND, messageType: 'NORMAL', queueNums: 4 });
    await admin(broker, 'POST', '/api/topics', { name: T_POLL, messageType: 'NORMAL', queueNums: 1 });
    await admin(broker, 'POST', '/api/topics', { name: T_BIG, messageType: 'NORMAL', queueNums: 1 });
    await admin(broker, 'POST', '/api/topics', { name: T_LIVE, messageType: 'NORMAL', queueNums: 1 });
    figures.idleRss = rssOf(broker.proc.pid!) ?? 0;
    rss = new RssSampler(broker.proc.pid!);
  });

  after(async () => {
    rss?.stop();
    for (const c of grpcClients) c.close();
    for (const c of remotingClients) c.close();
    if (broker) {
      figures.peakRss = rss.peak;
      console.log(
        `overload figures: requests=${figures.requests} refused=${figures.refused} served=${figures.served} ` +
          `budget=${mib(LIMITS.budget)}MiB idle-rss=${mib(figures.idleRss)}MiB peak-rss=${mib(rss.peak)}MiB samples=${rss.samples}`,
      );
      await broker.stop('SIGTERM', 10_000).catch(() => undefined);
    }
    await killSpawnedBrokers();
    await removeTempDirs();
  });

  test('(a) 10× concurrent producers: refused at once with TOO_MANY_REQUESTS / SYSTEM_BUSY, acknowledged ones stored exactly once', async () => {
    rss.phase();
    const N = LIMITS.inFlight * 10;
    const body = Buffer.alloc(128 * KiB, 0x61);
    const channels = Array.from({ length: 4 }, () => grpc());
    const remotes = await Promise.all(Array.from({ length: 4 }, () => remoting()));
    const grpcAcked = new Set<string>();
    const grpcRefused = new Set<string>();
    const remAcked = new Set<string>();
    const remRefused = new Set<string>();
    const refusalTexts = new Set<string>();
    const started = Date.now();
    const grpcSends = Array.from({ length: N }, async (_, i) => {
      // Four 128 KiB messages per request: the in-flight bound and the 4 MiB budget both bite.
      const keys = [0, 1, 2, 3].map((j) => `g${i}-${j}`);
      const r = await call(channels[i % channels.length]!.sendMessage, channels[i % channels.length]!, { messages: keys.map((k) => grpcMessage(T_SEND, k, body)) }, clientMetadata(`producer-${i}`), 20_000);
      const code = r.status?.code;
      if (code === Code.OK) for (const k of keys) grpcAcked.add(k);
      else {
        assert.equal(code, Code.TOO_MANY_REQUESTS, JSON.stringify(r.status));
        refusalTexts.add(r.status!.message.replace(/\d+/g, 'N'));
        for (const k of keys) grpcRefused.add(k);
      }
    });
    const remSends = Array.from({ length: N }, async (_, i) => {
      const key = `r${i}`;
      const c = remotes[i % remotes.length]!;
      const r = await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2(T_SEND, i % 4, { KEYS: key, UNIQ_KEY: `OVERLOADR${String(i).padStart(23, '0')}` }), body, 20_000);
      if (r.code === ResponseCode.SUCCESS) remAcked.add(key);
      else {
        assert.equal(r.code, ResponseCode.SYSTEM_BUSY, `${r.code} ${r.remark}`);
        assert.match(r.remark ?? '', /^\[REJECTREQUEST\]system busy/);
        refusalTexts.add((r.remark ?? '').replace(/\d+/g, 'N'));
        remRefused.add(key);
      }
    });
    await Promise.all([...grpcSends, ...remSends]);
    const ms = Date.now() - started;
    figures.requests += 2 * N;
    figures.refused += grpcRefused.size / 4 + remRefused.size;
    figures.served += grpcAcked.size / 4 + remAcked.size;
    console.log(`(a) ${N} gRPC sends: ${grpcAcked.size / 4} ok, ${grpcRefused.size / 4} TOO_MANY_REQUESTS; ${N} remoting sends: ${remAcked.size} ok, ${remRefused.size} SYSTEM_BUSY; ${ms} ms`);
    console.log(`(a) peak RSS in this phase ${mib(rss.phase())} MiB`);
    console.log(`(a) refusal texts: ${[...refusalTexts].join(' | ')}`);
    assert.ok(grpcRefused.size > 0, 'some gRPC producers were refused');
    assert.ok(remRefused.size > 0, 'some remoting producers were refused');
    assert.ok(grpcAcked.size > 0 && remAcked.size > 0, 'some producers were served');
    assert.ok([...refusalTexts].some((t) => t.includes('memory budget')), 'the byte budget refused some');
    assert.ok([...refusalTexts].some((t) => t.includes('requests in progress')), 'the in-flight bound refused some');

    const stored = await storedKeys(remotes[0]!, T_SEND, 4);
    for (const k of [...grpcAcked, ...remAcked]) assert.equal(stored.get(k), 1, `acknowledged ${k} stored once`);
    for (const k of [...grpcRefused, ...remRefused]) assert.equal(stored.get(k), undefined, `refused ${k} not stored`);
    assert.equal(stored.size, grpcAcked.size + remAcked.size, 'nothing else stored');
  });

  test('(b) 10× long-polling consumers: the extra ones refused at once, the held ones get the messages', async () => {
    rss.phase();
    const N = LIMITS.longPollsPerGroup * 10;
    // gRPC ReceiveMessage long polls of one group.
    const channels = Array.from({ length: 4 }, () => grpc());
    let grpcRefused = 0;
    const got: string[] = [];
    const polls = Array.from({ length: N }, async (_, i) => {
      const r = await rawReceive(channels[i % 4]!, receiveRequest('overload-pollers', T_POLL, 1, 8000), clientMetadata(`poller-${i}`), 15_000);
      if (r.status?.code === Code.TOO_MANY_REQUESTS) grpcRefused++;
      else if (r.status?.code === Code.OK) for (const m of r.messages) got.push(m.systemProperties?.keys[0] ?? '?');
      else assert.equal(r.status?.code, Code.MESSAGE_NOT_FOUND, JSON.stringify(r.status));
      return r.status?.code;
    });
    await waitFor('the extra gRPC long polls refused', () => (grpcRefused >= N - LIMITS.longPollsPerGroup ? true : undefined), 10_000);
    // Remoting PULL_MESSAGE with suspend on an empty queue.
    const remote = await remoting();
    let remRefused = 0;
    let remGot = 0;
    const pulls = Array.from({ length: N }, async () => {
      const r = await remote.invoke(RequestCode.PULL_MESSAGE, pullHeader('overload-pullers', T_POLL, 0, 0, { suspendTimeoutMillis: '8000', sysFlag: String(0x2 | 0x4), commitOffset: '-1' }), undefined, 15_000);
      if (r.code === ResponseCode.SYSTEM_BUSY) remRefused++;
      else if (r.code === ResponseCode.SUCCESS) remGot += decodeMessages(r.body!).length;
      else assert.fail(`pull answered ${r.code} ${r.remark}`);
    });
    await waitFor('the extra remoting pulls refused', () => (remRefused >= N - LIMITS.heldPulls ? true : undefined), 10_000);
    assert.equal(grpcRefused, N - LIMITS.longPollsPerGroup, 'exactly the gRPC long polls over the per-group bound were refused');
    assert.equal(remRefused, N - LIMITS.heldPulls, 'exactly the pulls over the held-pull bound were refused');

    // One message per held gRPC receiver (pop: each message to one of them), seen by every held pull.
    const sender = grpc();
    const keys = Array.from({ length: LIMITS.longPollsPerGroup }, (_, i) => `poll-${i}`);
    const sent = await call(sender.sendMessage, sender, { messages: keys.map((k) => grpcMessage(T_POLL, k, Buffer.from(k))) }, clientMetadata('poll-sender'), 10_000);
    assert.equal(sent.status?.code, Code.OK, JSON.stringify(sent.status));
    const codes = await Promise.all(polls);
    await Promise.all(pulls);
    figures.requests += 2 * N;
    figures.refused += grpcRefused + remRefused;
    figures.served += codes.filter((c) => c === Code.OK).length + LIMITS.heldPulls;
    console.log(`(b) ${N} gRPC long polls: ${grpcRefused} TOO_MANY_REQUESTS, received ${got.length}; ${N} remoting pulls: ${remRefused} SYSTEM_BUSY, held ones got ${remGot} messages`);
    console.log(`(b) peak RSS in this phase ${mib(rss.phase())} MiB`);
    assert.deepEqual(got.sort(), keys.sort(), 'the held gRPC receivers got every message once');
    assert.equal(remGot, LIMITS.heldPulls * keys.length, 'every held pull got the messages');
  });

  test('(c) Telemetry streams that are never read are bounded in number; closing them frees the slots', async () => {
    const hog = new NeverReadingGrpc(grpcEndpoint);
    for (let i = 0; i < LIMITS.inFlight; i++) hog.openTelemetry(`telemetry-hog-${i}`);
    await waitFor('hog streams sent', () => (hog.ready === LIMITS.inFlight ? true : undefined), 5000);
    const c = grpc();
    const firstStatus = async (clientId: string): Promise<number | undefined> => {
      const stream = c.telemetry(clientMetadata(clientId));
      try {
        return await new Promise<number | undefined>((resolve, reject) => {
          stream.on('data', (cmd: { status?: { code: number } }) => resolve(cmd.status?.code));
          stream.on('error', reject);
          stream.on('end', () => resolve(undefined));
          // A client's first command: its Settings (an empty one is answered with a status too).
          stream.write({ status: undefined, command: { $case: 'settings', settings: Settings.fromPartial({ clientType: ClientType.PRODUCER }) } });
        });
      } finally {
        stream.cancel();
      }
    };
    // The hog holds every slot (as seen from the broker): the next stream is refused at once.
    await waitFor('hog streams open', async () => ((await firstStatus('telemetry-probe')) === Code.TOO_MANY_REQUESTS ? true : undefined), 10_000);
    hog.close();
    const after = await waitFor('a slot again', async () => {
      const code = await firstStatus('telemetry-after');
      return code !== Code.TOO_MANY_REQUESTS ? code : undefined;
    }, 10_000);
    console.log(`(c) ${LIMITS.inFlight} never-read Telemetry streams: the next one refused TOO_MANY_REQUESTS; after they closed, answered ${Code[after ?? 0] ?? after}`);
    figures.requests += 2;
    figures.refused += 1;
    figures.served += 1;
  });

  test('(d) clients that never read are cut off; a well-behaved producer and consumer keep being served', async () => {
    rss.phase();
    // Messages big enough that answers cannot fit in the clients' windows or socket buffers.
    const seed = await remoting();
    const big = Buffer.alloc(64 * KiB, 0x62);
    for (let i = 0; i < 16; i++) {
      const r = await seed.invoke(RequestCode.SEND_MESSAGE_V2, sendV2(T_BIG, 0, { KEYS: `big-${i}` }), big, 10_000);
      assert.equal(r.code, ResponseCode.SUCCESS, `${r.code} ${r.remark}`);
    }
    // 8 HTTP/2 connections × 4 ReceiveMessage streams of 16 × 64 KiB that are never read (no deadline).
    const grpcReaders = Array.from({ length: 8 }, () => new NeverReadingGrpc(grpcEndpoint));
    grpcReaders.forEach((g, i) => {
      for (let s = 0; s < 4; s++) g.openReceive(`never-reads-${i}`, receiveRequest(`never-reads-${i}-${s}`, T_BIG, 16, 1000));
    });
    // 8 remoting connections pipelining 40 pulls of 1 MiB each, never reading the socket.
    const remReaders = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const r = new NeverReadingRemoting(broker.remoting!.host, broker.remoting!.port);
        await r.ready();
        for (let k = 0; k < 40; k++) r.send(RequestCode.PULL_MESSAGE, pullHeader('never-reads', T_BIG, 0, 0, { maxMsgNums: '16', sysFlag: '4', commitOffset: '-1' }));
        return r;
      }),
    );

    // They keep sending (a client that never reads, not one that stopped): more pulls every 100 ms.
    const pipelining = setInterval(() => {
      for (const r of remReaders) for (let k = 0; k < 10; k++) r.send(RequestCode.PULL_MESSAGE, pullHeader('never-reads', T_BIG, 0, 0, { maxMsgNums: '16', sysFlag: '4', commitOffset: '-1' }));
    }, 100);

    // Meanwhile: a producer and a consumer over each protocol, one message at a time, for 2.5 × the stall time.
    const live = grpc();
    const liveRem = await remoting();
    const latencies: number[] = [];
    let retries = 0;
    let served = 0;
    const busyTexts = new Set<string>();
    // At least 2.5 × the stall time and 20 round trips (a loaded machine slows both sides), 20 s at most.
    const started = Date.now();
    const until = started + LIMITS.stallMs * 2.5;
    let n = 0;
    let offset = 0;
    while ((Date.now() < until || served < 20) && Date.now() - started < 20_000) {
      const key = `live-${n++}`;
      const t0 = Date.now();
      // Send over gRPC (retrying while busy, as the official clients do), read it back over remoting.
      for (;;) {
        const r = await call(live.sendMessage, live, { messages: [grpcMessage(T_LIVE, key, Buffer.from(key))] }, clientMetadata('live-producer'), 5000);
        if (r.status?.code === Code.OK) break;
        assert.equal(r.status?.code, Code.TOO_MANY_REQUESTS, JSON.stringify(r.status));
        busyTexts.add(r.status!.message.replace(/\d+/g, 'N'));
        retries++;
        await new Promise((res) => setTimeout(res, 20));
      }
      for (;;) {
        const r = await liveRem.invoke(RequestCode.PULL_MESSAGE, pullHeader('live-consumer', T_LIVE, 0, offset, { sysFlag: '4', commitOffset: '-1' }), undefined, 5000);
        if (r.code === ResponseCode.SUCCESS) {
          const keys = decodeMessages(r.body!).map((m) => decodeProperties(m.properties)['KEYS']);
          assert.deepEqual(keys, [key]);
          offset = Number(r.extFields['nextBeginOffset']);
          break;
        }
        assert.ok(r.code === ResponseCode.SYSTEM_BUSY || r.code === ResponseCode.PULL_NOT_FOUND, `${r.code} ${r.remark}`);
        busyTexts.add(`${r.code} ${(r.remark ?? '').replace(/\d+/g, 'N')}`);
        retries++;
        await new Promise((res) => setTimeout(res, 20));
      }
      latencies.push(Date.now() - t0);
      served++;
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    const max = latencies[latencies.length - 1] ?? 0;
    figures.requests += served * 2 + retries;
    figures.served += served * 2;
    figures.refused += retries;

    // The broker cut the never-reading clients: every remoting connection closed, every gRPC stream reset.
    clearInterval(pipelining);
    for (const r of remReaders) r.drain();
    await waitFor('never-reading remoting connections closed', () => (remReaders.every((r) => r.closedByBroker) ? true : undefined), LIMITS.stallMs * 3);
    console.log(`(d) while 32 gRPC streams and 8 remoting connections never read: ${served} round trips served, p99 ${p99} ms, max ${max} ms, ${retries} busy retries`);
    console.log(`(d) refusals seen by the pair: ${[...busyTexts].join(' | ')}`);
    console.log(`(d) peak RSS in this phase ${mib(rss.phase())} MiB`);
    // The stalled gRPC receives were reset: their slots are free (the connections are still open, unread).
    await waitFor('stalled gRPC streams reset', async () => ((await grpcInFlight(broker)) === 0 ? true : undefined), LIMITS.stallMs * 3);
    for (const r of remReaders) r.close();
    for (const g of grpcReaders) g.close();
    assert.match(broker.stderr(), /gRPC client does not read its answer; resetting the stream/);
    assert.ok(served >= 20, `the well-behaved pair was served (${served} round trips)`);
    // While the stalled clients hold the in-flight slots and the budget the pair is refused; they are cut after
    // stallMs (plus scheduling delay on a loaded machine), then the pair is served at once.
    assert.ok(max < LIMITS.stallMs * 4, `latency bounded by the stall cut-off (max ${max} ms)`);
    assert.ok(p99 < LIMITS.stallMs * 4, `p99 ${p99} ms`);
    assert.match(broker.stderr(), /remoting client (does not read|has not read) its answers/, 'the broker logged why it cut a remoting client');
  });

  test('(e) peak RSS of the broker child stays under the budget plus a fixed baseline', () => {
    rss.sample();
    const bound = figures.idleRss + LIMITS.budget + BASELINE_SLACK;
    console.log(`(e) idle RSS ${mib(figures.idleRss)} MiB, peak RSS ${mib(rss.peak)} MiB, bound ${mib(bound)} MiB (idle + budget ${mib(LIMITS.budget)} + ${mib(BASELINE_SLACK)})`);
    assert.ok(rss.peak > 0, 'RSS was sampled');
    assert.ok(rss.peak < bound, `peak RSS ${mib(rss.peak)} MiB under ${mib(bound)} MiB`);
  });
});
