/**
 * Helpers of the overload test: the broker child's RSS sampled from /proc, raw gRPC requests, and clients that
 * open a stream or a connection, send requests and never read what comes back.
 */
import { connect as h2connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { encodeFrameHead, newRequest } from '../../src/protocol/remoting/command.js';
import { FilterType, MessageType, Encoding, Message } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { ReceiveMessageRequest } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { msToDuration } from '../../src/protocol/grpc/wire.js';

const MiB = 1024 * 1024;

/** VmRSS of a process in bytes, or undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` and keeps the highest value. */
export class RssSampler {
  peak = 0;
  samples = 0;
  /** Highest value since the last `phase()` call. */
  phasePeak = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(private readonly pid: number, everyMs = 20) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
    this.#timer.unref();
  }
  sample(): number {
    const r = rssOf(this.pid) ?? 0;
    this.samples++;
    if (r > this.peak) this.peak = r;
    if (r > this.phasePeak) this.phasePeak = r;
    return r;
  }
  /** Returns the peak since the previous call and starts a new phase. */
  phase(): number {
    this.sample();
    const p = this.phasePeak;
    this.phasePeak = 0;
    return p;
  }
  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }
}

export const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

export const res = (name: string) => ({ resourceNamespace: '', name });

/** A NORMAL message the raw gRPC client sends; `key` identifies it when read back. */
export function grpcMessage(topic: string, key: string, body: Buffer): Message {
  return Message.fromPartial({
    topic: res(topic),
    body,
    systemProperties: {
      messageId: `OVERLOAD${key.padStart(24, '0')}`.slice(0, 32),
      messageType: MessageType.NORMAL,
      bodyEncoding: Encoding.IDENTITY,
      bornHost: 'overload-test',
      keys: [key],
    },
  });
}

export function receiveRequest(group: string, topic: string, batchSize: number, pollMs: number): ReceiveMessageRequest {
  return {
    group: res(group),
    messageQueue: { topic: res(topic), id: 0, permission: 0, broker: undefined, acceptMessageTypes: [] },
    filterExpression: { type: FilterType.TAG, expression: '*' },
    batchSize,
    invisibleDuration: msToDuration(60_000),
    autoRenew: false,
    longPollingTimeout: msToDuration(pollMs),
  };
}

/** One length-prefixed gRPC message (uncompressed). */
function grpcFrame(payload: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b.writeUInt32BE(payload.length, 1);
  b.set(payload, 5);
  return b;
}

/**
 * An HTTP/2 connection that opens ReceiveMessage streams and never reads them: the streams are paused, so the
 * client's flow-control window never reopens and the broker's answer cannot leave.
 */
export class NeverReadingGrpc {
  readonly session: ClientHttp2Session;
  readonly closed: number[] = [];
  opened = 0;
  /** Streams whose HEADERS went out. */
  ready = 0;
  constructor(endpoint: string) {
    this.session = h2connect(`http://${endpoint}`, { settings: { initialWindowSize: 65_535 } });
    this.session.on('error', () => {});
  }
  /** Opens a Telemetry stream that sends nothing and is never read. */
  openTelemetry(clientId: string): void {
    const stream = this.openStream('Telemetry', clientId);
    stream.once('ready', () => this.ready++);
    stream.pause();
  }
  openReceive(clientId: string, req: ReceiveMessageRequest): void {
    const stream = this.openStream('ReceiveMessage', clientId);
    stream.end(grpcFrame(ReceiveMessageRequest.encode(req).finish()));
    stream.pause(); // never read
  }
  /** A counted HTTP/2 stream to one MessagingService method, with the headers every v2 client sends. */
  private openStream(method: string, clientId: string): ClientHttp2Stream {
    const stream = this.session.request({
      ':method': 'POST',
      ':path': `/apache.rocketmq.v2.MessagingService/${method}`,
      'content-type': 'application/grpc',
      te: 'trailers',
      'x-mq-client-id': clientId,
      'x-mq-protocol': 'v2',
    });
    this.opened++;
    const id = this.opened;
    stream.on('error', () => {});
    stream.on('close', () => this.closed.push(id));
    return stream;
  }
  close(): void {
    this.session.destroy();
  }
}

/**
 * A raw TCP connection to the remoting port that pipelines requests and never reads the socket.
 */
export class NeverReadingRemoting {
  readonly socket: Socket;
  closedByBroker = false;
  #opaque = 1;
  constructor(host: string, port: number) {
    this.socket = netConnect({ host, port });
    this.socket.pause(); // never read
    this.socket.on('error', () => {
      this.closedByBroker = true;
    });
    this.socket.on('close', () => {
      this.closedByBroker = true;
    });
  }
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }
  send(code: number, extFields: Record<string, string>, body?: Buffer): void {
    const cmd = newRequest(code, this.#opaque++, extFields, body);
    const head = encodeFrameHead(cmd);
    if (this.socket.destroyed) return;
    this.socket.write(head);
    if (body && body.length > 0) this.socket.write(body);
  }
  /** Starts reading (and dropping) what the broker sent, so a close by the broker becomes visible. */
  drain(): void {
    this.socket.on('data', () => {});
    this.socket.resume();
  }
  close(): void {
    this.socket.destroy();
  }
}
