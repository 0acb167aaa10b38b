/**
 * gRPC bench: the official Node client (rocketmq-client-nodejs) sending 1 KiB messages to a spawned `apogee start`
 * (sync flush) at 1/16/256 in flight, next to the same client against a no-op MessagingService (the client's own
 * ceiling on this machine); transactional sends (half message + COMMIT) next to normal ones; and end-to-end latency
 * from the send call to a SimpleConsumer's receive.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startChild, type BenchChild } from './child.js';
import { fmt, LatencySample, markdownTable, runLoops } from './latency.js';

const CLI_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const NOOP_MAIN = fileURLToPath(new URL('./noop-grpc-server.js', import.meta.url));
const BODY = Buffer.alloc(1024, 0x61);
const IN_FLIGHT = [1, 16, 256] as const;
const COMMIT = 1; // apache.rocketmq.v2.TransactionResolution.COMMIT

const quietLogger = { info: (): void => {}, warn: (): void => {}, error: (): void => {}, debug: (): void => {}, close: (): void => {} };

export interface SendRow {
  target: string;
  kind: 'normal' | 'transaction';
  inFlight: number;
  sends: number;
  perSec: number;
  p50: number;
  p99: number;
}

type ProducerOptions = ConstructorParameters<typeof Producer>[0];

export async function sendRun(target: string, endpoint: string, topic: string, kind: SendRow['kind'], inFlight: number, seconds: number): Promise<SendRow> {
  const options: ProducerOptions = { endpoints: endpoint, namespace: '', logger: quietLogger, topic, requestTimeout: 30_000 };
  // A transactional producer needs a checker; with every transaction committed at once it is never asked.
  if (kind === 'transaction') (options as ProducerOptions & { checker: unknown }).checker = { check: async () => COMMIT };
  const producer = new Producer(options);
  await producer.startup();
  try {
    const one = async (): Promise<void> => {
      if (kind === 'normal') {
        await producer.send({ topic, body: BODY, tag: 'bench' });
      } else {
        const tx = producer.beginTransaction();
        await producer.send({ topic, body: BODY, tag: 'bench' }, tx);
        await tx.commit();
      }
    };
    const r = await runLoops(inFlight, seconds, one);
    return { target, kind, inFlight, sends: r.count, perSec: r.perSec, p50: r.p50, p99: r.p99 };
  } finally {
    await producer.shutdown().catch(() => {});
  }
}

interface E2eRow {
  inFlight: number;
  received: number;
  sent: number;
  p50: number;
  p99: number;
}

/** Producer and SimpleConsumer (4 long-polling receive loops) on one fresh topic; latency = receive time − send call. */
async function e2eRun(endpoint: string, topic: string, inFlight: number, seconds: number): Promise<E2eRow> {
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: `bench-e2e-${inFlight}`,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 1000,
  });
  const producer = new Producer({ endpoints: endpoint, namespace: '', logger: quietLogger, topic });
  await consumer.startup();
  await producer.startup();
  const started = new Map<string, number>();
  const lat = new LatencySample();
  let sending = true;
  let sent = 0;
  let stopAt = Number.POSITIVE_INFINITY;
  const receiveLoop = async (): Promise<void> => {
    // After the last send, drain what is still on its way (at most 10 s).
    while ((sending || lat.count < sent) && performance.now() < stopAt + 10_000) {
      const got = await consumer.receive(32, 30_000);
      const now = performance.now();
      for (const m of got) {
        const t = started.get(m.body.toString('latin1', 0, 24).trimEnd());
        if (t !== undefined) lat.add(now - t);
      }
      await Promise.all(got.map((m) => consumer.ack(m)));
    }
  };
  try {
    const loops = Array.from({ length: 4 }, receiveLoop);
    const deadline = performance.now() + seconds * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          const id = `e2e-${n++}`;
          const body = Buffer.from(BODY);
          body.write(id.padEnd(24), 'latin1');
          started.set(id, performance.now());
          await producer.send({ topic, body, tag: 'bench' });
          sent++;
        }
      }),
    );
    sending = false;
    stopAt = performance.now();
    await Promise.all(loops);
    return { inFlight, received: lat.count, sent, p50: lat.percentile(0.5), p99: lat.percentile(0.99) };
  } finally {
    await producer.shutdown().catch(() => {});
    await consumer.shutdown().catch(() => {});
  }
}

async function createTopic(adminUrl: string, name: string, messageType: string): Promise<void> {
  const res = await fetch(`${adminUrl}/api/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, messageType, queueNums: 8 }),
  });
  if (!res.ok) throw new Error(`create topic ${name}: ${res.status} ${await res.text()}`);
}

export async function grpcBench(seconds: number): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'apogee-grpc-bench-'));
  const children: BenchChild[] = [];
  try {
    const apogee = await startChild(
      CLI_MAIN,
      ['start', '--data-dir', dataDir, '--grpc-port', '0', '--http-port', '0', '--namesrv-port', '0', '--remoting-port', '0', '--flush', 'sync', '--log-level', 'warn'],
      /^apogee ready grpc=(\S+):(\d+) http=(\S+):(\d+)/,
    );
    children.push(apogee);
    const apogeeEndpoint = `${apogee.ready[1]}:${apogee.ready[2]}`;
    const adminUrl = `http://${apogee.ready[3]}:${apogee.ready[4]}`;
    await createTopic(adminUrl, 'Bench', 'NORMAL');
    await createTopic(adminUrl, 'BenchTx', 'TRANSACTION');
    const noop = await startChild(NOOP_MAIN, [], /^noop-grpc ready (\d+)$/);
    children.push(noop);
    const noopEndpoint = `127.0.0.1:${noop.ready[1]}`;

    const rows: SendRow[] = [];
    for (const n of IN_FLIGHT) {
      rows.push(await sendRun('no-op server', noopEndpoint, 'Bench', 'normal', n, seconds));
      rows.push(await sendRun('apogee', apogeeEndpoint, 'Bench', 'normal', n, seconds));
      rows.push(await sendRun('apogee', apogeeEndpoint, 'BenchTx', 'transaction', n, seconds));
    }
    const base = (r: SendRow): SendRow | undefined =>
      r.target === 'apogee' && r.kind === 'normal'
        ? rows.find((x) => x.target === 'no-op server' && x.inFlight === r.inFlight)
        : r.kind === 'transaction'
          ? rows.find((x) => x.target === 'apogee' && x.kind === 'normal' && x.inFlight === r.inFlight)
          : undefined;
    const sendTable = markdownTable(
      ['target', 'send', 'in flight', 'sends/s', 'p50 ms', 'p99 ms', 'ratio'],
      rows.map((r) => {
        const b = base(r);
        const ratio = b ? `${fmt(r.perSec / b.perSec, 2)} of ${b.target === 'apogee' ? 'normal' : 'no-op'}` : '-';
        return [r.target, r.kind, String(r.inFlight), fmt(r.perSec), fmt(r.p50, 2), fmt(r.p99, 2), ratio];
      }),
    );

    const e2e: E2eRow[] = [];
    for (const n of IN_FLIGHT) {
      const topic = `BenchE2e${n}`;
      await createTopic(adminUrl, topic, 'NORMAL');
      e2e.push(await e2eRun(apogeeEndpoint, topic, n, seconds));
    }
    const e2eTable = markdownTable(
      ['end to end (send call → receive)', 'sent', 'received', 'p50 ms', 'p99 ms'],
      e2e.map((r) => [`${r.inFlight} in flight`, fmt(r.sent), fmt(r.received), fmt(r.p50, 2), fmt(r.p99, 2)]),
    );
    return [
      'official Node client (rocketmq-client-nodejs) → apogee start --flush sync, 1 KiB bodies, client and server on this machine',
      sendTable,
      '',
      e2eTable,
    ].join('\n');
  } finally {
    for (const c of children.reverse()) await c.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
