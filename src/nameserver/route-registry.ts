/**
 * The name server's view of the cluster: which brokers exist (cluster, name, address by broker id) and which
 * topics each serves with how many queues. The in-process broker registers as a live source (its topic registry
 * is read at every lookup, so a new topic is routable at once); other brokers register over REGISTER_BROKER and
 * are dropped after `expiryMs` without a renewal. Knows routes, never messages.
 */
export interface TopicRoute {
  name: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
  order: boolean;
}

export interface BrokerRegistration {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  address: string;
  /** Live brokers answer with their current topics; remote ones with what they last registered. */
  topics: () => readonly TopicRoute[];
  /** Undefined for the in-process broker (never expires). */
  lastUpdate?: number;
}

export class RouteRegistry {
  private readonly brokers = new Map<string, BrokerRegistration>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly expiryMs = 120_000,
    private readonly maxBrokers = 1024,
  ) {}

  private static key(brokerName: string, brokerId: number): string {
    return `${brokerName}\u0001${brokerId}`;
  }

  register(r: BrokerRegistration): void {
    const k = RouteRegistry.key(r.brokerName, r.brokerId);
    if (!this.brokers.has(k) && this.brokers.size >= this.maxBrokers) throw new Error(`more than ${this.maxBrokers} brokers registered`);
    this.brokers.set(k, r);
  }

  unregister(brokerName: string, brokerId: number): boolean {
    return this.brokers.delete(RouteRegistry.key(brokerName, brokerId));
  }

  private live(): BrokerRegistration[] {
    const limit = this.now() - this.expiryMs;
    for (const [k, b] of this.brokers) if (b.lastUpdate !== undefined && b.lastUpdate < limit) this.brokers.delete(k);
    return [...this.brokers.values()];
  }

  /** Brokers (masters, id 0) serving the topic and their queue data; undefined when no broker has it. */
  route(topic: string): { brokers: BrokerRegistration[]; queues: Array<{ broker: BrokerRegistration; topic: TopicRoute }> } | undefined {
    const queues: Array<{ broker: BrokerRegistration; topic: TopicRoute }> = [];
    const brokers = new Map<string, BrokerRegistration>();
    for (const b of this.live()) {
      const t = b.topics().find((x) => x.name === topic);
      if (!t) continue;
      brokers.set(b.brokerName, b);
      if (b.brokerId === 0) queues.push({ broker: b, topic: t });
    }
    if (queues.length === 0) return undefined;
    // Replicas of the same broker name appear in its brokerAddrs.
    const all = this.live().filter((b) => brokers.has(b.brokerName));
    return { brokers: all, queues };
  }

  allBrokers(): BrokerRegistration[] {
    return this.live();
  }

  topicNames(clusterName?: string): string[] {
    const names = new Set<string>();
    for (const b of this.live()) if (clusterName === undefined || b.clusterName === clusterName) for (const t of b.topics()) names.add(t.name);
    return [...names].sort();
  }
}
