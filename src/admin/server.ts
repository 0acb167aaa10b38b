/**
 * The admin HTTP server: JSON API under /api, /healthz and /metrics. It binds before the broker is open so that
 * /healthz can answer 503 during recovery; /api/* answers 503 until the broker serves.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrokerApi } from '../broker/api.js';
import { BrokerError, BrokerErrorCode } from '../broker/errors.js';
import type { Logger } from '../util/logger.js';
import { DEFAULT_MAX_ADMIN_BODY_BYTES, readJsonBody } from './body.js';
import { ConsoleFiles, isApiPath } from './console-static.js';
import { RateHistory } from './history.js';
import { errorResponse } from './http-errors.js';
import type { BrokerMetrics } from './metrics.js';
import { Router, type AdminResponse } from './router.js';
import type { AclStore } from '../auth/acl-store.js';
import { adminTokenCheck } from './auth-token.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerConsoleRoutes, type ClientSummary } from './routes/console.js';
import { registerGroupRoutes } from './routes/groups.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerTopicRoutes } from './routes/topics.js';
import { registerTransactionRoutes } from './routes/transactions.js';
import type { LifecycleState, StatusReport } from './status.js';

/** What the admin server serves; implemented by the app assembly. */
export interface AdminTarget {
  state(): LifecycleState;
  /** The broker once open (undefined while starting). */
  broker(): BrokerApi | undefined;
  status(): StatusReport;
  /** Live clients by protocol and group, for the console; absent = not reported (the console says so). */
  clients?(): ClientSummary[];
}

export interface AdminServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  target: AdminTarget;
  metrics: BrokerMetrics;
  /** Largest accepted request body (default 64 KiB). */
  maxBodyBytes?: number;
  /** When set (auth on), every path but /healthz needs `Authorization: Bearer <adminToken>`. */
  adminToken?: string;
  /** Users and ACL rules, managed under /api/users. */
  acl?: AclStore;
  /** The broker's transaction check interval, for the console's "next check" (default: the broker default). */
  transactionCheckIntervalMs?: number;
  /** Rate history sampling (console charts): interval and number of points kept. */
  historyIntervalMs?: number;
  historyCapacity?: number;
  /** Where the built console lives (default build/console next to this module). */
  consoleDir?: string;
}

export interface AdminServerHandle {
  /** The bound port. */
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (up to 2 s), then drops connections. Idempotent. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 2000;
/** How long a refused request's remaining body is read and discarded before answering anyway. */
const DRAIN_LIMIT_MS = 2000;

function drain(req: IncomingMessage, limitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, limitMs);
    req.once('end', done);
    req.once('close', done);
    req.resume();
  });
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServerHandle> {
  const { target, logger, metrics } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_ADMIN_BODY_BYTES;
  const history = new RateHistory(metrics.registry, options.historyIntervalMs, options.historyCapacity);
  const router = buildRouter(target, metrics, history, options.transactionCheckIntervalMs);
  if (options.acl) registerAuthRoutes(router, options.acl);
  const checkToken = options.adminToken !== undefined ? adminTokenCheck(options.adminToken) : undefined;
  const consoleFiles = new ConsoleFiles(options.consoleDir);

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => logger.error({ err }, 'admin response failed'));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    let response: AdminResponse;
    let headers: Record<string, string> = {};
    try {
      const url = new URL(req.url ?? '/', 'http://admin.invalid');
      // The console's files hold no data: they load without the token; its API calls carry it.
      if (!isApiPath(url.pathname) && (method === 'GET' || method === 'HEAD')) {
        const file = await consoleFiles.get(url.pathname, req.headers['if-none-match']);
        res.writeHead(file.status, file.headers);
        res.end(method === 'HEAD' ? undefined : file.body);
        return;
      }
      checkToken?.(req, url.pathname);
      const { handler, params } = router.match(method, url.pathname);
      response = await handler({ method, path: url.pathname, params, query: url.searchParams, remote: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? 0}`, body: () => readJsonBody(req, maxBody) });
    } catch (err) {
      const e = errorResponse(err, logger);
      response = { status: e.status, json: e.body };
      headers = e.headers;
      if (!req.complete) {
        // Discard the unread body before answering (closing on unread data resets the connection and the client
        // may never see the answer), then close: the connection cannot be reused.
        headers.connection = 'close';
        await drain(req, DRAIN_LIMIT_MS);
      }
    }
    logger.debug({ method, url: req.url, status: response.status }, 'admin request');
    send(res, method, response, headers);
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  history.start();

  let closing: Promise<void> | undefined;
  return {
    port,
    close(): Promise<void> {
      history.stop();
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function buildRouter(target: AdminTarget, metrics: BrokerMetrics, history: RateHistory, checkIntervalMs: number | undefined): Router {
  const router = new Router();
  const ctx = {
    broker(): BrokerApi {
      const b = target.broker();
      const state = target.state();
      if (!b || state !== 'serving') throw new BrokerError(BrokerErrorCode.UNAVAILABLE, `broker is ${state}`, true);
      return b;
    },
  };
  router.add('GET', '/healthz', async () => {
    const state = target.state();
    return { status: state === 'serving' ? 200 : 503, json: { status: state } };
  });
  router.add('GET', '/metrics', async () => {
    const m = await metrics.scrape();
    return { status: 200, text: m.text, contentType: m.contentType };
  });
  router.add('GET', '/api/status', async () => ({ status: 200, json: target.status() }));
  registerTopicRoutes(router, ctx);
  registerGroupRoutes(router, ctx);
  registerMessageRoutes(router, ctx);
  registerTransactionRoutes(router, ctx, checkIntervalMs);
  registerConsoleRoutes(router, ctx, { history, ...(target.clients ? { clients: () => target.clients!() } : {}) });
  return router;
}

function send(res: ServerResponse, method: string, r: AdminResponse, extra: Record<string, string>): void {
  const isText = r.text !== undefined;
  const payload = Buffer.from(isText ? r.text! : JSON.stringify(r.json ?? null) + '\n', 'utf8');
  res.writeHead(r.status, {
    'content-type': isText ? (r.contentType ?? 'text/plain; charset=utf-8') : 'application/json; charset=utf-8',
    'content-length': String(payload.length),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(method === 'HEAD' ? undefined : payload);
}
