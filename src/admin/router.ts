/** A small method + path router: `/api/topics/:name` style patterns, percent-decoded params, 405 with `Allow`. */
import { AdminErrorCode, HttpError } from './http-errors.js';

export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The client's address, `ip:port`. */
  readonly remote: string;
  /** Reads and parses the JSON body (size-limited); `{}` is never assumed for an empty body. */
  body(): Promise<unknown>;
}

export interface AdminResponse {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

export type Handler = (req: AdminRequest) => Promise<AdminResponse>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export type Match = { handler: Handler; params: Record<string, string> };

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, segments: split(pattern), handler });
    return this;
  }

  /** The matching route, or an HttpError (404 unknown path, 405 known path with another method). */
  match(method: string, path: string): Match {
    const parts = split(path);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0) {
      throw new HttpError(405, AdminErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`, {
        allow: allowed.join(', '),
      });
    }
    throw new HttpError(404, AdminErrorCode.ROUTE_NOT_FOUND, `no such endpoint: ${path}`);
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        throw new HttpError(400, 'BAD_REQUEST', `bad percent-encoding in path segment ${JSON.stringify(v)}`);
      }
    } else if (p !== v) return undefined;
  }
  return params;
}
