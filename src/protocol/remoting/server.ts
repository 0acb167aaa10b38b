/**
 * A remoting listener: accepts connections and routes each request by code to a handler table. Used by both the
 * broker front and the name server. Codes without a handler get REQUEST_CODE_NOT_SUPPORTED with a remark naming
 * the code; a handler's `RemotingRequestError` or `BrokerError` becomes a response code and remark; anything
 * else is SYSTEM_ERROR and a log line, and the connection keeps serving.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from '../../util/logger.js';
import { asBrokerError } from '../../broker/errors.js';
import { requestCodeName, ResponseCode } from './codes.js';
import type { RemotingAuthCheck } from './auth.js';
import { responseTo, type RemotingCommand } from './command.js';
import { RemotingConnection } from './connection.js';
import type { RemotingAdmission } from './admission.js';
import { responseCodeOf } from './errors.js';
import { RemotingRequestError } from './header.js';

export type RemotingHandler = (request: RemotingCommand, connection: RemotingConnection) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

export interface RemotingServerOptions {
  host: string;
  port: number;
  logger: Logger;
  handlers: ReadonlyMap<number, RemotingHandler>;
  /** Largest frame accepted (body + header); bigger closes the connection. */
  maxFrameBytes: number;
  maxPendingRequestsPerConnection?: number;
  maxWriteBufferBytes?: number;
  /** Close a connection that stays over maxWriteBufferBytes this long (0 / absent = never). */
  writeStallCloseMs?: number;
  /** In-flight bound and byte budget over all connections (SYSTEM_BUSY past them); absent = none. */
  admission?: RemotingAdmission;
  /** Open connections at most; more are closed at accept. */
  maxConnections?: number;
  onConnection?: (connection: RemotingConnection) => void;
  /** Signature and ACL check before every request (auth on); absent = no check at all. */
  authorize?: RemotingAuthCheck;
  /** Every connection speaks TLS with this context (no plaintext accepted). */
  tlsContext?: SecureContext;
}

/** A TLS handshake not done by then closes the connection (a client that connects and says nothing). */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface RemotingServerHandle {
  readonly port: number;
  readonly connections: ReadonlySet<RemotingConnection>;
  close(): Promise<void>;
}

export async function startRemotingServer(options: RemotingServerOptions): Promise<RemotingServerHandle> {
  const { logger, handlers } = options;
  const connections = new Set<RemotingConnection>();
  const dispatch = async (request: RemotingCommand, connection: RemotingConnection): Promise<RemotingCommand | undefined> => {
    if (options.authorize) {
      const refused = options.authorize(request);
      if (refused) {
        logger.debug({ code: request.code, remote: connection.remoteAddress, reason: refused.remark }, 'remoting request refused by auth');
        return refused;
      }
    }
    const handler = handlers.get(request.code);
    if (!handler) {
      logger.debug({ code: request.code, remote: connection.remoteAddress }, 'unsupported remoting request');
      return responseTo(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, `request type ${request.code} not supported: ${requestCodeName(request.code)} is not served by Apogee`);
    }
    try {
      return (await handler(request, connection)) ?? undefined;
    } catch (err) {
      if (err instanceof RemotingRequestError) return responseTo(request, err.responseCode, err.message);
      const be = asBrokerError(err);
      if (be) return responseTo(request, responseCodeOf(be), be.message);
      logger.error({ err, code: request.code }, `remoting ${requestCodeName(request.code)} failed`);
      return responseTo(request, ResponseCode.SYSTEM_ERROR, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const server: Server = createServer({ noDelay: true }, (raw) => {
    if (!options.tlsContext) return accept(raw);
    const socket = new TLSSocket(raw, { isServer: true, secureContext: options.tlsContext });
    const timer = setTimeout(() => socket.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    socket.once('secure', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    socket.on('error', (err) => logger.debug({ err: err.message, remote: raw.remoteAddress }, 'remoting TLS error'));
    accept(socket);
  });
  const accept = (socket: Socket): void => {
    if (options.maxConnections !== undefined && connections.size >= options.maxConnections) {
      logger.warn({ remote: socket.remoteAddress, limit: options.maxConnections }, 'too many remoting connections; refusing one');
      socket.destroy();
      return;
    }
    const c = new RemotingConnection(socket, {
      maxFrameBytes: options.maxFrameBytes,
      maxPendingRequests: options.maxPendingRequestsPerConnection ?? 4096,
      maxWriteBufferBytes: options.maxWriteBufferBytes ?? 16 * 1024 * 1024,
      logger,
      dispatch,
      ...(options.admission ? { admission: options.admission } : {}),
      ...(options.writeStallCloseMs ? { writeStallCloseMs: options.writeStallCloseMs } : {}),
    });
    connections.add(c);
    c.onClosed(() => connections.delete(c));
    options.onConnection?.(c);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    connections,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of connections) c.close('server closing');
      })),
  };
}
