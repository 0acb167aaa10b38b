/**
 * What the differential scenarios share: the two targets, official-client factories, and the recording
 * helpers that turn what the client observed into plain JSON (ids, timestamps and hosts left out, since
 * they differ by nature).
 */
import { FilterExpression, Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { quietLogger } from '../grpc/support/harness.js';

export type TargetName = 'apogee' | 'reference';

export interface Target {
  name: TargetName;
  endpoint: string;
  /** Unique per target and run: keeps runs against a long-lived reference apart. */
  runId: string;
}

/** Topics and groups both targets have (scripts/reference.mjs seeds the same list into RocketMQ). */
export const TOPOLOGY = {
  topics: [
    { name: 'DiffNormal', messageType: 'NORMAL', queueNums: 4 },
    { name: 'DiffFifo', messageType: 'FIFO', queueNums: 2 },
    { name: 'DiffDelay', messageType: 'DELAY', queueNums: 2 },
    { name: 'DiffTransaction', messageType: 'TRANSACTION', queueNums: 2 },
  ],
  /** RocketMQ's retryMaxTimes=2 is 3 deliveries; Apogee names the total. */
  groups: [
    { name: 'diff-fifo', fifo: true },
    { name: 'diff-dlq', maxDeliveryAttempts: 3 },
  ],
} as const;

/** The proxy refuses receive invisible durations under 10 s (minInvisibleTimeMillsForRecv). */
export const RECEIVE_INVISIBLE_MS = 10_000;
const AWAIT_MS = 2000;
const SQL92 = 2; // apache.rocketmq.v2.FilterType.SQL

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Record_ = { [k: string]: Json };

type Track = <C extends { shutdown(): Promise<void> }>(c: C) => C;

/** A started producer; tracked before startup so a failed start is shut down too (its timers keep running). */
export async function producer(t: Target, track: Track, topic: string, checker?: (m: MessageView) => Promise<number>): Promise<Producer> {
  const opts: Record<string, unknown> = { endpoints: t.endpoint, namespace: '', logger: quietLogger, topic, requestTimeout: 5000 };
  if (checker) opts['checker'] = { check: checker };
  const p = track(new Producer(opts as unknown as ConstructorParameters<typeof Producer>[0]));
  await p.startup();
  return p;
}

export function tagFilter(expr: string): FilterExpression {
  return new FilterExpression(expr);
}

export function sqlFilter(expr: string): FilterExpression {
  return new FilterExpression(expr, SQL92 as never);
}

export async function consumer(t: Target, track: Track, group: string, topic: string, filter: FilterExpression | string): Promise<SimpleConsumer> {
  const c = track(new SimpleConsumer({
    endpoints: t.endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, filter]]),
    awaitDuration: AWAIT_MS,
    requestTimeout: 5000,
  } as ConstructorParameters<typeof SimpleConsumer>[0]));
  await c.startup();
  return c;
}

/** Runs `fn` with clients that are shut down on every path. */
export async function withClients<T>(fn: (track: Track) => Promise<T>): Promise<T> {
  const clients: { shutdown(): Promise<void> }[] = [];
  try {
    return await fn((c) => {
      clients.push(c);
      return c;
    });
  } finally {
    await Promise.all(clients.map((c) => c.shutdown().catch(() => {})));
  }
}

/** Receives (no ack) until `done` holds for everything so far or the deadline passes; never throws on timeout. */
export async function receiveUntil(
  c: SimpleConsumer,
  done: (got: MessageView[]) => boolean,
  deadlineMs: number,
  invisibleMs = RECEIVE_INVISIBLE_MS,
): Promise<MessageView[]> {
  const got: MessageView[] = [];
  const until = Date.now() + deadlineMs;
  while (!done(got) && Date.now() < until) got.push(...(await receiveOnce(c, invisibleMs)));
  return got;
}

/**
 * One receive. A gRPC DEADLINE_EXCEEDED (the long poll outlived the client's deadline, seen from a loaded JVM)
 * is a transport hiccup, not an answer: it counts as an empty receive. Every other error propagates.
 */
export async function receiveOnce(c: SimpleConsumer, invisibleMs: number): Promise<MessageView[]> {
  try {
    return await c.receive(16, invisibleMs);
  } catch (err) {
    if ((err as { code?: unknown }).code === 4 && /DEADLINE_EXCEEDED/.test(String((err as Error).message))) return [];
    throw err;
  }
}

/** Receives and acks each message at once until `done` holds or the deadline passes (ack failures recorded). */
export async function receiveAckUntil(
  c: SimpleConsumer,
  done: (got: MessageView[]) => boolean,
  deadlineMs: number,
  ackErrors: Record_[],
): Promise<MessageView[]> {
  const got: MessageView[] = [];
  const until = Date.now() + deadlineMs;
  while (!done(got) && Date.now() < until) {
    for (const m of await receiveOnce(c, RECEIVE_INVISIBLE_MS)) {
      got.push(m);
      await c.ack(m).catch((err: unknown) => ackErrors.push(errorRecord(err)));
    }
  }
  return got;
}

/** Everything the client saw of a message except ids, timestamps and hosts. */
export function viewRecord(m: MessageView): Record_ {
  const props: Record<string, string> = {};
  for (const [k, v] of [...m.properties.entries()].sort(([a], [b]) => a.localeCompare(b))) props[k] = k === '__transactionId__' ? '<present>' : v;
  return {
    topic: m.topic,
    body: m.body.toString(),
    tag: m.tag ?? null,
    keys: [...m.keys].sort(),
    messageGroup: m.messageGroup ?? null,
    hasDeliveryTimestamp: m.deliveryTimestamp !== undefined,
    deliveryAttempt: m.deliveryAttempt ?? null,
    properties: props,
  };
}

export function bodies(views: MessageView[]): string[] {
  return views.map((v) => v.body.toString()).sort();
}

/** How a call failed, as the client reports it: exception class and v2 code (messages are kept apart). */
export function errorRecord(err: unknown): Record_ {
  const e = err as { name?: string; constructor?: { name?: string }; code?: unknown; message?: string };
  return { error: e.constructor?.name ?? e.name ?? 'Error', code: typeof e.code === 'number' ? e.code : null };
}

/** Runs `fn`, recording {ok:true} or the error's class and code; the message goes to `messages`. */
export async function outcome(fn: () => Promise<unknown>, messages: string[]): Promise<Record_> {
  try {
    await fn();
    return { ok: true };
  } catch (err) {
    messages.push(err instanceof Error ? err.message : String(err));
    return errorRecord(err);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
