/**
 * SendMessage: one or more messages of one topic → one SendResultEntry each. Every message is checked before
 * any is sent, so a malformed batch stores nothing. The broker chooses the queue (the official Node client
 * names queue 0 whatever the route says; RocketMQ ignores it too).
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import type { SendInput, SendResult } from '../../../broker/types.js';
import {
  Code,
  DigestType,
  Encoding,
  MessageType,
  type Message,
  type Status,
} from '../generated/apache/rocketmq/v2/definition.js';
import type { SendMessageRequest, SendMessageResponse, SendResultEntry } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus, statusFromError } from '../codes.js';
import type { CallContext, GrpcRuntime } from '../context.js';
import type { GrpcSettings } from '../settings.js';
import {
  checkKeys,
  checkMessageGroup,
  checkMessageId,
  checkTag,
  checkTopic,
  checkUserProperties,
  fail,
} from '../validation.js';
import { brokerMessageType, durationToMs, timestampToMs } from '../wire.js';
import type { UnaryHandler } from './types.js';

const gunzipAsync = promisify(gunzip);

async function decodeBody(m: Message, s: GrpcSettings, index: number): Promise<Buffer> {
  const encoding = m.systemProperties?.bodyEncoding ?? Encoding.ENCODING_UNSPECIFIED;
  let body = m.body;
  if (encoding === Encoding.GZIP) {
    try {
      // Stored uncompressed: consumers then need no encoding flag; the size limit applies to the real body.
      body = await gunzipAsync(body, { maxOutputLength: s.maxBodyBytes + 1 });
    } catch (err) {
      fail(Code.MESSAGE_CORRUPTED, `message[${index}] body is not valid gzip: ${(err as Error).message}`);
    }
  } else if (encoding !== Encoding.IDENTITY && encoding !== Encoding.ENCODING_UNSPECIFIED) {
    fail(Code.BAD_REQUEST, `message[${index}] body_encoding ${encoding} is not supported`);
  }
  if (body.length === 0) fail(Code.MESSAGE_BODY_EMPTY, `message[${index}] body is empty`);
  if (body.length > s.maxBodyBytes) {
    fail(Code.MESSAGE_BODY_TOO_LARGE, `message[${index}] body is ${body.length} bytes, more than the limit of ${s.maxBodyBytes}`);
  }
  return body;
}

function checkDigest(m: Message, index: number): void {
  const d = m.systemProperties?.bodyDigest;
  if (!d || d.type === DigestType.DIGEST_TYPE_UNSPECIFIED || d.checksum === '') return;
  let expected: string[];
  switch (d.type) {
    case DigestType.MD5:
      expected = [createHash('md5').update(m.body).digest('hex')];
      break;
    case DigestType.SHA1:
      expected = [createHash('sha1').update(m.body).digest('hex')];
      break;
    default:
      return; // CRC32 spellings differ between clients (decimal vs hex); not worth rejecting on.
  }
  if (!expected.includes(d.checksum.toLowerCase())) {
    fail(Code.MESSAGE_CORRUPTED, `message[${index}] body does not match its ${DigestType[d.type]} digest`);
  }
}

/** Validates one wire message and builds the broker's input. */
export async function toSendInput(m: Message, topic: string, rt: GrpcRuntime, index: number): Promise<SendInput> {
  const s = rt.settings;
  const sp = m.systemProperties;
  if (!sp) fail(Code.BAD_REQUEST, `message[${index}] has no system_properties`);
  const body = await decodeBody(m, s, index);
  checkDigest(m, index);
  const messageId = checkMessageId(sp.messageId);
  const tag = checkTag(sp.tag);
  const keys = checkKeys(sp.keys);
  const properties = checkUserProperties(m.userProperties, s);
  const group = sp.messageGroup !== undefined && sp.messageGroup !== '' ? checkMessageGroup(sp.messageGroup, s) : undefined;

  let deliveryTimestamp: number | undefined;
  if (sp.deliveryTimestamp) {
    deliveryTimestamp = timestampToMs(sp.deliveryTimestamp);
    if (deliveryTimestamp === undefined || deliveryTimestamp < 0) fail(Code.ILLEGAL_DELIVERY_TIME, `message[${index}] delivery_timestamp is malformed`);
    const ahead = deliveryTimestamp - rt.clock.now();
    if (ahead > s.maxDelayMs) {
      fail(Code.ILLEGAL_DELIVERY_TIME, `message[${index}] delivery_timestamp is ${ahead} ms ahead, more than the maximum of ${s.maxDelayMs} ms`);
    }
  }

  let type = brokerMessageType(sp.messageType);
  if (sp.messageType === MessageType.MESSAGE_TYPE_UNSPECIFIED) {
    type = group !== undefined ? 'FIFO' : deliveryTimestamp !== undefined ? 'DELAY' : 'NORMAL';
  }
  if (type === undefined) {
    const name = MessageType[sp.messageType] ?? String(sp.messageType);
    fail(Code.BAD_REQUEST, `message[${index}] message_type ${name} is not supported`);
  }
  if (type === 'FIFO' && group === undefined) fail(Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, `message[${index}] is FIFO but has no message_group`);
  if (type !== 'FIFO' && group !== undefined) fail(Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, `message[${index}] is ${type} but has a message_group`);
  if (type === 'DELAY' && deliveryTimestamp === undefined) fail(Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, `message[${index}] is DELAY but has no delivery_timestamp`);
  if (type !== 'DELAY' && deliveryTimestamp !== undefined) fail(Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, `message[${index}] is ${type} but has a delivery_timestamp`);

  const input: SendInput = { topic, body, messageType: type, messageId, keys, properties };
  if (tag !== undefined) input.tag = tag;
  if (group !== undefined) input.messageGroup = group;
  if (deliveryTimestamp !== undefined) input.deliveryTimestamp = deliveryTimestamp;
  if (sp.bornTimestamp) {
    const born = timestampToMs(sp.bornTimestamp);
    if (born !== undefined) input.bornTimestamp = born;
  }
  if (sp.bornHost !== '') input.bornHost = sp.bornHost;
  if (type === 'TRANSACTION' && sp.orphanedTransactionRecoveryDuration) {
    const ms = durationToMs(sp.orphanedTransactionRecoveryDuration);
    if (ms === undefined) fail(Code.BAD_REQUEST, `message[${index}] orphaned_transaction_recovery_duration is malformed`);
    input.transactionCheckImmunityMs = ms;
  }
  return input;
}

function entryOf(r: SendResult): SendResultEntry {
  return {
    status: okStatus(),
    messageId: r.messageId,
    // RocketMQ fills the transaction id with the message id for non-transactional sends; clients compare them.
    transactionId: r.transactionId || r.messageId,
    offset: r.queueOffset,
    recallHandle: r.recallHandle ?? '',
  };
}

function failedEntry(status: Status, messageId: string): SendResultEntry {
  return { status, messageId, transactionId: '', offset: 0, recallHandle: '' };
}

async function sendAll(rt: GrpcRuntime, ctx: CallContext, inputs: SendInput[]): Promise<SendResultEntry[]> {
  const one = async (input: SendInput): Promise<SendResultEntry> => {
    try {
      return entryOf(await rt.broker.send(input));
    } catch (err) {
      return failedEntry(statusFromError(err, rt.logger, ctx.rpc), input.messageId ?? '');
    }
  };
  // FIFO batches go one by one so their order in the queue is the order in the request.
  if (inputs.length === 1 || inputs[0]!.messageType === 'FIFO') {
    const out: SendResultEntry[] = [];
    for (const input of inputs) out.push(await one(input));
    return out;
  }
  return Promise.all(inputs.map(one));
}

export const sendMessage: UnaryHandler<SendMessageRequest, SendMessageResponse> = {
  kind: 'unary',
  rpc: 'SendMessage',
  async handle(rt, ctx, req) {
    const msgs = req.messages;
    if (msgs.length === 0) fail(Code.MESSAGE_CORRUPTED, 'request has no message to send');
    if (msgs.length > rt.settings.maxMessagesPerSend) {
      fail(Code.BAD_REQUEST, `request has ${msgs.length} messages, more than the limit of ${rt.settings.maxMessagesPerSend}`);
    }
    const topic = checkTopic(msgs[0]!.topic, rt.settings, 'message[0].topic');
    const inputs: SendInput[] = [];
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      if (i > 0 && checkTopic(m.topic, rt.settings, `message[${i}].topic`) !== topic) {
        fail(Code.MESSAGE_CORRUPTED, `message[${i}] is for another topic than message[0]: one request carries one topic`);
      }
      const input = await toSendInput(m, topic, rt, i);
      if (i > 0 && input.messageType !== inputs[0]!.messageType) {
        fail(Code.BAD_REQUEST, `message[${i}] is ${input.messageType} but message[0] is ${inputs[0]!.messageType}: one request carries one message type`);
      }
      inputs.push(input);
    }
    const entries = await sendAll(rt, ctx, inputs);
    return { status: overallStatus(entries), entries };
  },
  failure: (status) => ({ status, entries: [] }),
  statusOf: (res) => res.status,
};

/** One code for all entries, or MULTIPLE_RESULTS when they differ (RocketMQ's rule). */
export function overallStatus(entries: Array<{ status?: Status | undefined }>): Status {
  let first: Status | undefined;
  for (const e of entries) {
    const s = e.status ?? okStatus();
    if (!first) first = s;
    else if (s.code !== first.code) return { code: Code.MULTIPLE_RESULTS, message: 'entries have different results' };
  }
  return first ?? okStatus();
}
