/**
 * Fuzzes the remoting ports (broker and name server): well-framed requests for every request code Apogee knows,
 * with header fields dropped, replaced by nasty values or given to the wrong code, and random bodies; and raw
 * frames whose bytes are damaged, on connections of their own. A well-framed two-way request must be answered
 * (any response code); a damaged frame may instead get its connection closed. Nothing may hang the broker.
 */
import { connect } from 'node:net';
import { RemotingClient } from '../../../src/client/remoting-client.js';
import { RequestCode } from '../../../src/protocol/remoting/codes.js';
import { encodeFrame, newRequest } from '../../../src/protocol/remoting/command.js';
import { encodeBatch, encodeProperties } from '../../../src/protocol/remoting/message-codec.js';
import { pullHeader, sendV2 } from '../../remoting/support/remoting.js';
import type { FuzzTargets } from './grpc-fuzzer.js';
import { mutateBytes, runPool, Tally, type Random } from './mutate.js';

const CODES: readonly number[] = Object.values(RequestCode);

/** Plausible headers for the codes that take some; the rest get a grab bag of the common field names. */
function headerFor(code: number, t: FuzzTargets, random: Random): Record<string, string> {
  // The seeded topics and group are read back afterwards: deletes get names of their own.
  const deletes = code === RequestCode.DELETE_TOPIC_IN_BROKER || code === RequestCode.DELETE_TOPIC_IN_NAMESRV || code === RequestCode.DELETE_SUBSCRIPTIONGROUP;
  if (deletes) return { topic: 'FuzzCreated', groupName: 'fuzz-created-group' };
  const topic = random.pick(t.topics);
  switch (code) {
    case RequestCode.SEND_MESSAGE_V2:
    case RequestCode.SEND_BATCH_MESSAGE:
      return sendV2(topic, random.int(4), { UNIQ_KEY: `FUZZ${random.int(1e9)}`, TAGS: 'T' });
    case RequestCode.SEND_MESSAGE:
      return { producerGroup: 'fuzz-pg', topic, defaultTopic: 'TBW102', defaultTopicQueueNums: '4', queueId: '0', sysFlag: '0', bornTimestamp: String(Date.now()), flag: '0', properties: encodeProperties({ UNIQ_KEY: 'FUZZ1' }) };
    case RequestCode.PULL_MESSAGE:
    case RequestCode.LITE_PULL_MESSAGE:
      return pullHeader(t.group, topic, random.int(4), random.int(10), { suspendTimeoutMillis: String(random.int(300)) });
    case RequestCode.END_TRANSACTION:
      return { producerGroup: 'fuzz-pg', tranStateTableOffset: '0', commitLogOffset: String(random.int(1 << 20)), commitOrRollback: random.pick(['0', '8', '12', '4']), fromTransactionCheck: 'false', msgId: 'X', transactionId: `FUZZ${random.int(1e9)}` };
    default:
      return {
        topic,
        consumerGroup: t.group,
        group: t.group,
        queueId: String(random.int(4)),
        offset: String(random.int(100)),
        commitOffset: String(random.int(100)),
        timestamp: String(Date.now()),
        key: 'k',
        maxNum: '8',
        beginTimestamp: '0',
        endTimestamp: String(Date.now()),
        originTopic: topic,
        delayLevel: String(random.int(20) - 2),
        maxReconsumeTimes: '3',
        clientID: 'fuzz-client',
      };
  }
}

function body(code: number, random: Random): Buffer | undefined {
  switch (random.int(4)) {
    case 0:
      return undefined;
    case 1:
      return random.bytes(random.int(2048));
    case 2:
      return Buffer.from(random.pick(['{}', '{"producerDataSet":[],"consumerDataSet":[{"groupName":1}]}', '[', 'null', '{"clientID":"x","mqSet":[{"topic":null}]}']));
    default:
      return code === RequestCode.SEND_BATCH_MESSAGE
        ? mutateBytes(encodeBatch([{ flag: 0, body: Buffer.from('a'), properties: { UNIQ_KEY: 'B1' } }]), random)
        : Buffer.from('fuzz body');
  }
}

function damageHeader(h: Record<string, string>, random: Random): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    const roll = random.int(8);
    if (roll === 0) continue; // dropped
    out[k] = roll === 1 ? random.nastyString() : v;
  }
  if (random.int(5) === 0) out[random.nastyString().slice(0, 20)] = random.nastyString();
  return out;
}

export interface RemotingFuzzResult {
  tally: Tally;
  /** Well-framed two-way requests that got no response within the deadline. */
  unanswered: number;
}

/**
 * Sends `count` requests to `port`: 4 in 5 well framed over pipelined connections, 1 in 5 a damaged raw frame on a
 * connection of its own.
 */
export async function fuzzRemoting(host: string, port: number, targets: FuzzTargets, random: Random, count: number, parallel = 16): Promise<RemotingFuzzResult> {
  const tally = new Tally();
  let unanswered = 0;
  let client: Promise<RemotingClient> | undefined;
  const live = (): Promise<RemotingClient> => {
    if (!client) client = RemotingClient.connect({ host, port, serializeType: random.int(2) as 0 | 1 });
    return client;
  };
  await runPool(count, parallel, async () => {
    const code = random.int(6) === 0 ? random.int(400) : random.pick(CODES);
    const header = damageHeader(headerFor(code, targets, random), random);
    if (random.int(5) === 0) {
      tally.add(await rawFrame(host, port, code, header, body(code, random), random));
      return;
    }
    const c = await live();
    try {
      const r = await c.invoke(code, header, body(code, random), 5000);
      tally.add(`code:${r.code}`, `${code}: ${r.remark ?? ''}`);
    } catch (err) {
      const msg = (err as Error).message;
      if (/timed? ?out/i.test(msg)) unanswered++;
      tally.add(c.isClosed ? 'closed' : 'error');
      if (c.isClosed) client = undefined;
    }
  });
  if (client) (await client).close();
  return { tally, unanswered };
}

/** One damaged frame on its own connection: answered, closed by the broker, or left waiting for more bytes. */
function rawFrame(host: string, port: number, code: number, header: Record<string, string>, body: Buffer | undefined, random: Random): Promise<string> {
  const frame = mutateBytes(encodeFrame(newRequest(code, random.int(1 << 30), header, body, { serializeType: random.int(2) as 0 | 1 })), random);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const done = (label: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(label);
    };
    // A frame cut short leaves the broker waiting for the rest: that is correct, and the client gives up.
    const timer = setTimeout(() => done('raw:waiting'), 1000);
    socket.on('data', () => done('raw:answered'));
    socket.on('close', () => done('raw:closed'));
    socket.on('error', () => done('raw:closed'));
    socket.write(frame);
  });
}
