/**
 * Reading a request's custom header (extFields): every value arrives as a string; a missing required field or
 * one of the wrong type is the client's error, answered with a response code and a remark naming the field.
 */
import { ResponseCode } from './codes.js';
import type { RemotingCommand } from './command.js';

export class RemotingRequestError extends Error {
  override readonly name = 'RemotingRequestError';
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

const INT = /^-?\d{1,19}$/;

export class Header {
  constructor(private readonly cmd: RemotingCommand) {}

  private missing(name: string): never {
    throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `the custom header field ${name} is missing`);
  }

  str(name: string): string {
    const v = this.cmd.extFields[name];
    if (v === undefined || v === '') this.missing(name);
    return v;
  }

  optStr(name: string): string | undefined {
    const v = this.cmd.extFields[name];
    return v === undefined || v === '' ? undefined : v;
  }

  int(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.cmd.extFields[name];
    if (v === undefined || v === '') this.missing(name);
    return this.parseInt(name, v, min, max);
  }

  optInt(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.cmd.extFields[name];
    if (v === undefined || v === '' || v === 'null') return undefined;
    return this.parseInt(name, v, min, max);
  }

  /**
   * A Java long used as a time bound, e.g. QUERY_MESSAGE's endTimestamp, which mqadmin and the classic client
   * send as Long.MAX_VALUE for "no bound": beyond JavaScript's safe integers it is clamped, not refused.
   */
  optTimeBound(name: string): number | undefined {
    const v = this.cmd.extFields[name];
    if (v === undefined || v === '' || v === 'null') return undefined;
    if (!INT.test(v)) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `the custom header field ${name} is '${v.slice(0, 40)}', not an integer`);
    const n = Number(v);
    return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.cmd.extFields[name];
    if (v === undefined || v === '') return fallback;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `the custom header field ${name} is '${v.slice(0, 40)}', not true or false`);
  }

  private parseInt(name: string, v: string, min: number, max: number): number {
    if (!INT.test(v)) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `the custom header field ${name} is '${v.slice(0, 40)}', not an integer`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `the custom header field ${name} is ${v}, outside ${min}..${max}`);
    }
    return n;
  }
}

/** Parses a JSON request body (heartbeats, lock requests, registrations) or answers INVALID_PARAMETER. */
export function jsonBody(cmd: RemotingCommand, what: string): Record<string, unknown> {
  if (!cmd.body || cmd.body.length === 0) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `${what} has no body`);
  let v: unknown;
  try {
    v = JSON.parse(cmd.body.toString('utf8'));
  } catch {
    throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `${what} body is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `${what} body is not a JSON object`);
  return v as Record<string, unknown>;
}

/** A JSON body for a response: RocketMQ's clients parse standard JSON with fastjson. */
export function toJsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
