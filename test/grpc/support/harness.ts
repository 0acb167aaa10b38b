/**
 * Test assembly: a real broker (store on a temp dir) behind a real gRPC server on a free loopback port, plus
 * helpers shared by the gRPC tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import { openMessageStore } from '../../../src/store/index.js';
import type { BrokerOptions } from '../../../src/broker/options.js';
import { credentials, Metadata } from '@grpc/grpc-js';
import type { BrokerApi } from '../../../src/broker/api.js';
import { startGrpcServer, type GrpcServerHandle, type GrpcServerOptions } from '../../../src/protocol/grpc/server.js';
import { MessagingServiceClient } from '../../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { CountingRpcMetrics } from '../../../src/protocol/grpc/metrics.js';
import { silentLogger } from '../../../src/util/logger.js';

export interface Harness {
  broker: BrokerApi;
  server: GrpcServerHandle;
  metrics: CountingRpcMetrics;
  endpoint: string;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { broker?: Partial<Omit<BrokerOptions, 'store' | 'dataDir' | 'logger'>>; server?: Partial<Omit<GrpcServerOptions, 'broker'>> } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'apogee-grpc-'));
  const logger = silentLogger();
  const store = await openMessageStore({ dataDir: dir, flushMode: 'async', asyncFlushIntervalMs: 20, logger });
  const broker = await Broker.open({ store, dataDir: dir, logger, ...opts.broker });
  const metrics = new CountingRpcMetrics();
  const server = await startGrpcServer({
    broker,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    metrics,
    ...opts.server,
  });
  return {
    broker,
    server,
    metrics,
    endpoint: `127.0.0.1:${server.port}`,
    async close() {
      await server.close();
      await broker.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A raw client with the generated types, for requests the official client would never send. */
export function rawClient(endpoint: string): MessagingServiceClient {
  return new MessagingServiceClient(endpoint, credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
}

export function clientMetadata(clientId = 'raw-test-client'): Metadata {
  const md = new Metadata();
  if (clientId !== '') md.set('x-mq-client-id', clientId);
  md.set('x-mq-protocol', 'v2');
  md.set('x-mq-language', 'NODE_JS');
  return md;
}

/** Calls a unary method of the raw client as a promise. */
export function call<Req, Res>(
  fn: (req: Req, md: Metadata, opts: { deadline: number }, cb: (err: Error | null, res: Res) => void) => unknown,
  client: MessagingServiceClient,
  req: Req,
  md: Metadata = clientMetadata(),
  timeoutMs = 5000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn.call(client, req, md, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Polls `cond` until true or the deadline passes (then throws with `what`). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The official client logs a lot through its default logger; this one keeps test output clean. */
export const quietLogger = {
  info: (): void => {},
  warn: (): void => {},
  error: (): void => {},
  debug: (): void => {},
  close: (): void => {},
};
