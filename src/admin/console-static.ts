/**
 * The web console's static files, built by `npm run build` into build/console/ (console/build.mjs). Asset URLs
 * live under /assets/; any other GET that is not the API (/api/, /healthz, /metrics) is a page URL of the
 * single-page console and gets index.html. Files are read once and kept in memory (a few hundred KB in all);
 * they are revalidated by ETag, never cached blindly, since their names carry no content hash.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** build/src/admin/ -> build/console/ */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface Cached {
  body: Buffer;
  etag: string;
  contentType: string;
}

/** Paths the API owns; everything else is the console's. */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/healthz' || path === '/metrics';
}

export class ConsoleFiles {
  private readonly root: string;
  private readonly cache = new Map<string, Promise<Cached | undefined>>();

  constructor(dir: string = DEFAULT_CONSOLE_DIR) {
    this.root = resolve(dir);
  }

  /**
   * The answer for a GET/HEAD of `rawPath` (the URL's pathname, still percent-encoded). Missing assets are 404;
   * page URLs get index.html; a path trying to leave the console directory is 400.
   */
  async get(rawPath: string, ifNoneMatch: string | undefined): Promise<StaticFile> {
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return text(400, 'bad percent-encoding in path\n');
    }
    if (path.includes('\0') || path.includes('\\') || path.split('/').some((s) => s === '..' || s === '.')) {
      return text(400, 'invalid path\n');
    }
    const isAsset = path.startsWith('/assets/');
    const file = isAsset ? this.resolveInside(path.slice(1)) : this.resolveInside('index.html');
    if (!file) return text(400, 'invalid path\n');
    const cached = await this.load(file);
    if (!cached) {
      return isAsset ? text(404, `no such console file: ${path}\n`) : text(404, 'the web console is not built (run `npm run build`)\n');
    }
    const headers: Record<string, string> = {
      'content-type': cached.contentType,
      // Revalidate every time (names carry no hash), a 304 costs one round trip and no body.
      'cache-control': 'no-cache',
      etag: cached.etag,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    };
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === cached.etag)) {
      return { status: 304, headers, body: Buffer.alloc(0) };
    }
    return { status: 200, headers: { ...headers, 'content-length': String(cached.body.length) }, body: cached.body };
  }

  private resolveInside(relative: string): string | undefined {
    const full = resolve(this.root, relative);
    return full.startsWith(this.root + sep) ? full : undefined;
  }

  private load(file: string): Promise<Cached | undefined> {
    let p = this.cache.get(file);
    if (!p) {
      p = readFile(file).then(
        (body) => ({
          body,
          etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
          contentType: CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        }),
        () => undefined,
      );
      // Only hits are kept: a file built after the broker started is still found, and misses cannot grow the map.
      void p.then((c) => {
        if (!c) this.cache.delete(file);
      });
      this.cache.set(file, p);
    }
    return p;
  }
}

function text(status: number, message: string): StaticFile {
  const body = Buffer.from(message, 'utf8');
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store' }, body };
}
