/** Shapes of RPC handlers: pure translation functions the server wraps with auth, limits, metrics, errors. */
import type { Status } from '../generated/apache/rocketmq/v2/definition.js';
import type { CallContext, GrpcRuntime } from '../context.js';

export interface UnaryHandler<Req, Res> {
  readonly kind: 'unary';
  readonly rpc: string;
  handle(rt: GrpcRuntime, ctx: CallContext, req: Req): Promise<Res>;
  /** The response that carries only a failure status. */
  failure(status: Status): Res;
  /** The status a successful response carries (for metrics). */
  statusOf(res: Res): Status | undefined;
}

/** Writes one message of a server stream, waiting while the client's window is full. */
export interface StreamWriter<Res> {
  write(message: Res): Promise<void>;
}

export interface ServerStreamHandler<Req, Res> {
  readonly kind: 'serverStream';
  readonly rpc: string;
  /** Writes the whole answer; returns the status it sent (for metrics). */
  handle(rt: GrpcRuntime, ctx: CallContext, req: Req, out: StreamWriter<Res>): Promise<Status>;
  /** The single message sent when the request fails before anything was written. */
  failure(status: Status): Res;
}
