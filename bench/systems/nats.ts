/**
 * NATS JetStream on this machine (APOGEE_BENCH_NATS_URL, default 127.0.0.1:4222): a file-storage stream, publish
 * acks. JetStream acknowledges once the message is written to its file, and fsyncs on its own interval
 * (sync_interval, 2 min by default), so it is labelled async. The server process is nats-server.
 */
import { randomUUID } from 'node:crypto';
import { AckPolicy, connect, DeliverPolicy, StorageType } from 'nats';
import { pidsByComm } from '../proc-sampler.js';
import { idOf, type Pipe, type SystemSession } from './session.js';

export async function openNats(): Promise<SystemSession> {
  const nc = await connect({ servers: process.env.APOGEE_BENCH_NATS_URL ?? '127.0.0.1:4222' });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const streams: string[] = [];
  const newStream = async (): Promise<{ stream: string; subject: string }> => {
    const stream = `APOGEE_BENCH_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const subject = `apogee.bench.${stream}`;
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
    streams.push(stream);
    return { stream, subject };
  };
  return {
    system: 'nats-jetstream',
    durability: 'async',
    pids: pidsByComm('nats-server'),
    note: 'file storage, publish acks; fsync on its sync_interval (default 2 min)',
    openSender: async (_client, opts) => {
      const { subject } = await newStream();
      const body = Buffer.alloc(opts.bodyBytes, 0x62);
      return { send: () => js.publish(subject, body), close: () => {} };
    },
    openPipe: async (): Promise<Pipe> => {
      const { stream, subject } = await newStream();
      const durable = 'bench';
      await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
      let stop: (() => void) | undefined;
      let loop: Promise<void> | undefined;
      return {
        send: async (body) => {
          await js.publish(subject, body);
        },
        consume: async (onMessage) => {
          const consumer = await js.consumers.get(stream, durable);
          const messages = await consumer.consume({ max_messages: 256 });
          stop = () => void messages.stop();
          loop = (async () => {
            for await (const m of messages) {
              onMessage(idOf(m.data));
              m.ack();
            }
          })().catch((err: unknown) => void process.stderr.write(`bench: nats consumer stopped: ${(err as Error).message}\n`));
        },
        close: async () => {
          stop?.();
          await loop?.catch(() => {});
        },
      };
    },
    close: async () => {
      for (const s of streams) await jsm.streams.delete(s).catch(() => {});
      await nc.close();
    },
  };
}
