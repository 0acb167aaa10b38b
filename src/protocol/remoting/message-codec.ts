/**
 * Messages as the remoting protocol carries them (RocketMQ's MessageDecoder layouts):
 * - a stored message (pull results, view-by-id, check-back bodies): the MessageExt record, magic V1;
 * - a batch send body: per message total size, magic 0, crc 0, flag, body, properties;
 * - the properties string `key\u0001value\u0002...`;
 * - the offset message id: hex of store host IPv4 (4 bytes), port (4) and commit-log offset (8).
 */
import { crc32 } from 'node:zlib';
import { RemotingProtocolError } from './command.js';

export const MESSAGE_MAGIC_CODE_V1 = -626843481;
const NAME_VALUE_SEPARATOR = '\u0001';
const PROPERTY_SEPARATOR = '\u0002';

/** sysFlag bits (MessageSysFlag). */
export const MsgSysFlag = {
  COMPRESSED: 0x1,
  MULTI_TAGS: 0x2,
  TRANSACTION_PREPARED: 0x4,
  TRANSACTION_COMMIT: 0x8,
  TRANSACTION_ROLLBACK: 0xc,
  TRANSACTION_MASK: 0xc,
  BORNHOST_V6: 0x10,
  STOREHOST_V6: 0x20,
  COMPRESSION_TYPE_MASK: 0x7 << 8,
} as const;

export function encodeProperties(props: Record<string, string>): string {
  let s = '';
  for (const k in props) {
    const v = props[k];
    if (v === undefined) continue;
    s += k + NAME_VALUE_SEPARATOR + v + PROPERTY_SEPARATOR;
  }
  return s;
}

/** Parses the properties string the way RocketMQ does: malformed pairs are skipped, never fatal. */
export function decodeProperties(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    let end = s.indexOf(PROPERTY_SEPARATOR, i);
    if (end < 0) end = s.length;
    const sep = s.indexOf(NAME_VALUE_SEPARATOR, i);
    if (sep > i && sep < end) out[s.slice(i, sep)] = s.slice(sep + 1, end);
    i = end + 1;
  }
  return out;
}

/** An IPv4 `a.b.c.d:port` as 4 address bytes and a port; anything else becomes 0.0.0.0:0. */
export function parseHostPort(hostPort: string): { ip: [number, number, number, number]; port: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/.exec(hostPort);
  if (!m) return { ip: [0, 0, 0, 0], port: 0 };
  return { ip: [Number(m[1]) & 255, Number(m[2]) & 255, Number(m[3]) & 255, Number(m[4]) & 255], port: Number(m[5]) };
}

/** RocketMQ's offset message id (32 hex chars, upper case). */
export function offsetMessageId(storeHost: string, commitLogOffset: number): string {
  const { ip, port } = parseHostPort(storeHost);
  const b = Buffer.allocUnsafe(16);
  b[0] = ip[0];
  b[1] = ip[1];
  b[2] = ip[2];
  b[3] = ip[3];
  b.writeInt32BE(port, 4);
  b.writeBigInt64BE(BigInt(commitLogOffset), 8);
  return b.toString('hex').toUpperCase();
}

/** The commit-log offset and store address inside an offset message id, or undefined when it is not one. */
export function parseOffsetMessageId(id: string): { host: string; commitLogOffset: number } | undefined {
  if (!/^[0-9A-Fa-f]{32}$/.test(id)) return undefined;
  const b = Buffer.from(id, 'hex');
  const off = b.readBigInt64BE(8);
  if (off < 0n || off > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { host: `${b[0]}.${b[1]}.${b[2]}.${b[3]}:${b.readInt32BE(4)}`, commitLogOffset: Number(off) };
}

/** A stored message as the wire shows it; `properties` is already the encoded string. */
export interface WireMessage {
  topic: string;
  queueId: number;
  flag: number;
  sysFlag: number;
  queueOffset: number;
  commitLogOffset: number;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Buffer;
  properties: string;
}

function sizeOf(m: WireMessage, topicLen: number, propLen: number): number {
  return 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + m.body.length + 1 + topicLen + 2 + propLen;
}

/**
 * Encodes messages back to back into one buffer (one allocation per pull result). Born and store hosts are
 * written as IPv4; `storeHost` is the address of this broker's remoting listener, so the offset message id a
 * client derives from it leads back here.
 */
export function encodeMessages(messages: readonly WireMessage[], storeHost: string): Buffer {
  const store = parseHostPort(storeHost);
  const topics: Buffer[] = [];
  const props: Buffer[] = [];
  let total = 0;
  for (const m of messages) {
    const t = Buffer.from(m.topic, 'utf8');
    const p = Buffer.from(m.properties, 'utf8');
    if (t.length > 127) throw new RemotingProtocolError(`topic '${m.topic}' is longer than 127 bytes`);
    if (p.length > 32767) throw new RemotingProtocolError(`properties of a message in ${m.topic} are longer than 32767 bytes`);
    topics.push(t);
    props.push(p);
    total += sizeOf(m, t.length, p.length);
  }
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  messages.forEach((m, i) => {
    const t = topics[i] as Buffer;
    const p = props[i] as Buffer;
    const size = sizeOf(m, t.length, p.length);
    const born = parseHostPort(m.bornHost);
    o = out.writeInt32BE(size, o);
    o = out.writeInt32BE(MESSAGE_MAGIC_CODE_V1, o);
    o = out.writeInt32BE((crc32(m.body) & 0x7fffffff) | 0, o);
    o = out.writeInt32BE(m.queueId, o);
    o = out.writeInt32BE(m.flag | 0, o);
    o = out.writeBigInt64BE(BigInt(m.queueOffset), o);
    o = out.writeBigInt64BE(BigInt(m.commitLogOffset), o);
    o = out.writeInt32BE(m.sysFlag & ~(MsgSysFlag.BORNHOST_V6 | MsgSysFlag.STOREHOST_V6), o);
    o = out.writeBigInt64BE(BigInt(m.bornTimestamp), o);
    out[o++] = born.ip[0];
    out[o++] = born.ip[1];
    out[o++] = born.ip[2];
    out[o++] = born.ip[3];
    o = out.writeInt32BE(born.port, o);
    o = out.writeBigInt64BE(BigInt(m.storeTimestamp), o);
    out[o++] = store.ip[0];
    out[o++] = store.ip[1];
    out[o++] = store.ip[2];
    out[o++] = store.ip[3];
    o = out.writeInt32BE(store.port, o);
    o = out.writeInt32BE(m.reconsumeTimes, o);
    o = out.writeBigInt64BE(BigInt(m.preparedTransactionOffset), o);
    o = out.writeInt32BE(m.body.length, o);
    o += m.body.copy(out, o);
    out[o++] = t.length;
    o += t.copy(out, o);
    o = out.writeInt16BE(p.length, o);
    o += p.copy(out, o);
  });
  return out;
}

/** One message of a batch send body. */
export interface BatchEntry {
  flag: number;
  body: Buffer;
  properties: Record<string, string>;
}

/** Splits a SEND_BATCH_MESSAGE body; any length that runs past its bounds is a MESSAGE_ILLEGAL for the caller. */
export function decodeBatch(body: Buffer, maxMessages: number): BatchEntry[] {
  const out: BatchEntry[] = [];
  let p = 0;
  while (p < body.length) {
    if (out.length >= maxMessages) throw new RemotingProtocolError(`batch holds more than ${maxMessages} messages`);
    if (body.length - p < 22) throw new RemotingProtocolError(`batch entry at byte ${p} is cut short`);
    const size = body.readInt32BE(p);
    if (size < 22 || p + size > body.length) throw new RemotingProtocolError(`batch entry at byte ${p} has bad size ${size}`);
    let q = p + 12; // total size, magic, crc
    const flag = body.readInt32BE(q);
    q += 4;
    const bodyLen = body.readInt32BE(q);
    q += 4;
    if (bodyLen < 0 || q + bodyLen + 2 > p + size) throw new RemotingProtocolError(`batch entry at byte ${p} has bad body length ${bodyLen}`);
    const b = body.subarray(q, q + bodyLen);
    q += bodyLen;
    const propLen = body.readInt16BE(q);
    q += 2;
    if (propLen < 0 || q + propLen > p + size) throw new RemotingProtocolError(`batch entry at byte ${p} has bad properties length ${propLen}`);
    out.push({ flag, body: b, properties: decodeProperties(body.toString('utf8', q, q + propLen)) });
    p += size;
  }
  return out;
}

/** Encodes a batch body (the client side of `decodeBatch`; the SDK and tests use it). */
export function encodeBatch(entries: readonly BatchEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const props = Buffer.from(encodeProperties(e.properties), 'utf8');
    const size = 4 + 4 + 4 + 4 + 4 + e.body.length + 2 + props.length;
    const b = Buffer.allocUnsafe(size);
    let o = b.writeInt32BE(size, 0);
    o = b.writeInt32BE(0, o);
    o = b.writeInt32BE(0, o);
    o = b.writeInt32BE(e.flag | 0, o);
    o = b.writeInt32BE(e.body.length, o);
    o += e.body.copy(b, o);
    o = b.writeInt16BE(props.length, o);
    props.copy(b, o);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** Decodes MessageExt records (the SDK's pull path and tests). */
export function decodeMessages(buf: Buffer): Array<WireMessage & { storeHost: string; bodyCrc: number }> {
  const out: Array<WireMessage & { storeHost: string; bodyCrc: number }> = [];
  let p = 0;
  while (p + 8 <= buf.length) {
    const size = buf.readInt32BE(p);
    if (size < 4 || p + size > buf.length) throw new RemotingProtocolError(`message at byte ${p} has bad size ${size}`);
    if (buf.readInt32BE(p + 4) !== MESSAGE_MAGIC_CODE_V1) throw new RemotingProtocolError(`message at byte ${p} has an unknown magic code`);
    let o = p + 8;
    const bodyCrc = buf.readInt32BE(o);
    o += 4;
    const queueId = buf.readInt32BE(o);
    o += 4;
    const flag = buf.readInt32BE(o);
    o += 4;
    const queueOffset = Number(buf.readBigInt64BE(o));
    o += 8;
    const commitLogOffset = Number(buf.readBigInt64BE(o));
    o += 8;
    const sysFlag = buf.readInt32BE(o);
    o += 4;
    const bornTimestamp = Number(buf.readBigInt64BE(o));
    o += 8;
    const bornV6 = (sysFlag & MsgSysFlag.BORNHOST_V6) !== 0;
    const bornHost = bornV6 ? '' : `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}:${buf.readInt32BE(o + 4)}`;
    o += bornV6 ? 20 : 8;
    const storeTimestamp = Number(buf.readBigInt64BE(o));
    o += 8;
    const storeV6 = (sysFlag & MsgSysFlag.STOREHOST_V6) !== 0;
    const storeHost = storeV6 ? '' : `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}:${buf.readInt32BE(o + 4)}`;
    o += storeV6 ? 20 : 8;
    const reconsumeTimes = buf.readInt32BE(o);
    o += 4;
    const preparedTransactionOffset = Number(buf.readBigInt64BE(o));
    o += 8;
    const bodyLen = buf.readInt32BE(o);
    o += 4;
    const body = buf.subarray(o, o + bodyLen);
    o += bodyLen;
    const topicLen = buf[o] as number;
    o += 1;
    const topic = buf.toString('utf8', o, o + topicLen);
    o += topicLen;
    const propLen = buf.readInt16BE(o);
    o += 2;
    const properties = buf.toString('utf8', o, o + propLen);
    out.push({ topic, queueId, flag, sysFlag, queueOffset, commitLogOffset, bornTimestamp, bornHost, storeTimestamp, storeHost, reconsumeTimes, preparedTransactionOffset, body, properties, bodyCrc });
    p += size;
  }
  return out;
}
