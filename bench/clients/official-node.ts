/**
 * The official gRPC Node client (rocketmq-client-nodejs, unchanged): Producer.send (and beginTransaction + send +
 * commit) as a sender, and Producer + SimpleConsumer (4 long-polling receive loops of up to 32, each message
 * acked) as a pipe.
 */
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { idOf, type Pipe, type SendOptions, type Sender } from '../systems/session.js';

const COMMIT = 1; // apache.rocketmq.v2.TransactionResolution.COMMIT
const quietLogger = { info: (): void => {}, warn: (): void => {}, error: (): void => {}, debug: (): void => {}, close: (): void => {} };
type ProducerOptions = ConstructorParameters<typeof Producer>[0];

async function startProducer(endpoint: string, topic: string, transactional: boolean): Promise<Producer> {
  const options: ProducerOptions = { endpoints: endpoint, namespace: '', logger: quietLogger, topic, requestTimeout: 30_000 };
  // A transactional producer needs a checker; with every transaction committed at once it is never asked.
  if (transactional) (options as ProducerOptions & { checker: unknown }).checker = { check: async () => COMMIT };
  const producer = new Producer(options);
  await producer.startup();
  return producer;
}

export async function officialNodeSender(endpoint: string, topic: string, opts: SendOptions): Promise<Sender> {
  const producer = await startProducer(endpoint, topic, opts.transactional);
  const body = Buffer.alloc(opts.bodyBytes, 0x62);
  const send = opts.transactional
    ? async (): Promise<void> => {
        const tx = producer.beginTransaction();
        await producer.send({ topic, body, tag: 'bench' }, tx);
        await tx.commit();
      }
    : () => producer.send({ topic, body, tag: 'bench' });
  return { send, close: () => producer.shutdown().catch(() => {}) };
}

export async function officialNodePipe(endpoint: string, topic: string, group: string): Promise<Pipe> {
  const consumer = new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 500,
    // The deadline is requestTimeout + awaitDuration; Apache RocketMQ's proxy refuses a receive whose deadline
    // leaves less than its minimum long poll (5 s), and then polls that long when the queue is empty.
    requestTimeout: 10_000,
  });
  await consumer.startup();
  // One receive before anything is sent: the group's offsets exist from here, wherever a new group would start.
  await consumer.receive(1, 30_000).then((ms) => Promise.all(ms.map((m) => consumer.ack(m))));
  const producer = await startProducer(endpoint, topic, false);
  let running = false;
  const loops: Promise<void>[] = [];
  return {
    send: async (body) => {
      await producer.send({ topic, body, tag: 'bench' });
    },
    consume: async (onMessage) => {
      running = true;
      const loop = async (): Promise<void> => {
        while (running) {
          const got = await consumer.receive(32, 30_000).catch(() => []);
          for (const m of got) onMessage(idOf(m.body));
          await Promise.all(got.map((m) => consumer.ack(m).catch(() => {})));
        }
      };
      for (let i = 0; i < 4; i++) loops.push(loop());
    },
    close: async () => {
      running = false;
      // Not waiting for the loops' last long polls (up to 5 s on the reference): their errors are caught.
      void Promise.all(loops);
      await producer.shutdown().catch(() => {});
      await consumer.shutdown().catch(() => {});
    },
  };
}
