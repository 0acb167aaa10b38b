/**
 * What every measured system offers the runner: its server pids (for CPU and RSS), senders per client, a pipe
 * (producer + consumer on a fresh topic/queue) for consumption and end-to-end latency, and how to close it.
 */
import type { ClientName, Durability, SystemName } from '../types.js';

export interface SendOptions {
  bodyBytes: number;
  /** A half message and its COMMIT (Apogee and RocketMQ only). */
  transactional: boolean;
}

/** One acknowledged send (or transaction) per call. */
export interface Sender {
  send(): Promise<unknown>;
  close(): Promise<void> | void;
}

/** Messages in, message ids out: the consumer calls `onMessage` with the id written at the body's start. */
export interface Pipe {
  send(body: Buffer): Promise<void>;
  /** Starts consuming (acknowledging every message); resolves once the consumer is running. */
  consume(onMessage: (id: string) => void): Promise<void>;
  close(): Promise<void>;
}

export interface SystemSession {
  readonly system: SystemName;
  readonly durability: Durability;
  /** Server processes whose CPU and RSS each row reports (empty: not found, the row shows null). */
  readonly pids: readonly number[];
  readonly note?: string;
  openSender(client: ClientName, opts: SendOptions): Promise<Sender>;
  /** `purpose` keeps pipes apart (a fresh topic, queue or group each). */
  openPipe(purpose: string): Promise<Pipe>;
  /** The classic Java client's target (name server and topic), for systems that speak remoting. */
  readonly javaClassic?: { namesrv: string; topic: string };
  close(): Promise<void>;
}

/** A body of `bytes` with `id` (≤ 24 ASCII characters, space padded) at its start. */
export function bodyWithId(bytes: number, id: string): Buffer {
  const body = Buffer.alloc(Math.max(bytes, 24), 0x62);
  body.write(id.padEnd(24), 'latin1');
  return body;
}

export function idOf(body: Buffer | Uint8Array | string): string {
  if (typeof body === 'string') return body.slice(0, 24).trimEnd();
  return Buffer.from(body.buffer, body.byteOffset, Math.min(24, body.byteLength)).toString('latin1').trimEnd();
}
