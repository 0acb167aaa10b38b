/**
 * A remoting connection from the client side: one TCP connection, many requests in flight (pipelined, matched
 * by opaque), and a handler for the requests a broker starts (CHECK_TRANSACTION_STATE, NOTIFY_CONSUMER_IDS_CHANGED).
 * The SDK, the bench and the tests build on it; it shares the codec with the server side.
 */
import { connect } from 'node:net';
import { silentLogger, type Logger } from '../util/logger.js';
import type { SerializeType } from '../protocol/remoting/codes.js';
import type { RemotingCommand } from '../protocol/remoting/command.js';
import { RemotingConnection } from '../protocol/remoting/connection.js';

export interface RemotingClientOptions {
  host: string;
  port: number;
  /** JSON (the Java clients' default) or ROCKETMQ binary headers. */
  serializeType?: SerializeType;
  connectTimeoutMs?: number;
  maxFrameBytes?: number;
  logger?: Logger;
  /** Requests the server starts; return a response for two-way ones. */
  onRequest?: (request: RemotingCommand) => RemotingCommand | undefined | Promise<RemotingCommand | undefined>;
}

export class RemotingClient {
  private constructor(private readonly connection: RemotingConnection) {}

  static async connect(options: RemotingClientOptions): Promise<RemotingClient> {
    const socket = connect({ host: options.host, port: options.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${options.host}:${options.port} timed out`));
      }, options.connectTimeoutMs ?? 5000);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const onRequest = options.onRequest;
    const connection = new RemotingConnection(socket, {
      maxFrameBytes: options.maxFrameBytes ?? 64 * 1024 * 1024,
      maxPendingRequests: 1024,
      maxWriteBufferBytes: 64 * 1024 * 1024,
      logger: options.logger ?? silentLogger(),
      dispatch: async (req) => (onRequest ? await onRequest(req) : undefined),
    });
    connection.serializeType = options.serializeType ?? 0;
    return new RemotingClient(connection);
  }

  get isClosed(): boolean {
    return this.connection.isClosed;
  }

  whenClosed(): Promise<void> {
    return this.connection.whenClosed();
  }

  /** Sends a request and resolves with the broker's response (any code; the caller decides what is an error). */
  invoke(code: number, extFields: Record<string, string>, body?: Buffer, timeoutMs = 5000): Promise<RemotingCommand> {
    return this.connection.request(code, extFields, body, timeoutMs);
  }

  oneway(code: number, extFields: Record<string, string>, body?: Buffer): boolean {
    return this.connection.sendOneway(code, extFields, body);
  }

  close(): void {
    this.connection.close('client closing');
  }
}
