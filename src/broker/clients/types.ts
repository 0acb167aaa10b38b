/**
 * The live-client registry's model: what the broker knows about a connected client, independent of the
 * protocol that connected it (no gRPC types here).
 */
import type { MessageView } from '../types.js';

/** RocketMQ 5 client kinds (v2 ClientType without the protocol's numbering). */
export const CLIENT_KINDS = [
  'PRODUCER',
  'PUSH_CONSUMER',
  'SIMPLE_CONSUMER',
  'PULL_CONSUMER',
  'LITE_PUSH_CONSUMER',
  'LITE_SIMPLE_CONSUMER',
  'UNSPECIFIED',
] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** A command the broker pushes to one client over its control channel (gRPC: the Telemetry stream). */
export type ClientCommand =
  /** Ask a producer to resolve an in-doubt transaction; it answers with EndTransaction. */
  | { kind: 'recoverOrphanedTransaction'; message: MessageView; transactionId: string }
  /** Ask the client to re-open its control channel (e.g. before the broker drops it). */
  | { kind: 'reconnectEndpoints'; nonce: string };

/**
 * One control channel of a client, registered by the protocol adapter. A client may have more than one for a
 * moment (a reconnect racing the end of the old one); commands go to the newest.
 */
export interface ClientChannel {
  /** Queues the command for the client; false when the channel is closed or its buffer is full. */
  send(command: ClientCommand): boolean;
  /** Ends the channel from the broker side (expiry, shutdown). Must not throw. */
  close(reason: string): void;
}

/** What a client declared about itself (gRPC: its Settings and heartbeats). */
export interface ClientDeclaration {
  kind: ClientKind;
  /** Consumer group; absent for producers. */
  group?: string;
  /** Producers: topics they publish to. Consumers: topics they subscribe to. */
  topics?: Iterable<string>;
  /** Free-form origin for operators, e.g. "NODE_JS 5.0.8 host-a". */
  userAgent?: string;
  /** Remote address as the transport saw it. */
  remoteAddress?: string;
}

/** A snapshot of one registered client (copies; mutating it changes nothing). */
export interface LiveClientInfo {
  clientId: string;
  kind: ClientKind;
  group?: string;
  topics: string[];
  userAgent?: string;
  remoteAddress?: string;
  registeredAt: number;
  /** Last sign of life: settings, heartbeat or any request carrying the client id. */
  lastSeen: number;
  /** Open control channels (0 when the client only sent heartbeats). */
  channels: number;
}

export type ClientRemovalReason = 'terminated' | 'channel-closed' | 'expired' | 'registry-closed';
