/**
 * SEND_MESSAGE, SEND_MESSAGE_V2 (the same header with one-letter names) and SEND_BATCH_MESSAGE: the classic
 * client's message (properties string, sysFlag, zlib body) becomes the broker's SendInput. The message's own
 * properties say its type: TRAN_MSG → half message of the PGROUP producer group, DELAY / TIMER_* → delayed.
 */
import { inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { Prop, RESERVED_PROPERTY_NAMES } from '../../../broker/properties.js';
import type { SendInput, SendResult } from '../../../broker/types.js';
import { RequestCode, ResponseCode } from '../codes.js';
import { responseTo, type RemotingCommand } from '../command.js';
import type { RemotingConnection } from '../connection.js';
import { Header, RemotingRequestError } from '../header.js';
import { decodeBatch, decodeProperties, MsgSysFlag, offsetMessageId } from '../message-codec.js';
import type { RemotingContext } from './context.js';

const inflateAsync = promisify(inflate);

/** V2 letter → V1 name. */
const V2_NAMES: Readonly<Record<string, string>> = {
  a: 'producerGroup', b: 'topic', c: 'defaultTopic', d: 'defaultTopicQueueNums', e: 'queueId', f: 'sysFlag', g: 'bornTimestamp',
  h: 'flag', i: 'properties', j: 'reconsumeTimes', k: 'unitMode', l: 'maxReconsumeTimes', m: 'batch', n: 'brokerName',
};

/** Properties the broker turns into SendInput fields or sets itself; the rest of the reserved ones pass through. */
const MAPPED = new Set<string>([
  Prop.TAGS, Prop.KEYS, Prop.UNIQ_KEY, Prop.TRANSACTION_PREPARED, Prop.PRODUCER_GROUP, Prop.DELAY_LEVEL, Prop.TIMER_DELIVER_MS,
  Prop.CHECK_IMMUNITY_MS, Prop.MESSAGE_TYPE, Prop.REAL_TOPIC, Prop.REAL_QUEUE_ID, Prop.TRANSACTION_ID,
  'WAIT', 'TIMER_DELAY_SEC', 'TIMER_DELAY_MS', '__STARTDELIVERTIME', 'MSG_REGION', 'TRACE_ON', 'INNER_NUM',
]);

function v1Header(cmd: RemotingCommand): Header {
  if (cmd.code !== RequestCode.SEND_MESSAGE_V2 && !(cmd.code === RequestCode.SEND_BATCH_MESSAGE && 'b' in cmd.extFields)) return new Header(cmd);
  const ext: Record<string, string> = {};
  for (const [k, v] of Object.entries(cmd.extFields)) ext[V2_NAMES[k] ?? k] = v;
  return new Header({ ...cmd, extFields: ext });
}

async function bodyOf(body: Buffer, sysFlag: number, maxBytes: number): Promise<Buffer> {
  if ((sysFlag & MsgSysFlag.COMPRESSED) === 0) return body;
  const type = (sysFlag & MsgSysFlag.COMPRESSION_TYPE_MASK) >> 8;
  if (type !== 0 && type !== 3) {
    throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, `compression type ${type === 1 ? 'LZ4' : type === 2 ? 'ZSTD' : type} is not supported; use ZLIB`);
  }
  try {
    return await inflateAsync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    const tooBig = err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, tooBig ? `inflated body is larger than ${maxBytes} bytes` : 'body is flagged zlib-compressed but does not inflate');
  }
}

interface Common {
  topic: string;
  queueId: number;
  sysFlag: number;
  reconsumeTimes: number;
  bornHost: string;
  bornTimestamp: number | undefined;
}

function toSendInput(c: Common, props: Record<string, string>, flag: number, body: Buffer, now: number): SendInput {
  const user: Record<string, string> = {};
  const system: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    if (MAPPED.has(k)) continue;
    if (RESERVED_PROPERTY_NAMES.has(k)) system[k] = v;
    else user[k] = v;
  }
  const prepared = props[Prop.TRANSACTION_PREPARED] === 'true' || (c.sysFlag & MsgSysFlag.TRANSACTION_MASK) === MsgSysFlag.TRANSACTION_PREPARED;
  const input: SendInput = {
    topic: c.topic,
    body,
    messageType: 'NORMAL',
    queueId: c.queueId,
    lenientType: true,
    flag,
    bornHost: c.bornHost,
    properties: user,
    ...(Object.keys(system).length > 0 ? { systemProperties: system } : {}),
    ...(c.reconsumeTimes > 0 ? { reconsumeTimes: c.reconsumeTimes } : {}),
    ...(c.bornTimestamp !== undefined ? { bornTimestamp: c.bornTimestamp } : {}),
  };
  const uniq = props[Prop.UNIQ_KEY];
  if (uniq) input.messageId = uniq;
  if (props[Prop.TAGS] !== undefined && props[Prop.TAGS] !== '') input.tag = props[Prop.TAGS];
  if (props[Prop.KEYS]) input.keys = props[Prop.KEYS].split(' ').filter((k) => k.length > 0);
  if (prepared) {
    input.messageType = 'TRANSACTION';
    const group = props[Prop.PRODUCER_GROUP];
    if (group) input.producerGroup = group;
    const immunity = Number(props[Prop.CHECK_IMMUNITY_MS]);
    if (Number.isFinite(immunity) && immunity > 0) input.transactionCheckImmunityMs = immunity * 1000;
    return input;
  }
  const level = Number(props[Prop.DELAY_LEVEL] ?? 0);
  const at = Number(props[Prop.TIMER_DELIVER_MS] ?? props['__STARTDELIVERTIME'] ?? NaN);
  const sec = Number(props['TIMER_DELAY_SEC'] ?? NaN);
  const ms = Number(props['TIMER_DELAY_MS'] ?? NaN);
  if (Number.isInteger(level) && level > 0) {
    input.messageType = 'DELAY';
    input.delayLevel = level;
  } else if (Number.isFinite(at) && at > 0) {
    input.messageType = 'DELAY';
    input.deliveryTimestamp = at;
  } else if (Number.isFinite(sec) && sec > 0) {
    input.messageType = 'DELAY';
    input.deliveryTimestamp = now + sec * 1000;
  } else if (Number.isFinite(ms) && ms > 0) {
    input.messageType = 'DELAY';
    input.deliveryTimestamp = now + ms;
  }
  return input;
}

function common(h: Header, conn: RemotingConnection): Common {
  const topic = h.str('topic');
  return {
    topic,
    queueId: h.int('queueId', 0, 65535),
    sysFlag: h.int('sysFlag', -(2 ** 31), 2 ** 31 - 1),
    reconsumeTimes: h.optInt('reconsumeTimes', 0, 1_000_000) ?? 0,
    bornHost: conn.remoteAddress,
    bornTimestamp: h.optInt('bornTimestamp', 0),
  };
}

function answer(ctx: RemotingContext, req: RemotingCommand, results: SendResult[], transactional: boolean): RemotingCommand {
  const addr = ctx.advertisedAddress();
  const first = results[0] as SendResult;
  const ext: Record<string, string> = {
    msgId: results.map((r) => offsetMessageId(addr, r.commitLogOffset)).join(','),
    queueId: String(first.queueId),
    queueOffset: String(first.queueOffset),
    MSG_REGION: 'DefaultRegion',
    TRACE_ON: 'true',
  };
  // RocketMQ answers every send with transactionId = the message's unique key.
  ext['transactionId'] = transactional ? first.transactionId : first.messageId;
  // No batchUniqId: the client reads it as the id of a broker-side "inner batch" and then reports that one id
  // instead of joining its messages' own unique keys (MQClientAPIImpl.processSendResponse).
  return responseTo(req, ResponseCode.SUCCESS, undefined, ext);
}

export async function handleSend(ctx: RemotingContext, req: RemotingCommand, conn: RemotingConnection): Promise<RemotingCommand> {
  const h = v1Header(req);
  const c = common(h, conn);
  const flag = h.optInt('flag', -(2 ** 31), 2 ** 31 - 1) ?? 0;
  if (!req.body || req.body.length === 0) throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, 'message body is empty');
  const propsString = h.optStr('properties') ?? '';
  if (propsString.length > 32 * 1024) throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, `properties string of ${propsString.length} characters is longer than 32768`);
  const props = decodeProperties(propsString);
  const maxReconsume = h.optInt('maxReconsumeTimes', -1, 1_000_000);
  if (maxReconsume !== undefined && maxReconsume >= 0) props['MAX_RECONSUME_TIMES'] = String(maxReconsume);
  const body = await bodyOf(req.body, c.sysFlag, ctx.maxBodyBytes);
  const input = toSendInput(c, props, flag, body, Date.now());
  const result = await ctx.broker.send(input);
  return answer(ctx, req, [result], input.messageType === 'TRANSACTION');
}

export async function handleSendBatch(ctx: RemotingContext, req: RemotingCommand, conn: RemotingConnection): Promise<RemotingCommand> {
  const h = v1Header(req);
  const c = common(h, conn);
  if (!req.body || req.body.length === 0) throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, 'batch body is empty');
  if ((c.sysFlag & MsgSysFlag.TRANSACTION_MASK) === MsgSysFlag.TRANSACTION_PREPARED) {
    throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, 'batch messages cannot be transactional');
  }
  let entries;
  try {
    entries = decodeBatch(req.body, 1024);
  } catch (err) {
    throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, `bad batch body: ${(err as Error).message}`);
  }
  if (entries.length === 0) throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, 'batch holds no message');
  const now = Date.now();
  const inputs: SendInput[] = [];
  for (const e of entries) {
    // Batch entries are never compressed one by one (the clients skip compression for batches).
    const input = toSendInput(c, e.properties, e.flag, e.body, now);
    if (input.messageType === 'TRANSACTION') throw new RemotingRequestError(ResponseCode.MESSAGE_ILLEGAL, 'batch messages cannot be transactional');
    inputs.push(input);
  }
  const results = await ctx.broker.sendAll(inputs);
  return answer(ctx, req, results, false);
}
