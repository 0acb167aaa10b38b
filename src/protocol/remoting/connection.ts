/**
 * One remoting TCP connection: splits frames, hands requests to the dispatcher (many in flight at once, answered
 * in completion order, matched by opaque), and lets the server push its own requests to the client
 * (check-backs, consumer-ids-changed) with or without waiting for an answer.
 *
 * Backpressure: past `maxPendingRequests` unanswered requests, or when the socket's write buffer is over
 * `maxWriteBufferBytes` (a client that sends and never reads), the connection stops reading until both drop.
 * A client that stays over that buffer for `writeStallCloseMs`, or gets more answers while over it and the byte
 * budget is exhausted, is closed.
 * With an `admission`, a request over the listener's in-flight bound or the byte budget is answered SYSTEM_BUSY
 * at once; the frames being received and the answers not yet taken by the client are counted in the budget.
 * Garbage closes this connection only.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../../util/logger.js';
import { FLAG_RESPONSE } from './codes.js';
import { decodeFrameContent, encodeFrameHead, isOneway, isResponse, newRequest, RemotingProtocolError, responseTo, type RemotingCommand } from './command.js';
import { FrameDecoder } from './frame-decoder.js';
import { ResponseCode, type SerializeType } from './codes.js';
import type { RemotingAdmission } from './admission.js';

export interface ConnectionOptions {
  maxFrameBytes: number;
  maxPendingRequests: number;
  maxWriteBufferBytes: number;
  logger: Logger;
  /** Shared in-flight bound and byte budget; absent = neither. */
  admission?: RemotingAdmission;
  /** Close a connection over `maxWriteBufferBytes` for this long (0 / absent = never). */
  writeStallCloseMs?: number;
  /** Answers one request; undefined for one-way requests (and only those). */
  dispatch: (request: RemotingCommand, connection: RemotingConnection) => Promise<RemotingCommand | undefined>;
}

let nextConnectionId = 1;

export class RemotingConnection {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  /** The serialize type of the client's last request: commands the server starts use it too. */
  serializeType: SerializeType = 0;
  private readonly decoder: FrameDecoder;
  private pendingRequests = 0;
  private paused = false;
  private closed = false;
  private nextOpaque = 1;
  private readonly awaiting = new Map<number, { resolve: (c: RemotingCommand) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly closeListeners: Array<() => void> = [];
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };
  /** Set by handlers: the client id this connection belongs to (from heartbeats). */
  clientId: string | undefined;
  /** Bytes of this connection counted in the byte budget: unread answers, and a frame still arriving. */
  private bufferedCounted = 0;
  private decoderCounted = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  /** Bound once: the write callback that re-counts the unread answer bytes (no closure per write). */
  private readonly recount = (): void => {
    const budget = this.options.admission?.budget;
    if (!budget) return;
    const now = this.closed ? 0 : this.socket.writableLength;
    const d = now - this.bufferedCounted;
    if (d > 0) budget.hold(d);
    else if (d < 0) budget.release(-d);
    this.bufferedCounted = now;
  };

  constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`.replace(/^::ffff:/, '');
    this.decoder = new FrameDecoder(options.maxFrameBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => options.logger.debug({ err, remote: this.remoteAddress }, 'remoting connection error'));
    socket.on('close', () => this.onClose());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Unanswered requests from the client right now. */
  get inFlight(): number {
    return this.pendingRequests;
  }

  private closedPromise: Promise<void> | undefined;
  /** Settles when the connection closes (long-polling pulls stop waiting). */
  whenClosed(): Promise<void> {
    this.closedPromise ??= new Promise<void>((resolve) => this.onClosed(resolve));
    return this.closedPromise;
  }

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.options.logger.info({ remote: this.remoteAddress, reason }, 'closing remoting connection');
    this.socket.destroy();
  }

  /** Writes a command; false when the connection is closed. */
  write(command: RemotingCommand): boolean {
    if (this.closed || this.socket.destroyed) return false;
    const before = this.socket.writableLength;
    const head = encodeFrameHead(command);
    // Everything written in one tick leaves in one writev: the answers a group commit releases together (and a
    // frame's head and body) cost one syscall, not one each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    if (command.body && command.body.length > 0) {
      this.socket.write(head);
      this.socket.write(command.body, this.recount);
    } else this.socket.write(head, this.recount);
    this.recount();
    const buffered = this.socket.writableLength;
    const budget = this.options.admission?.budget;
    if (before > this.options.maxWriteBufferBytes && budget !== undefined && budget.used > budget.limitBytes) {
      // Not reading, over its bound, while the broker is out of budget: its answers are dropped with it.
      this.options.logger.warn({ remote: this.remoteAddress, buffered }, 'remoting client does not read its answers while the byte budget is exhausted; closing the connection');
      this.socket.destroy();
      return false;
    }
    if (buffered > this.options.maxWriteBufferBytes) this.maybePause();
    return true;
  }

  /** Sends a one-way request to the client (no answer expected). */
  sendOneway(code: number, extFields: Record<string, string>, body?: Buffer): boolean {
    return this.write(newRequest(code, this.nextOpaque++, extFields, body, { oneway: true, serializeType: this.serializeType }));
  }

  /** Sends a request to the client and waits for its answer. */
  request(code: number, extFields: Record<string, string>, body: Buffer | undefined, timeoutMs: number): Promise<RemotingCommand> {
    const opaque = this.nextOpaque++;
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('connection closed'));
      const timer = setTimeout(() => {
        this.awaiting.delete(opaque);
        reject(new Error(`no answer from ${this.remoteAddress} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.awaiting.set(opaque, { resolve, reject, timer });
      this.write(newRequest(code, opaque, extFields, body, { serializeType: this.serializeType }));
    });
  }

  /** Bytes written to the socket that the client has not taken yet. */
  get writeBuffered(): number {
    return this.socket.writableLength;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private onData(chunk: Buffer): void {
    const budget = this.options.admission?.budget;
    if (budget && this.decoderCounted > 0) {
      budget.release(this.decoderCounted);
      this.decoderCounted = 0;
    }
    try {
      // Past the bounds, frames already received stay in the decoder until the client catches up.
      this.decoder.push(chunk, (content) => {
        this.onFrame(decodeFrameContent(content), content.length);
        return !this.paused;
      });
      if (budget && !this.closed) {
        this.decoderCounted = this.decoder.buffered;
        budget.hold(this.decoderCounted);
      }
    } catch (err) {
      const reason = err instanceof RemotingProtocolError ? err.message : String(err);
      this.options.logger.warn({ remote: this.remoteAddress, reason }, 'bad remoting frame; closing the connection');
      this.socket.destroy();
    }
  }

  private onFrame(cmd: RemotingCommand, bytes: number): void {
    if (isResponse(cmd)) {
      const w = this.awaiting.get(cmd.opaque);
      if (w) {
        this.awaiting.delete(cmd.opaque);
        clearTimeout(w.timer);
        w.resolve(cmd);
      }
      return;
    }
    this.serializeType = cmd.serializeType;
    const oneway = isOneway(cmd);
    const admission = this.options.admission;
    if (admission) {
      const busy = admission.admit(bytes);
      if (busy !== undefined) {
        if (!oneway) {
          const r = responseTo(cmd, ResponseCode.SYSTEM_BUSY, busy);
          r.flag |= FLAG_RESPONSE;
          this.write(r);
        }
        return;
      }
    }
    this.pendingRequests++;
    this.maybePause();
    this.options.dispatch(cmd, this).then(
      (response) => this.finish(response, oneway, bytes),
      (err: unknown) => {
        this.options.logger.error({ err, code: cmd.code }, 'remoting dispatch failed');
        this.finish(undefined, oneway, bytes);
      },
    );
  }

  private finish(response: RemotingCommand | undefined, oneway: boolean, bytes: number): void {
    this.options.admission?.done(bytes);
    this.pendingRequests--;
    if (response && !oneway) {
      response.flag |= FLAG_RESPONSE;
      this.write(response);
    }
    this.maybeResume();
  }

  private maybePause(): void {
    if (!this.paused && (this.pendingRequests >= this.options.maxPendingRequests || this.socket.writableLength > this.options.maxWriteBufferBytes)) {
      this.paused = true;
      this.socket.pause();
    }
    const stallMs = this.options.writeStallCloseMs ?? 0;
    if (this.paused && stallMs > 0 && this.stallTimer === undefined && this.socket.writableLength > this.options.maxWriteBufferBytes) {
      // One timer per stall, not per write: cleared when the client reads enough to be resumed.
      this.stallTimer = setTimeout(() => {
        this.stallTimer = undefined;
        if (this.closed || this.socket.writableLength <= this.options.maxWriteBufferBytes) return;
        this.options.logger.warn({ remote: this.remoteAddress, buffered: this.socket.writableLength, stallMs }, 'remoting client has not read its answers; closing the connection');
        this.socket.destroy();
      }, stallMs);
      this.stallTimer.unref();
    }
  }

  private maybeResume(): void {
    this.recount();
    if (this.paused && this.pendingRequests < this.options.maxPendingRequests && this.socket.writableLength <= this.options.maxWriteBufferBytes) {
      this.paused = false;
      if (this.stallTimer !== undefined) {
        clearTimeout(this.stallTimer);
        this.stallTimer = undefined;
      }
      if (this.decoder.buffered > 0) this.onData(Buffer.alloc(0));
      if (!this.paused && !this.closed) this.socket.resume();
    } else if (!this.paused) this.maybePause();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    const budget = this.options.admission?.budget;
    if (budget) {
      // The socket's buffer and a half-received frame are gone with it.
      budget.release(this.bufferedCounted + this.decoderCounted);
      this.bufferedCounted = 0;
      this.decoderCounted = 0;
    }
    for (const w of this.awaiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('connection closed'));
    }
    this.awaiting.clear();
    for (const l of this.closeListeners.splice(0)) {
      try {
        l();
      } catch (err) {
        this.options.logger.error({ err }, 'remoting close listener failed');
      }
    }
  }
}
