/** Reads a request body as JSON with a size limit, and validates it with a zod schema into a typed value. */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { AdminErrorCode, HttpError } from './http-errors.js';

/** Admin bodies are small specs; anything larger is a mistake or an attack. */
export const DEFAULT_MAX_ADMIN_BODY_BYTES = 64 * 1024;

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(415, AdminErrorCode.UNSUPPORTED_MEDIA_TYPE, `content-type must be application/json, got ${type}`);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const { chunks, size } = await collect(req, limit);
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, AdminErrorCode.BAD_JSON, 'request body is empty; a JSON object is expected');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, AdminErrorCode.BAD_JSON, `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads the body without destroying the request on overflow (the caller still answers on this socket). */
function collect(req: IncomingMessage, limit: number): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ chunks, size });
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    function cleanup(): void {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    }
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, AdminErrorCode.PAYLOAD_TOO_LARGE, `request body larger than ${limit} bytes`);
}

/** Parses `value` with `schema`; a failure becomes a 400 naming the offending field(s). */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpError(400, 'BAD_REQUEST', `invalid ${what}: ${describeIssues(result.error.issues)}`);
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const at = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => `unknown field "${at ? `${at}.` : ''}${k}"`).join('; ');
      }
      return at ? `field "${at}": ${issue.message}` : issue.message;
    })
    .join('; ');
}
