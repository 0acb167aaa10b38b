/**
 * Builders for the official Node client (rocketmq-client-nodejs, unchanged) and raw-stream helpers shared by the
 * gRPC tests. Each official client gets ONE topic: the 1.0.8 client can hang in startup() with several (it
 * waits for the Settings answer only after its last route lookup).
 */
import type { Metadata } from '@grpc/grpc-js';
import { createRequire } from 'node:module';
import {
  FilterExpression,
  Producer,
  PushConsumer,
  SimpleConsumer,
  type MessageListener,
  type MessageView,
} from 'rocketmq-client-nodejs';
import type { Message } from '../../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type {
  MessagingServiceClient,
  ReceiveMessageRequest,
  ReceiveMessageResponse,
} from '../../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import type { Status } from '../../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { Timestamp } from '../../../src/protocol/grpc/generated/google/protobuf/timestamp.js';
import { clientMetadata, quietLogger } from './harness.js';

/**
 * The 1.0.8 push consumer's consume services build their own default logger (egg-logger writing to
 * ~/logs/rocketmq, with a flush interval nobody clears), ignoring the logger passed in: that interval keeps a
 * test process alive after shutdown. Point the client's default-logger factory at the quiet logger instead.
 */
const requireFromClient = createRequire(createRequire(import.meta.url).resolve('rocketmq-client-nodejs'));
(requireFromClient('./client/Logger.js') as { getDefaultLogger: () => unknown }).getDefaultLogger = () => quietLogger;

export function officialProducer(endpoint: string, topic: string): Producer {
  return new Producer({ endpoints: endpoint, namespace: '', logger: quietLogger, topic, requestTimeout: 5000 });
}

export function officialSimpleConsumer(endpoint: string, group: string, topic: string, filter: FilterExpression | string = '*', awaitMs = 1000): SimpleConsumer {
  return new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, filter]]),
    awaitDuration: awaitMs,
    requestTimeout: 5000,
  });
}

export function officialPushConsumer(endpoint: string, group: string, topic: string, listener: MessageListener, filter: FilterExpression | string = '*'): PushConsumer {
  return new PushConsumer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, filter]]),
    messageListener: listener,
    longPollingTimeout: 1000,
    requestTimeout: 5000,
  });
}

/** Receives with the SimpleConsumer until `want` messages arrived or the deadline passed; acks each unless told not to. */
export async function receiveUntil(
  consumer: SimpleConsumer,
  want: number,
  timeoutMs: number,
  opts: { ack?: boolean; invisibleMs?: number } = {},
): Promise<MessageView[]> {
  const out: MessageView[] = [];
  const end = Date.now() + timeoutMs;
  while (out.length < want && Date.now() < end) {
    const got = await consumer.receive(16, opts.invisibleMs ?? 10_000);
    for (const m of got) {
      out.push(m);
      if (opts.ack !== false) await consumer.ack(m);
    }
  }
  return out;
}

/** Receives for `ms` whatever comes (acking it): for asserting that nothing (more) arrives. */
export async function drainFor(consumer: SimpleConsumer, ms: number): Promise<MessageView[]> {
  return receiveUntil(consumer, Number.MAX_SAFE_INTEGER, ms);
}

export interface RawReceive {
  status: Status | undefined;
  messages: Message[];
  deliveryTimestamp: Timestamp | undefined;
}

/** One raw ReceiveMessage stream read to its end. */
export function rawReceive(client: MessagingServiceClient, req: ReceiveMessageRequest, md: Metadata = clientMetadata(), timeoutMs = 10_000): Promise<RawReceive> {
  return new Promise((resolve, reject) => {
    const out: RawReceive = { status: undefined, messages: [], deliveryTimestamp: undefined };
    const stream = client.receiveMessage(req, md, { deadline: Date.now() + timeoutMs });
    stream.on('data', (r: ReceiveMessageResponse) => {
      const c = r.content;
      if (c?.$case === 'status') out.status = c.status;
      else if (c?.$case === 'message') out.messages.push(c.message);
      else if (c?.$case === 'deliveryTimestamp') out.deliveryTimestamp = c.deliveryTimestamp;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

/** The client's error, or the NotFoundException it wraps (as `cause`), carrying the v2 code. */
export function codeOf(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'number') return e.code;
  }
  const m = /\b([45]\d{4})\b/.exec(String((err as Error)?.message));
  return m ? Number(m[1]) : undefined;
}

export { FilterExpression };
