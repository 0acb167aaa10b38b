/**
 * The machinery one client object runs on (the Java client's MQClientInstance, one per producer or consumer
 * here): connections, the name server, a route cache refreshed periodically, heartbeats naming the producer and
 * consumer groups to every broker of the routes (also at once on every new connection, so a restarted broker
 * knows the client again), and the dispatch of the requests brokers start (check-backs, consumer-ids-changed).
 */
import { RequestCode, ResponseCode } from '../protocol/remoting/codes.js';
import { responseTo, type RemotingCommand } from '../protocol/remoting/command.js';
import type { Logger } from '../util/logger.js';
import { BrokerConnections } from './broker-connections.js';
import type { ResolvedClientOptions } from './client-options.js';
import { MQClientError } from './errors.js';
import { newClientId } from './message-id.js';
import { NameServerClient, parseNamesrvAddr } from './name-server-client.js';
import type { TopicRoute } from './topic-route.js';

/** A consumer group as a heartbeat declares it. */
export interface ConsumerHeartbeatData {
  groupName: string;
  consumeType: 'CONSUME_PASSIVELY' | 'CONSUME_ACTIVELY';
  messageModel: string;
  consumeFromWhere: string;
  subscriptionDataSet: Array<{ classFilterMode: false; topic: string; subString: string; tagsSet: string[]; codeSet: number[]; subVersion: number; expressionType: string }>;
  unitMode: false;
}

export interface ClientMember {
  producerGroup?: string;
  consumerData?: () => ConsumerHeartbeatData;
  /** A broker asks about a transaction of this producer group; `addr` is the broker that asked. */
  onCheckTransaction?: (addr: string, request: RemotingCommand) => void;
  /** The broker says the consumer group's members changed: rebalance now. */
  onConsumerIdsChanged?: () => void;
  /** Routes of one of the member's topics changed. */
  onRouteChanged?: (topic: string) => void;
}

export class ClientInstance {
  readonly clientId: string;
  readonly logger: Logger;
  readonly connections: BrokerConnections;
  readonly nameServer: NameServerClient;
  private readonly routes = new Map<string, TopicRoute>();
  private readonly topicsOfInterest = new Set<string>();
  private readonly members = new Set<ClientMember>();
  /** Masters found in the cluster table: heartbeats reach them before any route names them (check-backs). */
  private readonly knownBrokers = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private stopped = false;

  constructor(readonly options: ResolvedClientOptions) {
    this.clientId = newClientId(options.instanceName);
    this.logger = options.logger;
    this.connections = new BrokerConnections({
      logger: options.logger,
      serializeType: options.serializeType,
      maxBackoffMs: options.maxReconnectBackoffMs,
      onRequest: (addr, req) => this.onServerRequest(addr, req),
      onConnected: (addr) => {
        if (this.isBrokerAddr(addr)) void this.heartbeatTo(addr);
      },
    });
    this.nameServer = new NameServerClient(parseNamesrvAddr(options.namesrvAddr), this.connections, options.requestTimeoutMs);
  }

  get isRunning(): boolean {
    return this.started && !this.stopped;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const every = (ms: number, fn: () => Promise<void>): void => {
      const t = setInterval(() => void fn().catch((err: unknown) => this.logger.debug({ err: (err as Error).message }, 'periodic client task failed')), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.pollNameServerIntervalMs, () => this.refreshRoutes());
    every(this.options.heartbeatBrokerIntervalMs, async () => void (await this.heartbeatAll()));
  }

  addMember(m: ClientMember): void {
    this.members.add(m);
  }

  removeMember(m: ClientMember): void {
    this.members.delete(m);
  }

  ensureRunning(): void {
    if (this.stopped) throw new MQClientError('SHUTDOWN', 'the client is shut down');
    if (!this.started) throw new MQClientError('NOT_STARTED', 'the client is not started; call start() first');
  }

  // ------------------------------------------------------------------------------------------ routes

  cachedRoute(topic: string): TopicRoute | undefined {
    return this.routes.get(topic);
  }

  /** The topic's route (cached, else from the name server); a NO_ROUTE error when the name server has none. */
  async route(topic: string): Promise<TopicRoute> {
    this.topicsOfInterest.add(topic);
    const cached = this.routes.get(topic);
    if (cached) return cached;
    const r = await this.updateRoute(topic);
    if (!r) throw new MQClientError('NO_ROUTE', `No route info of this topic: ${topic} (create it on the broker first)`);
    return r;
  }

  /** Fetches one route; keeps the cached one when the name server cannot be reached. */
  async updateRoute(topic: string): Promise<TopicRoute | undefined> {
    this.topicsOfInterest.add(topic);
    const r = await this.nameServer.topicRoute(topic);
    const before = this.routes.get(topic);
    if (!r) {
      if (before) this.logger.warn({ topic }, 'the name server no longer knows the topic; keeping its last route');
      return before;
    }
    this.routes.set(topic, r);
    if (before && before.signature !== r.signature) {
      for (const m of this.members) m.onRouteChanged?.(topic);
    }
    return r;
  }

  /** Learns every broker master from the name server's cluster table. */
  async discoverBrokers(): Promise<void> {
    const info = await this.nameServer.clusterInfo();
    for (const b of info.brokers.values()) if (b.masterAddr) this.knownBrokers.add(b.masterAddr);
  }

  async refreshRoutes(): Promise<void> {
    await this.discoverBrokers().catch((err: unknown) => this.logger.debug({ err: (err as Error).message }, 'cluster info refresh failed'));
    for (const t of this.topicsOfInterest) {
      await this.updateRoute(t).catch((err: unknown) => this.logger.debug({ topic: t, err: (err as Error).message }, 'route refresh failed'));
    }
  }

  /** Master address of a broker, from any cached route. */
  brokerAddr(brokerName: string): string | undefined {
    for (const r of this.routes.values()) {
      const a = r.brokerAddrs.get(brokerName);
      if (a) return a;
    }
    return undefined;
  }

  private isBrokerAddr(addr: string): boolean {
    if (this.knownBrokers.has(addr)) return true;
    for (const r of this.routes.values()) for (const a of r.brokerAddrs.values()) if (a === addr) return true;
    return false;
  }

  brokerAddrs(): string[] {
    const s = new Set<string>(this.knownBrokers);
    for (const r of this.routes.values()) for (const a of r.brokerAddrs.values()) s.add(a);
    return [...s];
  }

  // ------------------------------------------------------------------------------------------ heartbeats

  private heartbeatBody(): Buffer | undefined {
    const producerDataSet: Array<{ groupName: string }> = [];
    const consumerDataSet: ConsumerHeartbeatData[] = [];
    for (const m of this.members) {
      if (m.producerGroup) producerDataSet.push({ groupName: m.producerGroup });
      if (m.consumerData) consumerDataSet.push(m.consumerData());
    }
    if (producerDataSet.length === 0 && consumerDataSet.length === 0) return undefined;
    return Buffer.from(JSON.stringify({ clientID: this.clientId, producerDataSet, consumerDataSet }));
  }

  async heartbeatTo(addr: string): Promise<boolean> {
    const body = this.heartbeatBody();
    if (!body || this.stopped) return false;
    try {
      await this.connections.invoke(addr, RequestCode.HEART_BEAT, {}, body, this.options.requestTimeoutMs);
      return true;
    } catch (err) {
      this.logger.debug({ addr, err: (err as Error).message }, 'heartbeat failed');
      return false;
    }
  }

  /** Heartbeats every broker of the known routes; true when all answered. */
  async heartbeatAll(): Promise<boolean> {
    const results = await Promise.all(this.brokerAddrs().map((a) => this.heartbeatTo(a)));
    return results.every((x) => x);
  }

  // ------------------------------------------------------------------------------------------ server requests

  private onServerRequest(addr: string, req: RemotingCommand): RemotingCommand | undefined {
    if (req.code === RequestCode.CHECK_TRANSACTION_STATE) {
      for (const m of this.members) if (m.onCheckTransaction) m.onCheckTransaction(addr, req);
      return undefined;
    }
    if (req.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED) {
      const group = req.extFields['consumerGroup'];
      this.logger.debug({ group, addr }, 'consumer ids changed');
      for (const m of this.members) if (m.onConsumerIdsChanged && (!group || m.consumerData?.().groupName === group)) m.onConsumerIdsChanged();
      return undefined;
    }
    return responseTo(req, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, `the Apogee SDK does not serve request code ${req.code}`);
  }

  // ------------------------------------------------------------------------------------------ shutdown

  /** Unregisters the client's groups from every broker it knows, then closes every connection. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const groups: Array<{ producerGroup?: string; consumerGroup?: string }> = [];
    for (const m of this.members) {
      if (m.producerGroup) groups.push({ producerGroup: m.producerGroup });
      if (m.consumerData) groups.push({ consumerGroup: m.consumerData().groupName });
    }
    const live = new Set(this.connections.connected());
    await Promise.all(
      this.brokerAddrs()
        .filter((a) => live.has(a))
        .flatMap((addr) =>
          groups.map((g) =>
            this.connections
              .invokeRaw(addr, RequestCode.UNREGISTER_CLIENT, { clientID: this.clientId, ...g }, undefined, 1000)
              .catch((err: unknown) => this.logger.debug({ addr, err: (err as Error).message }, 'unregister failed')),
          ),
        ),
    );
    this.connections.close();
  }
}
