/**
 * Remoting senders: the project's pipelining remoting client (name server lookup, one TCP connection,
 * SEND_MESSAGE_V2 with JSON headers as the Java client sends them) and the SDK's Producer.send (the same protocol
 * plus what an application gets: routes, queue choice, unique ids, typed results).
 */
import { Producer } from '../../src/client/index.js';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode, SerializeType } from '../../src/protocol/remoting/codes.js';
import { encodeProperties } from '../../src/protocol/remoting/message-codec.js';
import { silentLogger } from '../../src/util/logger.js';
import type { SendOptions, Sender } from '../systems/session.js';

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

/** Route lookup on the name server, then one connection to the topic's broker; sends spread over its write queues. */
export async function remotingSender(namesrv: string, topic: string, opts: SendOptions): Promise<Sender> {
  if (opts.transactional) throw new Error('the bare remoting client sends normal messages only');
  const ns = await RemotingClient.connect(hostPort(namesrv));
  const route = await ns.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
  ns.close();
  if (route.code !== ResponseCode.SUCCESS || !route.body) throw new Error(`no route for ${topic}: ${route.code} ${route.remark ?? ''}`);
  const r = JSON.parse(route.body.toString()) as { queueDatas: Array<{ writeQueueNums: number }>; brokerDatas: Array<{ brokerAddrs: Record<string, string> }> };
  const addr = r.brokerDatas[0]?.brokerAddrs['0'];
  if (!addr) throw new Error(`route for ${topic} has no master address`);
  const queues = r.queueDatas[0]?.writeQueueNums ?? 1;
  const client = await RemotingClient.connect({ ...hostPort(addr), serializeType: SerializeType.JSON });
  const body = Buffer.alloc(opts.bodyBytes, 0x62);
  let n = 0;
  const send = async (): Promise<void> => {
    const i = n++;
    const res = await client.invoke(
      RequestCode.SEND_MESSAGE_V2,
      {
        a: 'bench-producer',
        b: topic,
        c: 'TBW102',
        d: '4',
        e: String(i % queues),
        f: '0',
        g: String(Date.now()),
        h: '0',
        i: encodeProperties({ TAGS: 'bench', UNIQ_KEY: `7F000001BENCH${i.toString(16).padStart(16, '0')}`, WAIT: 'true' }),
        j: '0',
        k: 'false',
        m: 'false',
      },
      body,
      10_000,
    );
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`SEND_MESSAGE_V2: ${res.code} ${res.remark ?? ''}`);
  };
  return { send, close: () => client.close() };
}

export async function sdkSender(namesrv: string, topic: string, opts: SendOptions): Promise<Sender> {
  if (opts.transactional) throw new Error('transactional SDK sends are not in the bench yet');
  const producer = new Producer({ producerGroup: 'bench-sdk-producer', namesrvAddr: namesrv, sendMsgTimeoutMs: 10_000, logger: silentLogger() });
  await producer.start();
  await producer.fetchPublishMessageQueues(topic);
  const body = Buffer.alloc(opts.bodyBytes, 0x62);
  const send = async (): Promise<void> => {
    const r = await producer.send({ topic, body, tags: 'bench' });
    if (r.sendStatus !== 'SEND_OK') throw new Error(`SDK send: ${r.sendStatus}`);
  };
  return { send, close: () => producer.shutdown() };
}
