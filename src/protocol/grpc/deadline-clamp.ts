/**
 * The official Java client opens Telemetry with a 60-year deadline (grpc-timeout "525600H"). grpc-js's server
 * turns the header into milliseconds with `| 0`, which wraps anything past 2^31-1 ms (~24.8 days) into a small
 * number, so the stream dies with DEADLINE_EXCEEDED right after the Settings answer and check-backs never reach
 * the producer. A deadline that far away means "none": such headers are dropped before grpc-js reads them.
 */
import type { Server } from '@grpc/grpc-js';
import type { IncomingHttpHeaders } from 'node:http2';
import type { EventEmitter } from 'node:events';

/** setTimeout's ceiling; grpc-js schedules the deadline with setTimeout. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
const TIMEOUT_RE = /^(\d{1,8})([HMSmun])$/;

/** The header's value in ms, or undefined when it is not a valid grpc-timeout (grpc-js then answers INTERNAL). */
export function grpcTimeoutMs(value: string): number | undefined {
  const m = TIMEOUT_RE.exec(value);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/** Removes a grpc-timeout that grpc-js would mangle; returns true when it did. */
export function dropUnrepresentableDeadline(headers: IncomingHttpHeaders): boolean {
  const raw = headers['grpc-timeout'];
  if (typeof raw !== 'string') return false;
  const ms = grpcTimeoutMs(raw);
  if (ms === undefined || ms <= MAX_TIMER_MS) return false;
  delete headers['grpc-timeout'];
  return true;
}

/**
 * Hooks every HTTP/2 server behind a bound grpc-js Server. grpc-js keeps them in a private map; if a future
 * version renames it, this returns false so the caller can warn instead of failing silently.
 */
export function installDeadlineClamp(server: Server): boolean {
  const http2Servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(http2Servers instanceof Map) || http2Servers.size === 0) return false;
  for (const h2 of http2Servers.keys() as IterableIterator<EventEmitter>) {
    // Prepended: the headers object is the one grpc-js's own 'stream' listener reads next.
    h2.prependListener('stream', (_stream: unknown, headers: IncomingHttpHeaders) => {
      dropUnrepresentableDeadline(headers);
    });
  }
  return true;
}
