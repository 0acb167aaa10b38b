/**
 * The gRPC front: apache.rocketmq.v2.MessagingService on @grpc/grpc-js, translating to the broker API.
 * See docs/grpc.md for what each RPC does and the compatibility notes for the official clients.
 */
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import type { BrokerApi } from '../../broker/api.js';
import { ClientRegistry } from '../../broker/clients/registry.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { MemoryBudget } from '../../util/memory-budget.js';
import type { GrpcRuntime } from './context.js';
import type { TelemetryCommand } from './generated/apache/rocketmq/v2/service.js';
import { installDeadlineClamp } from './deadline-clamp.js';
import { parseHostPort } from './handlers/endpoints.js';
import type { GrpcAuth } from './auth.js';
import { InFlightLimiter } from './limiter.js';
import type { RpcMetricsSink } from './metrics.js';
import { messagingServiceDefinition, messagingServiceImplementation, type ServiceDeps } from './service.js';
import { resolveGrpcSettings, type GrpcSettings } from './settings.js';

export interface GrpcServerOptions {
  broker: BrokerApi;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** Live-client registry to feed; a private one is created when absent (see `GrpcServerHandle.clients`). */
  clients?: ClientRegistry;
  clock?: Clock;
  /** Overrides of the defaults in settings.ts (long polling, limits, backoff policy, ...). */
  settings?: Partial<GrpcSettings>;
  /** Receives one observation per finished RPC (name, v2 code, latency) for /metrics. */
  metrics?: RpcMetricsSink;
  /** Broker name shown in routes (default "apogee"). */
  brokerName?: string;
  /** "host:port" routes advertise; default: the address each client connected to. */
  advertisedEndpoint?: string;
  /** Authentication and ACL on every RPC; absent = open (auth off). */
  auth?: GrpcAuth;
  /** Serve TLS with this PEM certificate (chain) and key instead of plaintext. */
  tls?: { cert: Buffer; key: Buffer };
  /** The global byte budget shared with the other fronts (limits.memoryBudgetBytes); absent = not counted. */
  budget?: MemoryBudget;
  /** Reset a stream whose client has not read its answer for this long (0 / absent = never). */
  writeStallCloseMs?: number;
}

export interface GrpcServerHandle {
  /** The bound port. */
  readonly port: number;
  /** The live-client registry this server feeds. */
  readonly clients: ClientRegistry;
  readonly settings: Readonly<GrpcSettings>;
  /** Requests in progress (Telemetry streams excluded). */
  inFlight(): number;
  /** Open Telemetry streams. */
  telemetryStreams(): number;
  close(): Promise<void>;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServerHandle> {
  const settings = resolveGrpcSettings(options.settings);
  let advertised: { host: string; port: number } | undefined;
  if (options.advertisedEndpoint !== undefined) {
    advertised = parseHostPort(options.advertisedEndpoint);
    if (!advertised) throw new Error(`advertisedEndpoint must be host:port, got ${JSON.stringify(options.advertisedEndpoint)}`);
  }
  const ownRegistry = options.clients === undefined;
  const clients = options.clients ?? new ClientRegistry({ clock: options.clock ?? systemClock });
  // Check-backs reach one live producer that declared the topic (gRPC clients' producer group is the topic).
  options.broker.setCheckBackChannel({
    sendCheck: (producerGroup, message, transactionId) =>
      clients.sendToProducerOfTopic(producerGroup, { kind: 'recoverOrphanedTransaction', message, transactionId }) !== undefined,
  });
  const bound = { host: options.host, port: options.port };
  const rt: GrpcRuntime = {
    broker: options.broker,
    clients,
    settings,
    logger: options.logger,
    clock: options.clock ?? systemClock,
    brokerName: options.brokerName ?? 'apogee',
    advertised,
    bound,
    budget: options.budget,
  };
  const limiter = new InFlightLimiter(settings.maxInFlightPerClient, settings.maxInFlightGlobal);
  const telemetryStreams = new Map<ServerDuplexStream<TelemetryCommand, TelemetryCommand>, (reason: string) => void>();
  const deps: ServiceDeps = {
    rt,
    limiter,
    metrics: options.metrics,
    telemetryStreams,
    maxTelemetryStreams: settings.maxInFlightGlobal,
    auth: options.auth,
    budget: options.budget,
    writeStallCloseMs: options.writeStallCloseMs,
  };

  const server = new Server({
    // Channelz (grpc-js's call statistics, never queried here) costs timestamps and counters on every call.
    'grpc.enable_channelz': 0,
    'grpc.max_receive_message_length': settings.maxFrameBytes,
    'grpc.max_send_message_length': settings.maxFrameBytes,
  });
  server.addService(messagingServiceDefinition(), messagingServiceImplementation(deps));
  const credentials = options.tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }], false)
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, credentials, (err, p) =>
      err ? reject(err) : resolve(p),
    );
  });
  bound.port = port;
  if (!installDeadlineClamp(server)) {
    options.logger.warn('grpc-js internals changed: far-future deadlines (official Java client Telemetry) will end streams early');
  }

  const sweeper = setInterval(() => {
    const dropped = clients.expire();
    if (dropped.length > 0) options.logger.info({ clients: dropped }, 'dropped silent clients');
  }, Math.max(1, settings.clientSweepIntervalMs));
  sweeper.unref();

  let closing: Promise<void> | undefined;
  return {
    port,
    clients,
    settings,
    inFlight: () => limiter.total,
    telemetryStreams: () => telemetryStreams.size,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        clearInterval(sweeper);
        // Telemetry streams never end by themselves; end them (with OK) so shutdown is not held.
        for (const stop of [...telemetryStreams.values()]) stop('server shutting down');
        if (ownRegistry) clients.close();
        const force = setTimeout(() => server.forceShutdown(), settings.shutdownGraceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      })),
  };
}
