/**
 * The live-client registry: which clients are connected right now, what they declared (kind, group, topics),
 * when they were last seen, and a way to push a command to one of them. Protocol adapters feed it (Telemetry
 * settings, heartbeats, stream ends); broker logic reads it (transaction check-backs go to "one live producer
 * that declared the topic", round robin). Passive: `expire()` is called by whoever owns a timer, so tests can
 * drive it with an injected clock.
 */
import { systemClock, type Clock } from '../../util/clock.js';
import type {
  ClientChannel,
  ClientCommand,
  ClientDeclaration,
  ClientKind,
  ClientRemovalReason,
  LiveClientInfo,
} from './types.js';

export interface ClientRegistryOptions {
  clock?: Clock;
  /** A client not seen for this long is dropped by `expire()` (default 120 s: 12 missed 10 s heartbeats). */
  expiryMs?: number;
  /** Upper bound on registered clients; `declare` of a new one beyond it throws (default 100 000). */
  maxClients?: number;
}

export type ClientRemovalListener = (clientId: string, reason: ClientRemovalReason) => void;

interface Entry {
  clientId: string;
  kind: ClientKind;
  group: string | undefined;
  topics: Set<string>;
  userAgent: string | undefined;
  remoteAddress: string | undefined;
  registeredAt: number;
  lastSeen: number;
  /** Oldest first; commands go to the last one. */
  channels: ClientChannel[];
}

export class ClientRegistryFullError extends Error {
  override readonly name = 'ClientRegistryFullError';
}

export class ClientRegistry {
  readonly #clock: Clock;
  readonly #expiryMs: number;
  readonly #maxClients: number;
  readonly #clients = new Map<string, Entry>();
  /** topic → producer client ids that declared it (kept in step with #clients). */
  readonly #producersByTopic = new Map<string, Set<string>>();
  /** topic → round-robin cursor for `pickProducerForTopic`. */
  readonly #cursor = new Map<string, number>();
  readonly #listeners = new Set<ClientRemovalListener>();

  constructor(options: ClientRegistryOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#expiryMs = options.expiryMs ?? 120_000;
    this.#maxClients = options.maxClients ?? 100_000;
  }

  /** Number of registered clients. */
  get size(): number {
    return this.#clients.size;
  }

  get expiryMs(): number {
    return this.#expiryMs;
  }

  /**
   * Registers a client or updates what it declared. Called again with the same id (a reconnect, a settings
   * refresh) it is the same client: registration time stays, channels stay.
   */
  declare(clientId: string, declaration: ClientDeclaration): LiveClientInfo {
    const now = this.#clock.now();
    let entry = this.#clients.get(clientId);
    if (!entry) {
      if (this.#clients.size >= this.#maxClients) {
        throw new ClientRegistryFullError(`too many live clients (limit ${this.#maxClients})`);
      }
      entry = {
        clientId,
        kind: declaration.kind,
        group: undefined,
        topics: new Set(),
        userAgent: undefined,
        remoteAddress: undefined,
        registeredAt: now,
        lastSeen: now,
        channels: [],
      };
      this.#clients.set(clientId, entry);
    }
    this.#unindex(entry);
    entry.kind = declaration.kind;
    if (declaration.group !== undefined) entry.group = declaration.group;
    if (declaration.topics !== undefined) entry.topics = new Set(declaration.topics);
    if (declaration.userAgent !== undefined) entry.userAgent = declaration.userAgent;
    if (declaration.remoteAddress !== undefined) entry.remoteAddress = declaration.remoteAddress;
    entry.lastSeen = now;
    this.#index(entry);
    return snapshot(entry);
  }

  /**
   * A sign of life (heartbeat or any request). Unknown ids are registered only when `declaration` is given
   * (a heartbeat says what the client is); otherwise this is a no-op and returns false.
   */
  touch(clientId: string, declaration?: ClientDeclaration): boolean {
    const entry = this.#clients.get(clientId);
    if (entry) {
      entry.lastSeen = this.#clock.now();
      if (declaration?.group !== undefined && entry.group === undefined) entry.group = declaration.group;
      return true;
    }
    if (declaration) {
      this.declare(clientId, declaration);
      return true;
    }
    return false;
  }

  /**
   * Attaches a control channel to a registered client. Returns the detach function the adapter calls when
   * the channel ends; detaching the last channel removes the client (its stream ending is how a client
   * leaves). Throws for an unknown client: declare first.
   */
  attachChannel(clientId: string, channel: ClientChannel): () => void {
    const entry = this.#clients.get(clientId);
    if (!entry) throw new Error(`attachChannel: client ${clientId} is not registered`);
    if (!entry.channels.includes(channel)) entry.channels.push(channel);
    entry.lastSeen = this.#clock.now();
    return () => this.#detach(clientId, channel);
  }

  hasChannel(clientId: string, channel: ClientChannel): boolean {
    return this.#clients.get(clientId)?.channels.includes(channel) ?? false;
  }

  /**
   * Drops a client. `closeChannels` ends its control channels too; a terminating client closes its own (and
   * ending them from here would make it reconnect), so NotifyClientTermination passes false.
   */
  remove(clientId: string, reason: ClientRemovalReason, closeChannels: boolean): boolean {
    const entry = this.#clients.get(clientId);
    if (!entry) return false;
    this.#clients.delete(clientId);
    this.#unindex(entry);
    const channels = entry.channels;
    entry.channels = [];
    if (closeChannels) for (const ch of channels) safeClose(ch, reason);
    for (const l of this.#listeners) {
      try {
        l(clientId, reason);
      } catch {
        // A listener's failure must not keep a client registered.
      }
    }
    return true;
  }

  get(clientId: string): LiveClientInfo | undefined {
    const entry = this.#clients.get(clientId);
    return entry ? snapshot(entry) : undefined;
  }

  list(): LiveClientInfo[] {
    return [...this.#clients.values()].map(snapshot);
  }

  /** Live producers that declared `topic` (any order). */
  producersForTopic(topic: string): LiveClientInfo[] {
    const ids = this.#producersByTopic.get(topic);
    if (!ids) return [];
    const out: LiveClientInfo[] = [];
    for (const id of ids) {
      const e = this.#clients.get(id);
      if (e) out.push(snapshot(e));
    }
    return out;
  }

  /** Consumers of a group (any kind). */
  consumersOfGroup(group: string): LiveClientInfo[] {
    const out: LiveClientInfo[] = [];
    for (const e of this.#clients.values()) if (e.group === group && e.kind !== 'PRODUCER') out.push(snapshot(e));
    return out;
  }

  /** Pushes a command to one client (its newest channel). False if unknown, channel-less or refused. */
  sendCommand(clientId: string, command: ClientCommand): boolean {
    const entry = this.#clients.get(clientId);
    if (!entry) return false;
    for (let i = entry.channels.length - 1; i >= 0; i--) {
      if (entry.channels[i]!.send(command)) return true;
    }
    return false;
  }

  /**
   * Round robin over the live producers of `topic` that have a channel: returns the id of the one that
   * accepted the command, or undefined when none could take it.
   */
  sendToProducerOfTopic(topic: string, command: ClientCommand): string | undefined {
    const ids = this.#producersByTopic.get(topic);
    if (!ids || ids.size === 0) return undefined;
    const order = [...ids];
    const start = (this.#cursor.get(topic) ?? 0) % order.length;
    for (let k = 0; k < order.length; k++) {
      const id = order[(start + k) % order.length]!;
      if (this.sendCommand(id, command)) {
        this.#cursor.set(topic, start + k + 1);
        return id;
      }
    }
    return undefined;
  }

  /** Drops clients silent for longer than the expiry (closing their channels); returns their ids. */
  expire(): string[] {
    const deadline = this.#clock.now() - this.#expiryMs;
    const dropped: string[] = [];
    for (const e of this.#clients.values()) if (e.lastSeen < deadline) dropped.push(e.clientId);
    for (const id of dropped) this.remove(id, 'expired', true);
    return dropped;
  }

  onRemoved(listener: ClientRemovalListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Removes every client and closes every channel (broker shutdown). */
  close(): void {
    for (const id of [...this.#clients.keys()]) this.remove(id, 'registry-closed', true);
  }

  #detach(clientId: string, channel: ClientChannel): void {
    const entry = this.#clients.get(clientId);
    if (!entry) return;
    const i = entry.channels.indexOf(channel);
    if (i < 0) return;
    entry.channels.splice(i, 1);
    if (entry.channels.length === 0) this.remove(clientId, 'channel-closed', false);
  }

  #index(entry: Entry): void {
    if (entry.kind !== 'PRODUCER') return;
    for (const t of entry.topics) {
      let set = this.#producersByTopic.get(t);
      if (!set) this.#producersByTopic.set(t, (set = new Set()));
      set.add(entry.clientId);
    }
  }

  #unindex(entry: Entry): void {
    for (const t of entry.topics) {
      const set = this.#producersByTopic.get(t);
      if (!set) continue;
      set.delete(entry.clientId);
      if (set.size === 0) {
        this.#producersByTopic.delete(t);
        this.#cursor.delete(t);
      }
    }
  }
}

function snapshot(e: Entry): LiveClientInfo {
  const info: LiveClientInfo = {
    clientId: e.clientId,
    kind: e.kind,
    topics: [...e.topics],
    registeredAt: e.registeredAt,
    lastSeen: e.lastSeen,
    channels: e.channels.length,
  };
  if (e.group !== undefined) info.group = e.group;
  if (e.userAgent !== undefined) info.userAgent = e.userAgent;
  if (e.remoteAddress !== undefined) info.remoteAddress = e.remoteAddress;
  return info;
}

function safeClose(ch: ClientChannel, reason: string): void {
  try {
    ch.close(reason);
  } catch {
    // Closing is best effort; the registry entry is gone either way.
  }
}
