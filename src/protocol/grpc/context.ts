/** What every handler gets: the server-wide runtime and the per-call context. */
import type { Metadata } from '@grpc/grpc-js';
import type { BrokerApi } from '../../broker/api.js';
import type { ClientRegistry } from '../../broker/clients/registry.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { MemoryBudget } from '../../util/memory-budget.js';
import type { GrpcSettings } from './settings.js';

export interface GrpcRuntime {
  readonly broker: BrokerApi;
  readonly clients: ClientRegistry;
  readonly settings: GrpcSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Broker name put in routes. */
  readonly brokerName: string;
  /** host:port routes advertise; undefined = the address the client used. */
  readonly advertised: { host: string; port: number } | undefined;
  /** Where the server listens (filled once bound). */
  readonly bound: { host: string; port: number };
  /** The global byte budget; answers being written are counted in it. Undefined = not counted. */
  readonly budget?: MemoryBudget | undefined;
}

export interface CallContext {
  /** RPC name as in the .proto ("SendMessage"). */
  readonly rpc: string;
  /** x-mq-client-id (validated non-empty before a handler runs). */
  readonly clientId: string;
  readonly metadata: Metadata;
  /** Remote address as grpc-js reports it ("ipv4:127.0.0.1:5123"). */
  readonly peer: string;
  /** :authority the client dialled ("127.0.0.1:8081"). */
  readonly authority: string;
  /** Epoch ms by which the client stops waiting; Infinity when it set no deadline. */
  readonly deadline: number;
  /** Aborted when the client cancels the call or goes away. */
  readonly signal: AbortSignal;
}

/** First value of a metadata header as a string ('' when absent). */
export function header(metadata: Metadata, name: string): string {
  const v = metadata.get(name)[0];
  if (v === undefined) return '';
  return typeof v === 'string' ? v : v.toString('utf8');
}

export const CLIENT_ID_HEADER = 'x-mq-client-id';
