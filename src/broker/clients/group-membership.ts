/**
 * Live members of producer and consumer groups as classic (remoting) clients declare them in heartbeats: one
 * client id (ip@pid) may belong to several groups over one connection. Check-backs pick a live producer of the
 * half message's own producer group; rebalancing asks for a consumer group's client ids; pulls without a
 * subscription in the request use the one the consumer declared. Generic over the channel type so the broker
 * holds no protocol types.
 */
import type { FilterSpec } from '../types.js';

export type MessageModel = 'CLUSTERING' | 'BROADCASTING';

export interface Subscription {
  topic: string;
  filter: FilterSpec | undefined;
  subVersion: number;
}

export interface ConsumerDeclaration {
  group: string;
  consumeType: string;
  messageModel: MessageModel;
  consumeFromWhere: string;
  subscriptions: Subscription[];
}

export interface Member<C> {
  clientId: string;
  channel: C;
  lastSeen: number;
  language: string;
  version: number;
}

export interface ConsumerMember<C> extends Member<C> {
  declaration: ConsumerDeclaration;
}

export interface MembershipChange {
  /** Consumer groups whose set of client ids changed (their members should rebalance now). */
  consumerGroupsChanged: string[];
}

export class GroupMembership<C> {
  private readonly producers = new Map<string, Map<string, Member<C>>>();
  private readonly consumers = new Map<string, Map<string, ConsumerMember<C>>>();
  private readonly cursor = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    /** RocketMQ drops a channel after 120 s without a heartbeat. */
    private readonly expiryMs = 120_000,
    private readonly maxMembersPerGroup = 10_000,
  ) {}

  heartbeat(
    clientId: string,
    channel: C,
    meta: { language: string; version: number },
    producerGroups: readonly string[],
    consumers: readonly ConsumerDeclaration[],
  ): MembershipChange {
    const now = this.now();
    for (const g of producerGroups) {
      let m = this.producers.get(g);
      if (!m) this.producers.set(g, (m = new Map()));
      if (!m.has(clientId) && m.size >= this.maxMembersPerGroup) continue;
      m.set(clientId, { clientId, channel, lastSeen: now, ...meta });
    }
    const changed: string[] = [];
    for (const d of consumers) {
      let m = this.consumers.get(d.group);
      if (!m) this.consumers.set(d.group, (m = new Map()));
      const had = m.get(clientId);
      if (!had && m.size >= this.maxMembersPerGroup) continue;
      if (!had || had.channel !== channel) changed.push(d.group);
      m.set(clientId, { clientId, channel, lastSeen: now, ...meta, declaration: d });
    }
    return { consumerGroupsChanged: changed };
  }

  unregister(clientId: string, producerGroup: string | undefined, consumerGroup: string | undefined): MembershipChange {
    if (producerGroup !== undefined) this.removeFrom(this.producers, producerGroup, clientId);
    const changed: string[] = [];
    if (consumerGroup !== undefined && this.removeFrom(this.consumers, consumerGroup, clientId)) changed.push(consumerGroup);
    return { consumerGroupsChanged: changed };
  }

  /** Removes every membership held over `channel` (its connection closed). */
  channelClosed(channel: C): MembershipChange {
    return this.removeWhere((m) => m.channel === channel);
  }

  /** Drops members silent for longer than the expiry. */
  expire(): MembershipChange {
    const limit = this.now() - this.expiryMs;
    return this.removeWhere((m) => m.lastSeen < limit);
  }

  /** One live producer of the group, round robin; undefined when there is none. */
  pickProducer(group: string): Member<C> | undefined {
    const m = this.producers.get(group);
    if (!m || m.size === 0) return undefined;
    const all = [...m.values()];
    const i = ((this.cursor.get(group) ?? -1) + 1) % all.length;
    this.cursor.set(group, i);
    return all[i];
  }

  producersOf(group: string): Member<C>[] {
    return [...(this.producers.get(group)?.values() ?? [])];
  }

  consumersOf(group: string): ConsumerMember<C>[] {
    return [...(this.consumers.get(group)?.values() ?? [])];
  }

  consumerIds(group: string): string[] {
    return [...(this.consumers.get(group)?.keys() ?? [])].sort();
  }

  /** The subscription a consumer of the group declared for the topic (newest member's). */
  subscription(group: string, topic: string): Subscription | undefined {
    let best: Subscription | undefined;
    let seen = -1;
    for (const c of this.consumers.get(group)?.values() ?? []) {
      const s = c.declaration.subscriptions.find((x) => x.topic === topic);
      if (s && c.lastSeen > seen) {
        best = s;
        seen = c.lastSeen;
      }
    }
    return best;
  }

  /** Consumer groups with a member subscribed to the topic. */
  groupsConsuming(topic: string): string[] {
    const out: string[] = [];
    for (const [g, m] of this.consumers) {
      for (const c of m.values()) {
        if (c.declaration.subscriptions.some((s) => s.topic === topic)) {
          out.push(g);
          break;
        }
      }
    }
    return out;
  }

  consumerGroups(): string[] {
    return [...this.consumers.keys()];
  }

  /** Every live membership (one per client and group it declared), for operators' views. */
  members(): Array<{ role: 'producer' | 'consumer'; group: string; member: Member<C> }> {
    const out: Array<{ role: 'producer' | 'consumer'; group: string; member: Member<C> }> = [];
    for (const [group, m] of this.producers) for (const member of m.values()) out.push({ role: 'producer', group, member });
    for (const [group, m] of this.consumers) for (const member of m.values()) out.push({ role: 'consumer', group, member });
    return out;
  }

  private removeFrom<M extends Member<C>>(table: Map<string, Map<string, M>>, group: string, clientId: string): boolean {
    const m = table.get(group);
    if (!m || !m.delete(clientId)) return false;
    if (m.size === 0) table.delete(group);
    return true;
  }

  private removeWhere(pred: (m: Member<C>) => boolean): MembershipChange {
    for (const [g, m] of this.producers) {
      for (const [id, member] of m) if (pred(member)) m.delete(id);
      if (m.size === 0) this.producers.delete(g);
    }
    const changed: string[] = [];
    for (const [g, m] of this.consumers) {
      let any = false;
      for (const [id, member] of m) {
        if (pred(member)) {
          m.delete(id);
          any = true;
        }
      }
      if (any) changed.push(g);
      if (m.size === 0) this.consumers.delete(g);
    }
    return { consumerGroupsChanged: changed };
  }
}
