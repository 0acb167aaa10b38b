/** Options every client (producer, consumer, admin) takes, and their defaults (the Java client's, where it has one). */
import { createLogger, type Logger } from '../util/logger.js';
import type { SerializeType } from '../protocol/remoting/codes.js';
import { MQClientError } from './errors.js';

export interface ClientOptions {
  /** Name server(s), `host:port` separated by `;`. */
  namesrvAddr: string;
  /** Distinguishes client objects to the broker; default: pid, a counter and a random word. */
  instanceName?: string;
  /** Route refresh from the name server (default 30 s). */
  pollNameServerIntervalMs?: number;
  /** Heartbeats to every broker of the client's topics (default 30 s). */
  heartbeatBrokerIntervalMs?: number;
  /** Timeout of one request to a name server or broker, sends excepted (default 3 s). */
  requestTimeoutMs?: number;
  /** Header encoding on the wire: 0 JSON (default, as the Java client), 1 RocketMQ binary. */
  serializeType?: SerializeType;
  /** Cap on the backoff between reconnect attempts to one address (default 5 s). */
  maxReconnectBackoffMs?: number;
  /** A pino logger; default: warnings and errors to stderr. */
  logger?: Logger;
}

export interface ResolvedClientOptions {
  namesrvAddr: string;
  instanceName: string | undefined;
  pollNameServerIntervalMs: number;
  heartbeatBrokerIntervalMs: number;
  requestTimeoutMs: number;
  serializeType: SerializeType;
  maxReconnectBackoffMs: number;
  logger: Logger;
}

export function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  return {
    namesrvAddr: o.namesrvAddr,
    instanceName: o.instanceName,
    pollNameServerIntervalMs: o.pollNameServerIntervalMs ?? 30_000,
    heartbeatBrokerIntervalMs: o.heartbeatBrokerIntervalMs ?? 30_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 3000,
    serializeType: o.serializeType ?? 0,
    maxReconnectBackoffMs: o.maxReconnectBackoffMs ?? 5000,
    logger: o.logger ?? createLogger({ level: 'warn' }),
  };
}

/** A producer or consumer group name as RocketMQ accepts it; throws ILLEGAL_ARGUMENT naming the option otherwise. */
export function checkGroupName(option: 'producerGroup' | 'consumerGroup', value: unknown): string {
  if (typeof value !== 'string' || !/^[%|a-zA-Z0-9_-]{1,255}$/.test(value)) {
    throw new MQClientError('ILLEGAL_ARGUMENT', `${option} '${String(value)}' is not 1-255 characters of [%|a-zA-Z0-9_-]`);
  }
  return value;
}
