/**
 * The MessagingService as grpc-js sees it: the generated definition with zero-copy response serializers, and
 * an implementation that wraps each handler with the common steps (client id, backpressure, liveness,
 * metrics, error → status). Handlers stay pure translations.
 */
import type {
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerDuplexStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import type { ServerUnaryCall } from '@grpc/grpc-js';

/** The part of a grpc-js server call every kind shares (grpc-js does not export this type by name). */
type ServerSurfaceCall = Omit<ServerUnaryCall<unknown, unknown>, 'request'>;
import { Code, type Settings, type Status } from './generated/apache/rocketmq/v2/definition.js';
import {
  AckMessageResponse,
  ChangeInvisibleDurationResponse,
  EndTransactionResponse,
  ForwardMessageToDeadLetterQueueResponse,
  GetOffsetResponse,
  HeartbeatResponse,
  MessagingServiceService,
  NotifyClientTerminationResponse,
  PullMessageResponse,
  QueryAssignmentResponse,
  QueryOffsetResponse,
  QueryRouteResponse,
  RecallMessageResponse,
  ReceiveMessageResponse,
  SendMessageResponse,
  SyncLiteSubscriptionResponse,
  TelemetryCommand,
  UpdateOffsetResponse,
} from './generated/apache/rocketmq/v2/service.js';
import { codeName, status, statusFromError } from './codes.js';
import { CLIENT_ID_HEADER, header, type CallContext, type GrpcRuntime } from './context.js';
import { SERVER_STREAM_HANDLERS, UNARY_HANDLERS, serveTelemetry } from './handlers/index.js';
import type { ServerStreamHandler, StreamWriter, UnaryHandler } from './handlers/types.js';
import type { GrpcAuth } from './auth.js';
import type { InFlightLimiter } from './limiter.js';
import type { MemoryBudget } from '../../util/memory-budget.js';
import { requestBytes, resetServerStream } from './overload.js';
import type { RpcMetricsSink } from './metrics.js';

type MethodKey = keyof typeof MessagingServiceService;

interface Encoder {
  encode(message: never): { finish(): Uint8Array };
}

const RESPONSE_CODECS: Record<MethodKey, Encoder> = {
  queryRoute: QueryRouteResponse,
  heartbeat: HeartbeatResponse,
  sendMessage: SendMessageResponse,
  queryAssignment: QueryAssignmentResponse,
  receiveMessage: ReceiveMessageResponse,
  ackMessage: AckMessageResponse,
  forwardMessageToDeadLetterQueue: ForwardMessageToDeadLetterQueueResponse,
  pullMessage: PullMessageResponse,
  updateOffset: UpdateOffsetResponse,
  getOffset: GetOffsetResponse,
  queryOffset: QueryOffsetResponse,
  endTransaction: EndTransactionResponse,
  telemetry: TelemetryCommand,
  notifyClientTermination: NotifyClientTerminationResponse,
  changeInvisibleDuration: ChangeInvisibleDurationResponse,
  recallMessage: RecallMessageResponse,
  syncLiteSubscription: SyncLiteSubscriptionResponse,
};

/** Below this, copying the encoded answer is cheaper than sharing its memory. */
const SMALL_RESPONSE_BYTES = 4096;

/**
 * The generated definition copies every encoded response into a new Buffer; these views share the encoder's
 * memory instead (a 4 MiB body is then encoded once and not copied again).
 */
export function messagingServiceDefinition(): ServiceDefinition {
  const def: Record<string, unknown> = {};
  for (const key of Object.keys(MessagingServiceService) as MethodKey[]) {
    const m = MessagingServiceService[key];
    const codec = RESPONSE_CODECS[key];
    def[key] = {
      ...m,
      responseSerialize: (value: never): Buffer => {
        const u8 = codec.encode(value).finish();
        // Small answers (SendMessage, Ack, EndTransaction...) live in V8's heap: reading `.buffer` would move them
        // off-heap, which costs more than copying them into the Buffer pool.
        if (u8.byteLength < SMALL_RESPONSE_BYTES) return Buffer.from(u8);
        return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
      },
    };
  }
  return def as unknown as ServiceDefinition;
}

export interface ServiceDeps {
  rt: GrpcRuntime;
  limiter: InFlightLimiter;
  metrics: RpcMetricsSink | undefined;
  /** Open Telemetry streams, so close() can end them. */
  telemetryStreams: Map<ServerDuplexStream<TelemetryCommand, TelemetryCommand>, (reason: string) => void>;
  maxTelemetryStreams: number;
  /** Authentication and ACL; undefined when auth is off (then no per-call cost). */
  auth?: GrpcAuth | undefined;
  /** The global byte budget (request bodies in progress); undefined = not counted. */
  budget?: MemoryBudget | undefined;
  /** A stream waiting this long for its client to read is reset (0 or undefined = never). */
  writeStallCloseMs?: number | undefined;
}

const NEVER_ABORTED = new AbortController().signal;

function deadlineOf(call: ServerSurfaceCall): number {
  const d = call.getDeadline();
  return d instanceof Date ? d.getTime() : d;
}

/** The per-call context; peer, authority and deadline are read from grpc-js only when a handler asks. */
class LazyCallContext implements CallContext {
  constructor(
    private readonly call: ServerSurfaceCall & { metadata: Metadata },
    readonly rpc: string,
    readonly clientId: string,
    readonly signal: AbortSignal,
  ) {}
  get metadata(): Metadata {
    return this.call.metadata;
  }
  get peer(): string {
    return this.call.getPeer();
  }
  get authority(): string {
    return this.call.getHost();
  }
  get deadline(): number {
    return deadlineOf(this.call);
  }
}

function makeContext(call: ServerSurfaceCall & { metadata: Metadata }, rpc: string, clientId: string, signal: AbortSignal): CallContext {
  return new LazyCallContext(call, rpc, clientId, signal);
}

function observe(deps: ServiceDeps, rpc: string, code: Code, started: number): void {
  deps.metrics?.observe(rpc, codeName(code), performance.now() - started);
}

function wrapUnary<Req, Res>(deps: ServiceDeps, h: UnaryHandler<Req, Res>): handleUnaryCall<Req, Res> {
  const { rt, limiter } = deps;
  return (call, callback) => {
    const started = performance.now();
    const reply = (res: Res, code: Code): void => {
      observe(deps, h.rpc, code, started);
      callback(null, res);
    };
    const clientId = header(call.metadata, CLIENT_ID_HEADER);
    if (clientId === '') {
      reply(h.failure(status(Code.CLIENT_ID_REQUIRED, `${CLIENT_ID_HEADER} header is required`)), Code.CLIENT_ID_REQUIRED);
      return;
    }
    if (deps.auth) {
      const refused = deps.auth.check(h.rpc, call.metadata, call.request);
      if (refused) {
        rt.logger.debug({ rpc: h.rpc, clientId, code: refused.code, reason: refused.message }, 'gRPC call refused by auth');
        reply(h.failure(refused), refused.code);
        return;
      }
    }
    const refused = limiter.tryAcquire(clientId);
    if (refused !== undefined) {
      reply(h.failure(status(Code.TOO_MANY_REQUESTS, refused)), Code.TOO_MANY_REQUESTS);
      return;
    }
    const budget = deps.budget;
    const bytes = budget === undefined ? 0 : requestBytes(h.rpc, call.request);
    if (bytes > 0 && !budget!.tryReserve(bytes)) {
      limiter.release(clientId);
      reply(h.failure(status(Code.TOO_MANY_REQUESTS, budget!.busyMessage(bytes))), Code.TOO_MANY_REQUESTS);
      return;
    }
    rt.clients.touch(clientId);
    let p: Promise<Res>;
    try {
      p = h.handle(rt, makeContext(call, h.rpc, clientId, NEVER_ABORTED), call.request);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (res) => reply(res, h.statusOf(res)?.code ?? Code.OK),
      (err: unknown) => {
        const s = statusFromError(err, rt.logger, h.rpc);
        reply(h.failure(s), s.code);
      },
    )
      .catch((err: unknown) => rt.logger.error({ err, rpc: h.rpc }, 'failed to answer gRPC call'))
      .finally(() => {
        limiter.release(clientId);
        if (bytes > 0) budget!.release(bytes);
      });
  };
}

function wrapServerStream<Req, Res>(deps: ServiceDeps, h: ServerStreamHandler<Req, Res>): handleServerStreamingCall<Req, Res> {
  const { rt, limiter } = deps;
  return (call) => {
    const started = performance.now();
    const ac = new AbortController();
    const onCancel = (): void => ac.abort();
    call.on('cancelled', onCancel);
    let wrote = false;
    const end = (code: Code): void => {
      call.off('cancelled', onCancel);
      observe(deps, h.rpc, code, started);
      if (!ac.signal.aborted) {
        try {
          call.end();
        } catch (err) {
          rt.logger.debug({ err, rpc: h.rpc }, 'ending stream failed');
        }
      }
    };
    const out: StreamWriter<Res> = {
      write(message) {
        wrote = true;
        if (ac.signal.aborted) return Promise.resolve();
        if (call.write(message)) return Promise.resolve();
        // The client's flow-control window is full: wait for it (or for the client to go away). A client that
        // does not read within writeStallCloseMs has its stream reset, so its answer and slot are freed.
        return new Promise<void>((resolve) => {
          const stallMs = deps.writeStallCloseMs ?? 0;
          const stall = stallMs > 0 ? setTimeout(() => {
            rt.logger.warn({ rpc: h.rpc, peer: call.getPeer(), stallMs }, 'gRPC client does not read its answer; resetting the stream');
            if (!resetServerStream(call)) rt.logger.warn('grpc-js internals changed: a stalled stream could not be reset');
            ac.abort();
          }, stallMs) : undefined;
          const done = (): void => {
            if (stall) clearTimeout(stall);
            call.off('drain', done);
            ac.signal.removeEventListener('abort', done);
            resolve();
          };
          call.on('drain', done);
          ac.signal.addEventListener('abort', done);
        });
      },
    };
    const failOnly = (s: Status): void => {
      call.write(h.failure(s));
      end(s.code);
    };
    const clientId = header(call.metadata, CLIENT_ID_HEADER);
    if (clientId === '') return failOnly(status(Code.CLIENT_ID_REQUIRED, `${CLIENT_ID_HEADER} header is required`));
    if (deps.auth) {
      const refused = deps.auth.check(h.rpc, call.metadata, call.request);
      if (refused) {
        rt.logger.debug({ rpc: h.rpc, clientId, code: refused.code, reason: refused.message }, 'gRPC call refused by auth');
        return failOnly(refused);
      }
    }
    const refused = limiter.tryAcquire(clientId);
    if (refused !== undefined) return failOnly(status(Code.TOO_MANY_REQUESTS, refused));
    rt.clients.touch(clientId);
    let p: Promise<Status>;
    try {
      p = h.handle(rt, makeContext(call, h.rpc, clientId, ac.signal), call.request, out);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (s) => end(s.code),
      (err: unknown) => {
        const s = statusFromError(err, rt.logger, h.rpc);
        if (!wrote && !ac.signal.aborted) call.write(h.failure(s));
        end(s.code);
      },
    )
      .catch((err: unknown) => rt.logger.error({ err, rpc: h.rpc }, 'failed to answer gRPC stream'))
      .finally(() => limiter.release(clientId));
  };
}

export function messagingServiceImplementation(deps: ServiceDeps): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const [key, h] of Object.entries(UNARY_HANDLERS)) {
    impl[key] = wrapUnary(deps, h as UnaryHandler<unknown, unknown>);
  }
  for (const [key, h] of Object.entries(SERVER_STREAM_HANDLERS)) {
    impl[key] = wrapServerStream(deps, h as ServerStreamHandler<unknown, unknown>);
  }
  impl['telemetry'] = (call: ServerDuplexStream<TelemetryCommand, TelemetryCommand>): void => {
    const started = performance.now();
    if (deps.telemetryStreams.size >= deps.maxTelemetryStreams) {
      call.write({ status: status(Code.TOO_MANY_REQUESTS, `too many telemetry streams (limit ${deps.maxTelemetryStreams})`), command: undefined });
      call.end();
      observe(deps, 'Telemetry', Code.TOO_MANY_REQUESTS, started);
      return;
    }
    const auth = deps.auth;
    if (auth) {
      const a = auth.authenticate(call.metadata);
      if (!a.user) {
        deps.rt.logger.debug({ rpc: 'Telemetry', reason: a.status.message }, 'gRPC call refused by auth');
        call.write({ status: a.status, command: undefined });
        call.end();
        observe(deps, 'Telemetry', a.status.code, started);
        return;
      }
    }
    let finished = false;
    const stop = serveTelemetry(deps.rt, call, {
      onFinish: (code) => {
        finished = true;
        deps.telemetryStreams.delete(call);
        observe(deps, 'Telemetry', code, started);
      },
      ...(auth ? { authorizeSettings: (settings: Settings) => auth.checkSettings(call.metadata, settings) } : {}),
    });
    if (!finished) deps.telemetryStreams.set(call, stop);
  };
  return impl;
}
