/**
 * RabbitMQ on this machine (APOGEE_BENCH_AMQP_URL, default amqp://guest:guest@127.0.0.1:5672): a classic durable
 * queue or a quorum queue, persistent messages, publisher confirms — both confirm only once the message is on
 * disk, so both are labelled sync. The server process is beam.smp.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { pidsByComm } from '../proc-sampler.js';
import { idOf, type Pipe, type SystemSession } from './session.js';

type Kind = 'classic' | 'quorum';

async function declare(ch: amqp.ConfirmChannel, kind: Kind): Promise<string> {
  const queue = `apogee-bench-${kind}-${randomUUID()}`;
  await ch.assertQueue(queue, { durable: true, autoDelete: false, arguments: { 'x-queue-type': kind } });
  return queue;
}

export async function openRabbitmq(kind: Kind): Promise<SystemSession> {
  const url = process.env.APOGEE_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const conn = await amqp.connect(url);
  const admin = await conn.createConfirmChannel();
  const queues: string[] = [];
  const publishTo = (ch: amqp.ConfirmChannel, queue: string, body: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      ch.sendToQueue(queue, body, { persistent: true }, (err) => (err ? reject(err) : resolve()));
    });
  return {
    system: kind === 'classic' ? 'rabbitmq-classic' : 'rabbitmq-quorum',
    durability: 'sync',
    pids: pidsByComm('beam.smp'),
    note: `${kind} queue, durable, persistent messages, publisher confirms`,
    openSender: async (_client, opts) => {
      const ch = await conn.createConfirmChannel();
      const queue = await declare(ch, kind);
      queues.push(queue);
      const body = Buffer.alloc(opts.bodyBytes, 0x62);
      return { send: () => publishTo(ch, queue, body), close: () => ch.close().catch(() => {}) };
    },
    openPipe: async (): Promise<Pipe> => {
      const pub = await conn.createConfirmChannel();
      const queue = await declare(pub, kind);
      queues.push(queue);
      const sub = await conn.createChannel();
      await sub.prefetch(256);
      return {
        send: (body) => publishTo(pub, queue, body),
        consume: async (onMessage) => {
          await sub.consume(queue, (m) => {
            if (!m) return;
            onMessage(idOf(m.content));
            sub.ack(m);
          });
        },
        close: async () => {
          await sub.close().catch(() => {});
          await pub.close().catch(() => {});
        },
      };
    },
    close: async () => {
      for (const q of queues) await admin.deleteQueue(q).catch(() => {});
      await conn.close().catch(() => {});
    },
  };
}
