/**
 * Helpers of the transaction tests: official clients set up the way the tests need them, a raw EndTransaction
 * that returns the status instead of throwing, and a consumer drain.
 */
import { Producer, SimpleConsumer, type MessageView } from 'rocketmq-client-nodejs';
import { TransactionResolution, TransactionSource } from '../../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { call, clientMetadata, quietLogger, rawClient } from './harness.js';

/** apache.rocketmq.v2.TransactionResolution as the official client's checker returns it. */
export const COMMIT = 1;
export const ROLLBACK = 2;

/** What a checker returns: COMMIT/ROLLBACK, 0 (UNKNOWN: no answer), undefined (answers UNSPECIFIED), or null. */
export type CheckAnswer = number | undefined | null;

export async function startTxProducer(endpoint: string, topic: string, check: (m: MessageView) => Promise<CheckAnswer> | CheckAnswer): Promise<Producer> {
  const producer = new Producer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    topic,
    checker: { check: async (m: MessageView) => (await check(m)) as never },
  } as ConstructorParameters<typeof Producer>[0]);
  await producer.startup();
  return producer;
}

export async function startConsumer(endpoint: string, group: string, topic: string): Promise<SimpleConsumer> {
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 500,
  });
  await consumer.startup();
  return consumer;
}

/** Receives and acks for `ms` (at least one receive), returning every message seen. */
export async function drain(consumer: SimpleConsumer, ms: number): Promise<MessageView[]> {
  const out: MessageView[] = [];
  const end = Date.now() + ms;
  do {
    const got = await consumer.receive(32, 10_000);
    for (const m of got) {
      out.push(m);
      await consumer.ack(m);
    }
  } while (Date.now() < end);
  return out;
}

export interface RawEnd {
  topic: string;
  messageId: string;
  transactionId: string;
  resolution: TransactionResolution;
  source?: TransactionSource;
}

/** EndTransaction through the generated client: the status the broker answered (code, message). */
export async function rawEndTransaction(endpoint: string, req: RawEnd): Promise<{ code: number; message: string }> {
  const client = rawClient(endpoint);
  try {
    const res = await call(client.endTransaction, client, {
      topic: { name: req.topic, resourceNamespace: '' },
      messageId: req.messageId,
      transactionId: req.transactionId,
      resolution: req.resolution,
      source: req.source ?? TransactionSource.SOURCE_CLIENT,
      traceContext: '',
    }, clientMetadata('raw-tx-test'));
    return { code: res.status?.code ?? -1, message: res.status?.message ?? '' };
  } finally {
    client.close();
  }
}

export { TransactionResolution, TransactionSource };
