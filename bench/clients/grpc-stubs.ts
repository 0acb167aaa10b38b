/**
 * Plain @grpc/grpc-js SendMessage calls (one message each) to a RocketMQ 5 gRPC endpoint — Apogee or Apache
 * RocketMQ's proxy — without the official client's overhead; transactional sends add EndTransaction(COMMIT).
 */
import { randomUUID } from 'node:crypto';
import { credentials, Metadata } from '@grpc/grpc-js';
import { Encoding, MessageType, SystemProperties, TransactionResolution, TransactionSource } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { MessagingServiceClient, type EndTransactionResponse, type SendMessageRequest, type SendMessageResponse } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import type { SendOptions, Sender } from '../systems/session.js';

const OK = 20000;

export async function grpcStubsSender(endpoint: string, topic: string, opts: SendOptions): Promise<Sender> {
  const client = new MessagingServiceClient(endpoint, credentials.createInsecure());
  // Connected before the first call: a busy JVM proxy may take seconds to accept, and an unready channel fails fast.
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 15_000, (err) => (err ? reject(err) : resolve())));
  const md = new Metadata();
  md.set('x-mq-client-id', `bench-${randomUUID()}`);
  md.set('x-mq-protocol', 'v2');
  md.set('x-mq-language', 'NODE_JS');
  const body = Buffer.alloc(opts.bodyBytes, 0x62);
  const messageType = opts.transactional ? MessageType.TRANSACTION : MessageType.NORMAL;
  let n = 0;
  const sendOne = (): Promise<{ messageId: string; transactionId: string }> =>
    new Promise((resolve, reject) => {
      const messageId = `01BENCH${(n++).toString(16).padStart(24, '0')}`;
      const req: SendMessageRequest = {
        messages: [
          {
            topic: { name: topic, resourceNamespace: '' },
            userProperties: {},
            systemProperties: SystemProperties.fromPartial({
              messageId,
              messageType,
              bodyEncoding: Encoding.IDENTITY,
              bornTimestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
              bornHost: '127.0.0.1',
              tag: 'bench',
            }),
            body,
          },
        ],
      };
      client.sendMessage(req, md, (err: Error | null, res: SendMessageResponse) => {
        if (err) return reject(err);
        const code = res.status?.code ?? 0;
        if (code !== OK) return reject(new Error(`SendMessage: ${code} ${res.status?.message}`));
        const e = res.entries[0];
        resolve({ messageId: e?.messageId || messageId, transactionId: e?.transactionId ?? '' });
      });
    });
  const commit = (sent: { messageId: string; transactionId: string }): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = {
        topic: { name: topic, resourceNamespace: '' },
        messageId: sent.messageId,
        transactionId: sent.transactionId,
        resolution: TransactionResolution.COMMIT,
        source: TransactionSource.SOURCE_CLIENT,
        traceContext: '',
      };
      client.endTransaction(req, md, (err: Error | null, res: EndTransactionResponse) => {
        if (err) return reject(err);
        const code = res.status?.code ?? 0;
        if (code !== OK) return reject(new Error(`EndTransaction: ${code} ${res.status?.message}`));
        resolve();
      });
    });
  return {
    send: opts.transactional ? async () => commit(await sendOne()) : sendOne,
    close: () => client.close(),
  };
}
