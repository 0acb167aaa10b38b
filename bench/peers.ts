/**
 * Peers bench: acknowledged sends of 1 KiB messages at 1/16/256 in flight, for the same number of seconds each, to
 * Apogee and to the brokers running on this machine — RabbitMQ (durable queue, persistent messages, publisher
 * confirms), NATS JetStream (file-storage stream, publish acks) and Redis (XADD to a stream; durability is whatever
 * the server is configured with, printed next to it). Apogee is measured twice: through the official RocketMQ Node
 * client, and through plain @grpc/grpc-js stubs (what the server itself can take, without that client's overhead).
 * A peer that cannot be reached is listed as such, not left out. Apache RocketMQ 5 is measured when
 * APOGEE_BENCH_REFERENCE names the gRPC endpoint of a running reference (`npm run reference -- start`), with the same
 * two clients as Apogee (topic APOGEE_BENCH_REFERENCE_TOPIC, default TopicTest, which the launcher creates).
 *
 * Addresses: APOGEE_BENCH_AMQP_URL (amqp://guest:guest@127.0.0.1:5672), APOGEE_BENCH_NATS_URL (127.0.0.1:4222),
 * APOGEE_BENCH_REDIS_URL (redis://127.0.0.1:6379).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { connect as natsConnect, StorageType } from 'nats';
import { Encoding, MessageType, SystemProperties } from '../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { MessagingServiceClient, type SendMessageRequest, type SendMessageResponse } from '../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { startChild } from './child.js';
import { sendRun } from './grpc.js';
import { fmt, markdownTable, runLoops } from './latency.js';

const CLI_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const BODY = Buffer.alloc(1024, 0x62);
const IN_FLIGHT = [1, 16, 256] as const;

export interface PeerRow {
  peer: string;
  inFlight: number;
  perSec: number;
  p50: number;
  p99: number;
  note?: string;
}

/** One peer's row: `send` is one acknowledged message. */
export async function drive(peer: string, inFlight: number, seconds: number, send: () => Promise<unknown>): Promise<PeerRow> {
  const r = await runLoops(inFlight, seconds, send);
  return { peer, inFlight, perSec: r.perSec, p50: r.p50, p99: r.p99 };
}

export type PeerRun = (inFlight: number, seconds: number) => Promise<PeerRow>;

/** Plain grpc-js SendMessage calls (one message each) to a RocketMQ 5 gRPC endpoint: Apogee or Apache RocketMQ's proxy. */
export async function grpcJsSender(label: string, endpoint: string, topic: string): Promise<{ run: PeerRun; close(): void }> {
  const client = new MessagingServiceClient(endpoint, credentials.createInsecure());
  const md = new Metadata();
  md.set('x-mq-client-id', `bench-${randomUUID()}`);
  md.set('x-mq-protocol', 'v2');
  let n = 0;
  const send = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req: SendMessageRequest = {
        messages: [
          {
            topic: { name: topic, resourceNamespace: '' },
            userProperties: {},
            systemProperties: SystemProperties.fromPartial({
              messageId: `01BENCH${(n++).toString(16).padStart(24, '0')}`,
              messageType: MessageType.NORMAL,
              bodyEncoding: Encoding.IDENTITY,
              bornTimestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
              bornHost: '127.0.0.1',
              tag: 'bench',
            }),
            body: BODY,
          },
        ],
      };
      client.sendMessage(req, md, (err: Error | null, res: SendMessageResponse) => {
        if (err) return reject(err);
        const code = res.status?.code ?? 0;
        if (code !== 20000) return reject(new Error(`SendMessage: ${code} ${res.status?.message}`));
        resolve();
      });
    });
  return { run: (n, s) => drive(label, n, s, send), close: () => client.close() };
}

export async function rabbitmq(): Promise<{ run: PeerRun; close(): Promise<void> }> {
  const conn = await amqp.connect(process.env.APOGEE_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createConfirmChannel();
  const queue = `apogee-bench-${randomUUID()}`;
  await ch.assertQueue(queue, { durable: true, autoDelete: false });
  const send = (): Promise<void> =>
    new Promise((resolve, reject) => {
      ch.sendToQueue(queue, BODY, { persistent: true }, (err) => (err ? reject(err) : resolve()));
    });
  return {
    run: (n, s) => drive('RabbitMQ (durable, confirms)', n, s, send),
    close: async () => {
      await ch.deleteQueue(queue).catch(() => {});
      await conn.close().catch(() => {});
    },
  };
}

export async function jetstream(): Promise<{ run: PeerRun; close(): Promise<void> }> {
  const nc = await natsConnect({ servers: process.env.APOGEE_BENCH_NATS_URL ?? '127.0.0.1:4222' });
  const jsm = await nc.jetstreamManager();
  const stream = `APOGEE_BENCH_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const subject = `apogee.bench.${stream}`;
  await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
  const js = nc.jetstream();
  return {
    run: (n, s) => drive('NATS JetStream (file)', n, s, () => js.publish(subject, BODY)),
    close: async () => {
      await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    },
  };
}

async function redis(): Promise<{ run: PeerRun; close(): Promise<void>; note: string }> {
  const r = new Redis(process.env.APOGEE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  const aof = ((await r.config('GET', 'appendonly')) as string[])[1];
  const fsync = ((await r.config('GET', 'appendfsync')) as string[])[1];
  const key = `apogee-bench-${randomUUID()}`;
  return {
    note: aof === 'yes' ? `appendonly yes, appendfsync ${fsync}` : 'appendonly no: in memory only',
    run: (n, s) => drive('Redis (XADD)', n, s, () => r.xadd(key, '*', 'b', BODY)),
    close: async () => {
      await r.del(key).catch(() => 0);
      r.disconnect();
    },
  };
}

async function unreachable(peer: string, err: unknown): Promise<PeerRow[]> {
  const why = (err as Error).message.split('\n')[0] ?? String(err);
  return [{ peer, inFlight: 0, perSec: 0, p50: 0, p99: 0, note: `not reachable: ${why}` }];
}

export async function measurePeer(peer: string, open: () => Promise<{ run: PeerRun; close(): Promise<void> | void; note?: string }>, seconds: number): Promise<PeerRow[]> {
  let handle;
  try {
    handle = await open();
  } catch (err) {
    return unreachable(peer, err);
  }
  const rows: PeerRow[] = [];
  try {
    for (const n of IN_FLIGHT) rows.push({ ...(await handle.run(n, seconds)), ...(handle.note ? { note: handle.note } : {}) });
  } finally {
    await handle.close();
  }
  return rows;
}

export async function peersBench(seconds: number): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'apogee-peers-bench-'));
  const apogee = await startChild(
    CLI_MAIN,
    ['start', '--data-dir', dataDir, '--grpc-port', '0', '--http-port', '0', '--namesrv-port', '0', '--remoting-port', '0', '--flush', 'sync', '--log-level', 'warn'],
    /^apogee ready grpc=(\S+):(\d+) http=(\S+):(\d+)/,
  );
  try {
    const endpoint = `${apogee.ready[1]}:${apogee.ready[2]}`;
    const res = await fetch(`http://${apogee.ready[3]}:${apogee.ready[4]}/api/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'PeerBench', messageType: 'NORMAL', queueNums: 8 }),
    });
    if (!res.ok) throw new Error(`create topic PeerBench: ${res.status}`);
    const rows: PeerRow[] = [];
    for (const n of IN_FLIGHT) {
      const r = await sendRun('apogee', endpoint, 'PeerBench', 'normal', n, seconds);
      rows.push({ peer: 'apogee (official Node client)', inFlight: n, perSec: r.perSec, p50: r.p50, p99: r.p99, note: 'sync flush' });
    }
    rows.push(...(await measurePeer('apogee (grpc-js stubs)', async () => {
      const h = await grpcJsSender('apogee (grpc-js stubs)', endpoint, 'PeerBench');
      return { ...h, note: 'sync flush' };
    }, seconds)));
    // Apache RocketMQ: a running reference (`npm run reference -- start` prints its gRPC endpoint), same two clients.
    const reference = process.env.APOGEE_BENCH_REFERENCE;
    if (reference) {
      const topic = process.env.APOGEE_BENCH_REFERENCE_TOPIC ?? 'TopicTest';
      for (const n of IN_FLIGHT) {
        try {
          const r = await sendRun('reference', reference, topic, 'normal', n, seconds);
          rows.push({ peer: 'Apache RocketMQ (official Node client)', inFlight: n, perSec: r.perSec, p50: r.p50, p99: r.p99, note: 'SYNC_FLUSH, proxy local mode' });
        } catch (err) {
          rows.push(...(await unreachable('Apache RocketMQ (official Node client)', err)));
          break;
        }
      }
      rows.push(...(await measurePeer('Apache RocketMQ (grpc-js stubs)', async () => {
        const h = await grpcJsSender('Apache RocketMQ (grpc-js stubs)', reference, topic);
        return { ...h, note: 'SYNC_FLUSH, proxy local mode' };
      }, seconds)));
    } else {
      rows.push({ peer: 'Apache RocketMQ', inFlight: 0, perSec: 0, p50: 0, p99: 0, note: 'not measured: set APOGEE_BENCH_REFERENCE=HOST:PORT (npm run reference -- start)' });
    }
    rows.push(...(await measurePeer('RabbitMQ (durable, confirms)', rabbitmq, seconds)));
    rows.push(...(await measurePeer('NATS JetStream (file)', jetstream, seconds)));
    rows.push(...(await measurePeer('Redis (XADD)', redis, seconds)));
    // Like with like: rows through the official client against Apogee through it, the rest against Apogee's stubs row.
    const ref = (r: PeerRow): PeerRow | undefined => {
      const base = r.peer.includes('official Node client') ? 'apogee (official Node client)' : 'apogee (grpc-js stubs)';
      return rows.find((x) => x.peer === base && x.inFlight === r.inFlight);
    };
    return [
      'acknowledged sends of 1 KiB, one client process on this machine; ratio = apogee ÷ peer at the same in-flight count, through the same client (official Node client rows vs apogee through it, the rest vs apogee through grpc-js stubs)',
      markdownTable(
        ['peer', 'in flight', 'msgs/s', 'p50 ms', 'p99 ms', 'apogee ÷ peer', 'note'],
        rows.map((r) => {
          const a = ref(r);
          const ratio = a && r.perSec > 0 && r.peer !== a.peer ? fmt(a.perSec / r.perSec, 2) : '-';
          return [r.peer, r.inFlight ? String(r.inFlight) : '-', r.inFlight ? fmt(r.perSec) : '-', fmt(r.p50, 2), fmt(r.p99, 2), ratio, r.note ?? ''];
        }),
      ),
    ].join('\n');
  } finally {
    await apogee.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
