/**
 * Helpers of the transaction tests: official clients set up the way the tests need them, a raw EndTransaction
 * that returns the status instead of throwing, and a consumer drain.
 */
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { TransactionResolution, TransactionSource } from '../../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { call, clientMetadata, quietLogger, rawClient } from './harness.js';
import { spawnBroker, type SpawnedBroker } from '../../helpers/broker-process.js';

/** apache.rocketmq.v2.TransactionResolution as the official client's checker returns it. */
export const COMMIT = 1;
export const ROLLBACK = 2;

/** What a checker returns: COMMIT/ROLLBACK, 0 (UNKNOWN: no answer), undefined (answers UNSPECIFIED), or null. */
export type CheckAnswer = number | undefined | null;

export async function startTxProducer(endpoint: string, topic: string, check: (m: MessageView) => Promise<CheckAnswer> | CheckAnswer): Promise<Producer> {
  const producer = new Producer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    topic,
    checker: { check: async (m: MessageView) => (await check(m)) as never },
  } as ConstructorParameters<typeof Producer>[0]);
  await producer.startup();
  return producer;
}

export async function startConsumer(endpoint: string, group: string, topic: string): Promise<SimpleConsumer> {
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 500,
  });
  await consumer.startup();
  return consumer;
}

/** Receives and acks for `ms` (at least one receive), returning every message seen. */
export async function drain(consumer: SimpleConsumer, ms: number): Promise<MessageView[]> {
  const out: MessageView[] = [];
  const end = Date.now() + ms;
  do {
    const got = await consumer.receive(32, 10_000);
    for (const m of got) {
      out.push(m);
      await consumer.ack(m);
    }
  } while (Date.now() < end);
  return out;
}

export interface RawEnd {
  topic: string;
  messageId: string;
  transactionId: string;
  resolution: TransactionResolution;
  source?: TransactionSource;
}

/** EndTransaction through the generated client: the status the broker answered (code, message). */
export async function rawEndTransaction(endpoint: string, req: RawEnd): Promise<{ code: number; message: string }> {
  const client = rawClient(endpoint);
  try {
    const res = await call(client.endTransaction, client, {
      topic: { name: req.topic, resourceNamespace: '' },
      messageId: req.messageId,
      transactionId: req.transactionId,
      resolution: req.resolution,
      source: req.source ?? TransactionSource.SOURCE_CLIENT,
      traceContext: '',
    }, clientMetadata('raw-tx-test'));
    return { code: res.status?.code ?? -1, message: res.status?.message ?? '' };
  } finally {
    client.close();
  }
}

export { TransactionResolution, TransactionSource };

/** SIGKILLs a spawned broker and starts it again on the same data dir and ports (clients reconnect by themselves). */
export async function killAndRestart(b: SpawnedBroker, args: string[], env?: Record<string, string>): Promise<SpawnedBroker> {
  await b.stop('SIGKILL');
  return spawnBroker({
    dataDir: b.dataDir,
    args: [...args, '--grpc-port', String(b.grpc.port), '--http-port', String(b.http.port)],
    readyTimeoutMs: 30_000,
    ...(env ? { env } : {}),
  });
}

/** Retries `fn` while the broker cannot be reached (a restart in progress); broker answers are not retried. */
export async function whileUnreachable<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      // gRPC transport codes: 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, 1 CANCELLED. Broker statuses are 5 digits.
      const code = (err as { code?: unknown }).code;
      const transport = code === 14 || code === 4 || code === 1 || /UNAVAILABLE|DEADLINE|ECONNREFUSED|No connection/i.test(String(err));
      if (!transport || Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** POST/GET on a spawned broker's admin API; throws on a non-2xx answer. */
export async function admin<T>(b: SpawnedBroker, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(b.adminUrl + path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * The official Node client 1.0.8 has a bug that shows when a broker dies under it: its Telemetry session listens
 * for 'error' and 'end' once each and removes all listeners on the first of them, so a later 'error'
 * (UNAVAILABLE) on that stream is unhandled and kills the process. Tests that SIGKILL brokers on purpose keep
 * the test process alive through exactly that error (gRPC code 14 raised from the client's TelemetrySession);
 * anything else still reaches the test runner. Call it inside a describe or hook (node:test installs its own
 * handler when tests start). Returns how many were swallowed, and a restore.
 */
export function tolerateClientTelemetryCrash(): { swallowed: () => number; restore: () => void } {
  let swallowed = 0;
  const isClientTelemetryError = (err: unknown): boolean =>
    err instanceof Error && (err as { code?: unknown }).code === 14 && /TelemetrySession/.test(err.stack ?? '');
  const original = process.listeners('uncaughtException');
  const wrapped = original.map(
    (l) =>
      ((err: Error, origin: NodeJS.UncaughtExceptionOrigin) => {
        if (isClientTelemetryError(err)) {
          swallowed++;
          return;
        }
        l(err, origin);
      }) as NodeJS.UncaughtExceptionListener,
  );
  process.removeAllListeners('uncaughtException');
  for (const w of wrapped) process.on('uncaughtException', w);
  return {
    swallowed: () => swallowed,
    restore: () => {
      for (const w of wrapped) process.off('uncaughtException', w);
      for (const l of original) process.on('uncaughtException', l);
    },
  };
}
