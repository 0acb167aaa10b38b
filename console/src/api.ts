/**
 * Talking to the admin API: JSON in and out, errors turned into sentences (the API's `{error:{code,message}}`, or
 * "the broker is unreachable" when the request never got an answer). The connection state is shared so the header
 * can show a broker that went away and every page retries until it is back.
 */

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the broker did not answer at all. */
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

type Listener = (up: boolean) => void;
const listeners = new Set<Listener>();
let brokerUp = true;

function setUp(up: boolean): void {
  if (up === brokerUp) return;
  brokerUp = up;
  for (const l of listeners) l(up);
}

export function onConnection(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function isBrokerUp(): boolean {
  return brokerUp;
}

/**
 * Admin authentication: with auth on, the broker wants `Authorization: Bearer <auth.adminToken>` on every API call.
 * The token is kept in sessionStorage, so it dies with the tab and never goes into a URL or a log line.
 */
const TOKEN_KEY = 'apogee.adminToken';

export interface AuthState {
  /** A token is stored and sent with every request. */
  signedIn: boolean;
  /** The broker refused a request (401 UNAUTHORIZED): the token form is shown with this message. */
  refusal: string | undefined;
}

type AuthListener = (s: AuthState) => void;
const authListeners = new Set<AuthListener>();

function storedToken(): string | undefined {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: the token form keeps showing, nothing else breaks
  }
}

let auth: AuthState = { signedIn: storedToken() !== undefined, refusal: undefined };

function setAuth(next: AuthState): void {
  auth = next;
  for (const l of authListeners) l(next);
}

export function authState(): AuthState {
  return auth;
}

export function onAuth(l: AuthListener): () => void {
  authListeners.add(l);
  return () => authListeners.delete(l);
}

/** Stores the token for this tab; the pages then reload their data with it. */
export function signIn(token: string): void {
  try {
    window.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    setAuth({ signedIn: false, refusal: 'This browser does not let the page keep the token for the tab (sessionStorage is disabled).' });
    return;
  }
  setAuth({ signedIn: true, refusal: undefined });
}

/** Forgets the token; the form comes back. */
export function signOut(): void {
  window.sessionStorage.removeItem(TOKEN_KEY);
  setAuth({ signedIn: false, refusal: 'Signed out. Enter the admin token to use the console.' });
}

function authHeaders(token: string | undefined): Record<string, string> {
  return token !== undefined ? { authorization: `Bearer ${token}` } : {};
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = storedToken();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...authHeaders(token) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    setUp(false);
    throw new ApiError('The broker is unreachable (no answer from its admin port). Retrying…', 0, 'UNREACHABLE');
  }
  setUp(true);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    // A refused token is dropped so it is not sent again; an answer to a request sent with an older token is ignored.
    if (res.status === 401 && err?.code === 'UNAUTHORIZED' && storedToken() === token) {
      if (token !== undefined) window.sessionStorage.removeItem(TOKEN_KEY);
      setAuth({ signedIn: false, refusal: `The broker refused the request: ${err.message ?? 'admin token required'} (UNAUTHORIZED).` });
    }
    if (res.status === 503) throw new ApiError(`The broker is not serving yet (${err?.message ?? 'starting or stopping'}).`, 503, err?.code ?? 'UNAVAILABLE');
    throw new ApiError(err?.message ? `${err.message} (${err.code ?? res.status})` : `HTTP ${res.status} ${res.statusText}`, res.status, err?.code ?? String(res.status));
  }
  return parsed as T;
}

export const seg = (s: string): string => encodeURIComponent(s);
