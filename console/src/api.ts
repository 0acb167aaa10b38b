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
 * Hook for admin authentication (not in the broker yet): headers added to every API request. When the broker
 * answers 401 the page shows the message; a token prompt can plug in here.
 */
export const authHeaders: Record<string, string> = {};

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...authHeaders },
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
    if (res.status === 503) throw new ApiError(`The broker is not serving yet (${err?.message ?? 'starting or stopping'}).`, 503, err?.code ?? 'UNAVAILABLE');
    throw new ApiError(err?.message ? `${err.message} (${err.code ?? res.status})` : `HTTP ${res.status} ${res.statusText}`, res.status, err?.code ?? String(res.status));
  }
  return parsed as T;
}

export const seg = (s: string): string => encodeURIComponent(s);
