/**
 * Runs the official Node client with `sslEnabled: true` against a TLS broker: produces one message and receives
 * it. Spawned with GRPC_DEFAULT_SSL_ROOTS_FILE_PATH pointing at the test's self-signed certificate (grpc-js's roots for
 * credentials made without explicit roots, as the client's are). Prints one JSON line: {"sent": id, "received": [bodies]} or {"error": "..."}.
 * argv: endpoint topic group
 */
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { quietLogger } from '../../grpc/support/harness.js';
import { receiveUntil } from '../../grpc/support/official.js';

const [endpoint, topic, group] = process.argv.slice(2) as [string, string, string];

async function main(): Promise<void> {
  const producer = new Producer({ endpoints: endpoint, namespace: '', logger: quietLogger, topic, requestTimeout: 5000, sslEnabled: true });
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 500,
    requestTimeout: 5000,
    sslEnabled: true,
  });
  try {
    await producer.startup();
    const receipt = await producer.send({ topic, body: Buffer.from('over-tls') });
    await consumer.startup();
    const got = await receiveUntil(consumer, 1, 10_000);
    process.stdout.write(JSON.stringify({ sent: receipt.messageId, received: got.map((m) => m.body.toString()) }) + '\n');
  } finally {
    await producer.shutdown().catch(() => {});
    await consumer.shutdown().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const chain: string[] = [];
    for (let e = err as { message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) chain.push(String(e.message ?? e));
    process.stdout.write(JSON.stringify({ error: chain.join(' <- ') }) + '\n');
    process.exit(1);
  },
);
