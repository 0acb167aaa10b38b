/** The CLI's HTTP client for the broker's admin API. Turns every failure into a one-line `CliError`. */
import { CliError, ExitCode } from './errors.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8082';
const TIMEOUT_MS = 10_000;

interface ErrorBody {
  error?: { code?: string; message?: string };
}

export class AdminClient {
  readonly baseUrl: string;

  /** `token`: the broker's `auth.adminToken`, sent as `Authorization: Bearer` (needed when auth is on). */
  constructor(
    baseUrl: string,
    private readonly token?: string,
  ) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new CliError(`invalid admin URL ${JSON.stringify(baseUrl)} (expected e.g. ${DEFAULT_ADMIN_URL})`, ExitCode.USAGE);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CliError(`invalid admin URL ${baseUrl}: only http:// and https:// are supported`, ExitCode.USAGE);
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw this.unreachable(err);
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok) return parsed as T;
    const e = (parsed as ErrorBody | undefined)?.error;
    if (e?.message) throw new CliError(`${e.message} (${e.code ?? 'ERROR'}, HTTP ${res.status})`, ExitCode.REQUEST_FAILED);
    throw new CliError(`broker admin at ${this.baseUrl} answered HTTP ${res.status} to ${method} ${path}`, ExitCode.REQUEST_FAILED);
  }

  private unreachable(err: unknown): CliError {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') {
      return new CliError(`broker admin at ${this.baseUrl} did not answer within ${TIMEOUT_MS / 1000} s`, ExitCode.UNREACHABLE);
    }
    const why = e.cause?.code ?? e.cause?.message ?? e.message;
    return new CliError(`cannot reach broker admin at ${this.baseUrl} (${why})`, ExitCode.UNREACHABLE);
  }
}

/** Percent-encodes one path segment (names may hold `%` and `|`). */
export const seg = (s: string): string => encodeURIComponent(s);
