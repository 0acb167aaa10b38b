/**
 * Assembly of one running broker: admin HTTP (bound first so /healthz answers 503 during recovery), store,
 * broker, gRPC. Everything hangs off the returned object — no module-level state — so several brokers can run in
 * one process on different data dirs.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createBrokerMetrics, type BrokerMetrics } from './admin/metrics.js';
import { clientSummaries } from './admin/client-summaries.js';
import { startAdminServer, type AdminServerHandle } from './admin/server.js';
import type { Endpoint, LifecycleState, StatusReport } from './admin/status.js';
import { Broker } from './broker/broker.js';
import { AclStore } from './auth/acl-store.js';
import { Authorizer } from './auth/authorizer.js';
import { ConfigError, parseConfig, type ConfigProblem } from './config/load.js';
import { GrpcAuth } from './protocol/grpc/auth.js';
import { loadTls } from './auth/tls.js';
import type { ApogeeConfig, ApogeeConfigInput } from './config/schema.js';
import { startGrpcServer, type GrpcServerHandle } from './protocol/grpc/server.js';
import { startRemotingBroker, type RemotingBrokerHandle } from './protocol/remoting/broker-server.js';
import { startNameServer, type NameServerHandle } from './nameserver/server.js';
import { RouteRegistry } from './nameserver/route-registry.js';
import { openMessageStore } from './store/index.js';
import type { MessageStore } from './store/types.js';
import { systemClock, type Clock } from './util/clock.js';
import { createLogger, type Logger } from './util/logger.js';
import { MemoryBudget } from './util/memory-budget.js';

/** Config keys (all optional, validated like a config file) plus what only code can pass. */
export interface StartBrokerOptions extends ApogeeConfigInput {
  /** Default: a pino logger on stderr per `logLevel` / `logPretty`. */
  logger?: Logger;
  /** Default: the system clock. */
  clock?: Clock;
}

export interface RunningBroker {
  readonly grpcEndpoint: Endpoint;
  readonly httpEndpoint: Endpoint;
  /** Name server endpoint; undefined when `namesrvEnabled` is off. */
  readonly namesrvEndpoint: Endpoint | undefined;
  /** Broker remoting endpoint; undefined when `remotingEnabled` is off. */
  readonly remotingEndpoint: Endpoint | undefined;
  /** Absolute data directory. */
  readonly dataDir: string;
  readonly broker: Broker;
  readonly store: MessageStore;
  /** The effective config after defaults. */
  readonly config: ApogeeConfig;
  readonly metrics: BrokerMetrics;
  /** The global byte budget (`limits.memoryBudgetBytes`) shared by the gRPC and remoting fronts. */
  readonly budget: MemoryBudget;
  readonly state: LifecycleState;
  /** Stops admin HTTP, gRPC, broker, store — in that order. Idempotent; later calls return the same promise. */
  close(): Promise<void>;
}

let versionCache: Promise<string> | undefined;
/** The package version (build/src/app.js → ../../package.json). */
export function apogeeVersion(): Promise<string> {
  versionCache ??= readFile(new URL('../../package.json', import.meta.url), 'utf8').then(
    (t) => String((JSON.parse(t) as { version?: unknown }).version ?? '0.0.0'),
    () => '0.0.0',
  );
  return versionCache;
}

/** Opens store and broker on `dataDir` and serves gRPC and admin HTTP. Throws `ConfigError` for bad options. */
export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const { logger: givenLogger, clock = systemClock, ...configInput } = options;
  const config = parseConfig(configInput, 'startBroker options');
  const logger = givenLogger ?? createLogger({ level: config.logLevel, pretty: config.logPretty });
  const dataDir = resolve(config.dataDir);
  const version = await apogeeVersion();
  const startedAt = clock.now();
  checkSecurityConfig(config);
  // The admin token is a secret: never in a log line.
  const shownAuth = { ...config.auth, adminToken: config.auth.adminToken === '' ? '' : '(set)' };
  logger.info({ config: { ...config, auth: shownAuth, dataDir }, version }, 'effective config');
  const tls = await loadTls(config.tls);
  await mkdir(dataDir, { recursive: true });
  const acl = await AclStore.open(dataDir);
  const authorizer = config.auth.enabled ? new Authorizer(acl) : undefined;
  if (authorizer && acl.size === 0) logger.warn('auth is on and no user exists yet: create one with `apogee user create` (admin token) or clients are all refused');

  const budget = new MemoryBudget(config.limits.memoryBudgetBytes);
  let state: LifecycleState = 'starting';
  let store: MessageStore | undefined;
  let broker: Broker | undefined;
  let grpc: GrpcServerHandle | undefined;
  let http: AdminServerHandle | undefined;
  let namesrv: NameServerHandle | undefined;
  let remoting: RemotingBrokerHandle | undefined;

  const metrics = createBrokerMetrics({
    storeStats: () => store?.stats(),
    broker: () => (state === 'serving' ? broker : undefined),
    grpcInFlight: () => grpc?.inFlight(),
    memoryBudget: () => budget,
  });

  const status = (): StatusReport => ({
    state,
    version,
    brokerName: config.brokerName,
    dataDir,
    flush: config.flush,
    startedAt,
    uptimeMs: clock.now() - startedAt,
    ...(grpc ? { grpc: { host: config.host, port: grpc.port } } : {}),
    ...(http ? { http: { host: config.host, port: http.port } } : {}),
    ...(namesrv ? { namesrv: { host: config.host, port: namesrv.port } } : {}),
    ...(remoting ? { remoting: { host: config.host, port: remoting.port } } : {}),
    ...(broker && state === 'serving' ? { topics: broker.listTopics().length, groups: broker.listGroups().length } : {}),
    ...(store ? { store: store.stats(), recovery: store.recovery } : {}),
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state = 'stopping';
      let firstError: unknown;
      const step = async (what: string, fn: (() => Promise<void>) | undefined): Promise<void> => {
        if (!fn) return;
        try {
          await fn();
        } catch (err) {
          logger.error({ err }, `closing ${what} failed`);
          firstError ??= err;
        }
      };
      await step('admin http', http && (() => http!.close()));
      await step('name server', namesrv && (() => namesrv!.close()));
      await step('remoting', remoting && (() => remoting!.close()));
      await step('grpc', grpc && (() => grpc!.close()));
      await step('broker', broker && (() => broker!.close()));
      await step('store', store && (() => store!.close()));
      state = 'stopped';
      logger.info({ dataDir }, 'broker stopped');
      if (firstError !== undefined) throw firstError;
    })();
    return closing;
  };

  try {
    http = await startAdminServer({
      host: config.host,
      port: config.httpPort,
      logger: logger.child({ component: 'admin' }),
      target: { state: () => state, broker: () => broker, status, clients: () => clientSummaries(grpc?.clients, remoting?.membership) },
      transactionCheckIntervalMs: config.transaction.checkIntervalMs,
      metrics,
      // Room for a base64 body of the largest accepted size (admin test sends) plus the JSON around it.
      maxBodyBytes: Math.ceil((config.maxBodySize * 4) / 3) + 64 * 1024,
      acl,
      ...(config.auth.enabled ? { adminToken: config.auth.adminToken } : {}),
    });
    store = await openMessageStore({
      dataDir,
      flushMode: config.flush,
      segmentSize: config.segmentSize,
      asyncFlushIntervalMs: config.asyncFlushIntervalMs,
      maxMessageSize: config.maxBodySize,
      retention: config.retention,
      logger: logger.child({ component: 'store' }),
      clock,
      metrics: metrics.storeSink,
      // 0 (protect everything) until the broker can say what its consumers still need.
      protectedOffset: () => broker?.protectedOffset() ?? 0,
    });
    broker = await Broker.open({
      store,
      dataDir,
      logger: logger.child({ component: 'broker' }),
      clock,
      brokerName: config.brokerName,
      storeHost: `${config.host}:${config.grpcPort}`,
      autoCreateGroups: config.autoCreateGroups,
      maxBodyBytes: config.maxBodySize,
      maxDelayMs: config.maxDelayMs,
      defaultQueueNums: config.defaultTopicQueueNums,
      transaction: config.transaction,
      maxLongPollsPerGroup: config.limits.maxLongPollsPerGroup,
      consumptionMetrics: metrics.consumptionSink,
    });
    grpc = await startGrpcServer({
      broker,
      host: config.host,
      port: config.grpcPort,
      logger: logger.child({ component: 'grpc' }),
      metrics: metrics.rpcSink,
      brokerName: config.brokerName,
      // Producers are told these limits in Settings; they must be the configured ones.
      settings: {
        maxBodyBytes: config.maxBodySize,
        maxDelayMs: config.maxDelayMs,
        maxInFlightPerClient: config.limits.maxInFlightPerClient,
        maxInFlightGlobal: config.limits.maxInFlightGlobal,
      },
      budget,
      writeStallCloseMs: config.limits.writeStallCloseMs,
      ...(authorizer ? { auth: new GrpcAuth(authorizer) } : {}),
      ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
    });
    if (config.remotingEnabled) {
      remoting = await startRemotingBroker({
        broker,
        host: config.host,
        port: config.remotingPort,
        logger: logger.child({ component: 'remoting' }),
        brokerName: config.brokerName,
        clusterName: config.clusterName,
        maxBodyBytes: config.maxBodySize,
        maxInFlight: config.limits.maxInFlightGlobal,
        maxHeldPulls: config.limits.maxHeldPulls,
        maxWriteBufferBytes: config.limits.connectionWriteBufferBytes,
        writeStallCloseMs: config.limits.writeStallCloseMs,
        budget,
        ...(authorizer ? { authorizer } : {}),
        ...(tls ? { tlsContext: tls.context } : {}),
      });
    }
    if (config.namesrvEnabled) {
      const registry = new RouteRegistry();
      const local = broker;
      const localRemoting = remoting;
      if (localRemoting) {
        // The in-process broker is read live: a topic created a moment ago is routable at once.
        registry.register({
          clusterName: config.clusterName,
          brokerName: config.brokerName,
          brokerId: 0,
          address: localRemoting.address,
          topics: () =>
            local.listTopics().map((t) => ({ name: t.name, readQueueNums: t.readQueueNums, writeQueueNums: t.writeQueueNums, perm: t.perm, topicSysFlag: 0, order: false })),
        });
      }
      namesrv = await startNameServer({
        host: config.host,
        port: config.namesrvPort,
        logger: logger.child({ component: 'namesrv' }),
        registry,
        ...(authorizer ? { authorizer } : {}),
        ...(tls ? { tlsContext: tls.context } : {}),
      });
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  state = 'serving';

  const grpcEndpoint: Endpoint = { host: config.host, port: grpc.port };
  const httpEndpoint: Endpoint = { host: config.host, port: http.port };
  const namesrvEndpoint: Endpoint | undefined = namesrv ? { host: config.host, port: namesrv.port } : undefined;
  const remotingEndpoint: Endpoint | undefined = remoting ? { host: config.host, port: remoting.port } : undefined;
  logger.info({ grpc: grpcEndpoint, http: httpEndpoint, namesrv: namesrvEndpoint, remoting: remotingEndpoint, dataDir, recovery: store.recovery }, 'broker serving');
  const openedBroker = broker;
  const openedStore = store;
  return {
    grpcEndpoint,
    httpEndpoint,
    namesrvEndpoint,
    remotingEndpoint,
    dataDir,
    broker: openedBroker,
    store: openedStore,
    config,
    metrics,
    budget,
    get state(): LifecycleState {
      return state;
    },
    close,
  };
}

/** Cross-key rules the schema cannot state per source: auth needs a token, TLS needs both files. */
function checkSecurityConfig(config: ApogeeConfig): void {
  const problems: ConfigProblem[] = [];
  if (config.auth.enabled && config.auth.adminToken.length < 8) {
    problems.push({ key: 'auth.adminToken', source: 'startBroker options', message: 'auth.enabled needs auth.adminToken (at least 8 characters) so the admin API and CLI can still be used' });
  }
  if ((config.tls.certPath === '') !== (config.tls.keyPath === '')) {
    problems.push({ key: 'tls.certPath', source: 'startBroker options', message: 'tls.certPath and tls.keyPath go together: set both (TLS on) or neither' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
