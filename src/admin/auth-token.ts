/** The admin API's token check when auth is on: `Authorization: Bearer <auth.adminToken>`, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AdminErrorCode, HttpError } from './http-errors.js';

/** Paths answered without a token: liveness probes must work without secrets. */
const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz']);

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** A check that throws a 401 HttpError for a request without the right token. */
export function adminTokenCheck(token: string): (req: IncomingMessage, path: string) => void {
  const expected = digest(token);
  return (req, path) => {
    if (OPEN_PATHS.has(path)) return;
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(h);
    if (m && timingSafeEqual(digest(m[1]!.trim()), expected)) return;
    throw new HttpError(
      401,
      AdminErrorCode.UNAUTHORIZED,
      m ? 'admin token does not match' : 'admin token required (auth is on): send Authorization: Bearer <token>; the CLI takes --token or APOGEE_AUTH_ADMIN_TOKEN',
      { 'www-authenticate': 'Bearer realm="apogee"' },
    );
  };
}
