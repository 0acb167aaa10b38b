/**
 * `remoting` section: 1 KiB acknowledged sends (sync flush) through a pipelining remoting client — the project's
 * own: name server lookup, one TCP connection, SEND_MESSAGE_V2 with JSON headers as the Java client sends them,
 * and with ROCKETMQ binary headers — and through the SDK's Producer.send (the same protocol plus everything an
 * application gets: routes, queue choice, unique ids, typed results), next to Apogee's gRPC front (plain grpc-js
 * stubs), the classic Java client (rocketmq-client 5.4.0's DefaultMQProducer, bench/java-classic.ts), RabbitMQ and
 * NATS JetStream in the same run, and Apache RocketMQ through the same clients when
 * APOGEE_BENCH_REFERENCE_NAMESRV names a running reference's name server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Producer } from '../src/client/index.js';
import { RemotingClient } from '../src/client/remoting-client.js';
import { silentLogger } from '../src/util/logger.js';
import { RequestCode, ResponseCode, SerializeType } from '../src/protocol/remoting/codes.js';
import { encodeProperties } from '../src/protocol/remoting/message-codec.js';
import { startChild } from './child.js';
import { sendRun } from './grpc.js';
import { javaClassicRows } from './java-classic.js';
import { fmt, markdownTable } from './latency.js';
import { drive, grpcJsSender, jetstream, measurePeer, rabbitmq, type PeerRow, type PeerRun } from './peers.js';

const CLI_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const BODY = Buffer.alloc(1024, 0x62);
const TOPIC = 'RemotingBench';

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

/** Route lookup on the name server, then one connection to the topic's broker; sends spread over its write queues. */
export async function remotingSender(label: string, namesrv: string, topic: string, serializeType: SerializeType): Promise<{ run: PeerRun; close(): void }> {
  const ns = await RemotingClient.connect(hostPort(namesrv));
  const route = await ns.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
  ns.close();
  if (route.code !== ResponseCode.SUCCESS || !route.body) throw new Error(`no route for ${topic}: ${route.code} ${route.remark ?? ''}`);
  const r = JSON.parse(route.body.toString()) as { queueDatas: Array<{ writeQueueNums: number }>; brokerDatas: Array<{ brokerAddrs: Record<string, string> }> };
  const addr = r.brokerDatas[0]?.brokerAddrs['0'];
  if (!addr) throw new Error(`route for ${topic} has no master address`);
  const queues = r.queueDatas[0]?.writeQueueNums ?? 1;
  const client = await RemotingClient.connect({ ...hostPort(addr), serializeType });
  let n = 0;
  const send = async (): Promise<void> => {
    const i = n++;
    const res = await client.invoke(RequestCode.SEND_MESSAGE_V2, {
      a: 'bench-producer',
      b: topic,
      c: 'TBW102',
      d: '4',
      e: String(i % queues),
      f: '0',
      g: String(Date.now()),
      h: '0',
      i: encodeProperties({ TAGS: 'bench', UNIQ_KEY: `7F000001BENCH${i.toString(16).padStart(16, '0')}`, WAIT: 'true' }),
      j: '0',
      k: 'false',
      m: 'false',
    }, BODY, 10_000);
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`SEND_MESSAGE_V2: ${res.code} ${res.remark ?? ''}`);
  };
  return { run: (k, s) => drive(label, k, s, send), close: () => client.close() };
}

/** The SDK's Producer.send (route, queue choice, unique id, result mapping included): what an application pays. */
export async function sdkSender(label: string, namesrv: string, topic: string): Promise<{ run: PeerRun; close(): Promise<void> }> {
  const producer = new Producer({ producerGroup: 'bench-sdk-producer', namesrvAddr: namesrv, sendMsgTimeoutMs: 10_000, logger: silentLogger() });
  await producer.start();
  await producer.fetchPublishMessageQueues(topic);
  const send = async (): Promise<void> => {
    const r = await producer.send({ topic, body: BODY, tags: 'bench' });
    if (r.sendStatus !== 'SEND_OK') throw new Error(`SDK send: ${r.sendStatus}`);
  };
  return { run: (k, s) => drive(label, k, s, send), close: () => producer.shutdown() };
}

async function createTopic(adminUrl: string, name: string): Promise<void> {
  const res = await fetch(`${adminUrl}/api/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, messageType: 'NORMAL', queueNums: 8 }),
  });
  if (!res.ok) throw new Error(`create topic ${name}: ${res.status} ${await res.text()}`);
}

export async function remotingBench(seconds: number): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'apogee-remoting-bench-'));
  const apogee = await startChild(
    CLI_MAIN,
    ['start', '--data-dir', dataDir, '--grpc-port', '0', '--http-port', '0', '--namesrv-port', '0', '--remoting-port', '0', '--flush', 'sync', '--log-level', 'warn'],
    /^apogee ready grpc=(\S+):(\d+) http=(\S+):(\d+) namesrv=(\S+) remoting=(\S+)/,
  );
  try {
    const grpc = `${apogee.ready[1]}:${apogee.ready[2]}`;
    const namesrv = apogee.ready[5] as string;
    await createTopic(`http://${apogee.ready[3]}:${apogee.ready[4]}`, TOPIC);
    const rows: PeerRow[] = [];
    rows.push(...(await measurePeer('apogee remoting (JSON headers)', async () => ({ ...(await remotingSender('apogee remoting (JSON headers)', namesrv, TOPIC, SerializeType.JSON)), note: 'sync flush' }), seconds)));
    rows.push(...(await measurePeer('apogee SDK Producer.send', async () => ({ ...(await sdkSender('apogee SDK Producer.send', namesrv, TOPIC)), note: 'sync flush' }), seconds)));
    // The classic Java client (DefaultMQProducer, async sends) through the same name server, one JVM for all windows.
    rows.push(...(await javaClassicRows(namesrv, TOPIC, [1, 16, 256], seconds, BODY.length, 'sync flush')));
    rows.push(...(await measurePeer('apogee remoting (binary headers)', async () => ({ ...(await remotingSender('apogee remoting (binary headers)', namesrv, TOPIC, SerializeType.ROCKETMQ)), note: 'sync flush' }), seconds)));
    for (const n of [1, 16, 256]) {
      // The official gRPC Node client (rocketmq-client-nodejs) against the same broker: what its users get today.
      try {
        const r = await sendRun('apogee', grpc, TOPIC, 'normal', n, seconds);
        rows.push({ peer: 'apogee gRPC (official Node client)', inFlight: n, perSec: r.perSec, p50: r.p50, p99: r.p99, note: 'sync flush' });
      } catch (err) {
        rows.push({ peer: 'apogee gRPC (official Node client)', inFlight: 0, perSec: 0, p50: 0, p99: 0, note: `failed: ${(err as Error).message}` });
        break;
      }
    }
    rows.push(...(await measurePeer('apogee gRPC (grpc-js stubs)', async () => ({ ...(await grpcJsSender('apogee gRPC (grpc-js stubs)', grpc, TOPIC)), note: 'sync flush' }), seconds)));
    const reference = process.env.APOGEE_BENCH_REFERENCE_NAMESRV;
    if (reference) {
      const topic = process.env.APOGEE_BENCH_REFERENCE_TOPIC ?? 'TopicTest';
      rows.push(...(await measurePeer('Apache RocketMQ remoting (JSON headers)', async () => ({ ...(await remotingSender('Apache RocketMQ remoting (JSON headers)', reference, topic, SerializeType.JSON)), note: 'as the reference is configured' }), seconds)));
      rows.push(...(await measurePeer('Apache RocketMQ, SDK Producer.send', async () => ({ ...(await sdkSender('Apache RocketMQ, SDK Producer.send', reference, topic)), note: 'as the reference is configured' }), seconds)));
    } else {
      rows.push({ peer: 'Apache RocketMQ remoting', inFlight: 0, perSec: 0, p50: 0, p99: 0, note: 'not measured: set APOGEE_BENCH_REFERENCE_NAMESRV=HOST:PORT (npm run reference -- start)' });
    }
    rows.push(...(await measurePeer('RabbitMQ (durable, confirms)', rabbitmq, seconds)));
    rows.push(...(await measurePeer('NATS JetStream (file)', jetstream, seconds)));
    const ratio = (basePeer: string, r: PeerRow): string => {
      const b = rows.find((x) => x.peer === basePeer && x.inFlight === r.inFlight);
      return b && r.perSec > 0 && b !== r ? fmt(b.perSec / r.perSec, 2) : '-';
    };
    return [
      'acknowledged sends of 1 KiB, one client process on this machine; ratios = apogee remoting (JSON headers) ÷ row and apogee SDK Producer.send ÷ row, same in-flight count',
      markdownTable(
        ['sender', 'in flight', 'msgs/s', 'p50 ms', 'p99 ms', 'remoting ÷ row', 'SDK ÷ row', 'note'],
        rows.map((r) => [
          r.peer,
          r.inFlight ? String(r.inFlight) : '-',
          r.inFlight ? fmt(r.perSec) : '-',
          fmt(r.p50, 2),
          fmt(r.p99, 2),
          ratio('apogee remoting (JSON headers)', r),
          ratio('apogee SDK Producer.send', r),
          r.note ?? '',
        ]),
      ),
    ].join('\n');
  } finally {
    await apogee.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
