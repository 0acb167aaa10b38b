/**
 * Commit-log record format, version 1 (docs/storage.md has the table). Big-endian like RocketMQ. The magic's low
 * byte is the format version, so a later version can be read side by side. Two CRCs cover every byte after the
 * CRC fields: `bodyCrc` the body (RocketMQ's BODYCRC) and `metaCrc` everything between the CRCs and the body, so
 * a flipped byte anywhere in a record is caught, not only in its body.
 */
import { crc32 } from 'node:zlib';
import { StoreError, StoreErrorCode } from './errors.js';
import type { AppendInput, StoredMessage } from './types.js';
import { PROPERTY_KEYS, PROPERTY_UNIQ_KEY } from './types.js';

export const FORMAT_VERSION = 1;
/** 'A' 'P' 'G' + version byte. */
export const RECORD_MAGIC_V1 = 0x41504701;
/** 'A' 'P' 'G' 0xFF: end of segment; its size field spans the rest of the segment. */
export const BLANK_MAGIC = 0x415047ff;
/** A blank marker is just size + magic; every segment keeps room for one after its last record. */
export const BLANK_SIZE = 8;

// Field positions inside a record.
export const OFF_TOTAL_SIZE = 0;
export const OFF_MAGIC = 4;
export const OFF_BODY_CRC = 8;
export const OFF_META_CRC = 12;
export const OFF_QUEUE_ID = 16;
export const OFF_FLAG = 20;
export const OFF_QUEUE_OFFSET = 24;
export const OFF_COMMIT_LOG_OFFSET = 32;
export const OFF_SYS_FLAG = 40;
export const OFF_BORN_TIMESTAMP = 44;
export const OFF_STORE_TIMESTAMP = 52;
export const OFF_RECONSUME_TIMES = 60;
export const OFF_PREPARED_TX_OFFSET = 64;
export const OFF_TAGS_CODE = 72;
export const OFF_TOPIC_LENGTH = 80;
/** Fixed part: 80 bytes of fields + topic len (1) + born host len (1) + store host len (1) + props len (2) + body len (4). */
export const FIXED_SIZE = 89;

const PROP_NAME_END = '\u0001';
const PROP_VALUE_END = '\u0002';
const TWO32 = 4294967296;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function writeInt64(buf: Buffer, off: number, v: number): void {
  const hi = Math.floor(v / TWO32);
  buf.writeInt32BE(hi, off);
  buf.writeUInt32BE(v - hi * TWO32, off + 4);
}

export function readInt64(buf: Buffer, off: number): number {
  return buf.readInt32BE(off) * TWO32 + buf.readUInt32BE(off + 4);
}

function bad(field: string, why: string): StoreError {
  return new StoreError(StoreErrorCode.BAD_INPUT, `append: ${field} ${why}`);
}

function checkInt32(v: unknown, field: string, min = INT32_MIN): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > INT32_MAX) {
    throw bad(field, `must be an integer in [${min}, ${INT32_MAX}], got ${String(v)}`);
  }
}

function checkSafe(v: unknown, field: string, min = Number.MIN_SAFE_INTEGER): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw bad(field, `must be a safe integer >= ${min}, got ${String(v)}`);
  }
}

function checkShortString(v: unknown, field: string): number {
  if (typeof v !== 'string') throw bad(field, 'must be a string');
  const n = Buffer.byteLength(v, 'utf8');
  if (n > 255) throw bad(field, `is ${n} bytes in UTF-8; the limit is 255`);
  return n;
}

/** A topic names a directory under consumequeue/, so it must be a safe single path component. */
export function checkTopicName(topic: unknown, what = 'topic'): number {
  const n = checkShortString(topic, what);
  const t = topic as string;
  if (n === 0) throw bad(what, 'must not be empty');
  if (t === '.' || t === '..') throw bad(what, `must not be "${t}"`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f/\\]/.test(t)) throw bad(what, 'must not contain "/", "\\" or control characters');
  return n;
}

/**
 * Checks an append input and returns the exact encoded record size. Throws StoreError(BAD_INPUT or
 * MESSAGE_TOO_LARGE) naming the field; nothing is changed on error.
 */
export function measureRecord(input: AppendInput, maxBodySize: number, maxRecordSize: number): number {
  if (typeof input !== 'object' || input === null) throw bad('input', 'must be an object');
  const topicLen = checkTopicName(input.topic);
  checkInt32(input.queueId, 'queueId', 0);
  checkInt32(input.flag, 'flag');
  checkInt32(input.sysFlag, 'sysFlag');
  checkSafe(input.bornTimestamp, 'bornTimestamp');
  const bornLen = checkShortString(input.bornHost, 'bornHost');
  const storeLen = checkShortString(input.storeHost, 'storeHost');
  checkInt32(input.reconsumeTimes, 'reconsumeTimes', 0);
  checkSafe(input.preparedTransactionOffset, 'preparedTransactionOffset', 0);
  if (input.tagsCode !== undefined) checkSafe(input.tagsCode, 'tagsCode');
  const body = input.body;
  if (!(body instanceof Uint8Array)) throw bad('body', 'must be a Buffer');
  if (body.byteLength > maxBodySize) {
    throw new StoreError(
      StoreErrorCode.MESSAGE_TOO_LARGE,
      `append: body is ${body.byteLength} bytes; maxMessageSize is ${maxBodySize}`,
    );
  }
  const props = input.properties;
  if (typeof props !== 'object' || props === null) throw bad('properties', 'must be an object');
  let propsLen = 0;
  for (const name in props) {
    if (!Object.prototype.hasOwnProperty.call(props, name)) continue;
    const value = props[name];
    if (typeof value !== 'string') throw bad(`properties.${name}`, 'must be a string');
    if (name.length === 0) throw bad('properties', 'must not have an empty name');
    if (name === '__proto__') throw bad('properties', 'must not have the name "__proto__"');
    if (name.includes(PROP_NAME_END) || name.includes(PROP_VALUE_END)) {
      throw bad(`properties name ${JSON.stringify(name)}`, 'must not contain \\u0001 or \\u0002');
    }
    if (value.includes(PROP_NAME_END) || value.includes(PROP_VALUE_END)) {
      throw bad(`properties.${name}`, 'must not contain \\u0001 or \\u0002');
    }
    propsLen += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8') + 2;
  }
  if (propsLen > 0xffff) {
    throw new StoreError(StoreErrorCode.MESSAGE_TOO_LARGE, `append: properties are ${propsLen} bytes encoded; the limit is 65535`);
  }
  const size = FIXED_SIZE + topicLen + bornLen + storeLen + propsLen + body.byteLength;
  if (size > maxRecordSize) {
    throw new StoreError(
      StoreErrorCode.MESSAGE_TOO_LARGE,
      `append: record is ${size} bytes; a commit-log segment holds at most ${maxRecordSize}`,
    );
  }
  return size;
}

/** Encodes one record at `pos`; `buf` must have `size` bytes free there. Returns the end position. */
export function encodeRecord(
  buf: Buffer,
  pos: number,
  input: AppendInput,
  size: number,
  queueOffset: number,
  commitLogOffset: number,
  storeTimestamp: number,
  tagsCode: number,
): number {
  buf.writeInt32BE(size, pos + OFF_TOTAL_SIZE);
  buf.writeUInt32BE(RECORD_MAGIC_V1, pos + OFF_MAGIC);
  buf.writeInt32BE(input.queueId, pos + OFF_QUEUE_ID);
  buf.writeInt32BE(input.flag, pos + OFF_FLAG);
  writeInt64(buf, pos + OFF_QUEUE_OFFSET, queueOffset);
  writeInt64(buf, pos + OFF_COMMIT_LOG_OFFSET, commitLogOffset);
  buf.writeInt32BE(input.sysFlag, pos + OFF_SYS_FLAG);
  writeInt64(buf, pos + OFF_BORN_TIMESTAMP, input.bornTimestamp);
  writeInt64(buf, pos + OFF_STORE_TIMESTAMP, storeTimestamp);
  buf.writeInt32BE(input.reconsumeTimes, pos + OFF_RECONSUME_TIMES);
  writeInt64(buf, pos + OFF_PREPARED_TX_OFFSET, input.preparedTransactionOffset);
  writeInt64(buf, pos + OFF_TAGS_CODE, tagsCode);
  let p = pos + OFF_TOPIC_LENGTH;
  let n = buf.write(input.topic, p + 1, 'utf8');
  buf[p] = n;
  p += 1 + n;
  n = buf.write(input.bornHost, p + 1, 'utf8');
  buf[p] = n;
  p += 1 + n;
  n = buf.write(input.storeHost, p + 1, 'utf8');
  buf[p] = n;
  p += 1 + n;
  const propsStart = p + 2;
  let q = propsStart;
  const props = input.properties;
  for (const name in props) {
    if (!Object.prototype.hasOwnProperty.call(props, name)) continue;
    q += buf.write(name, q, 'utf8');
    buf[q++] = 1;
    q += buf.write(props[name] as string, q, 'utf8');
    buf[q++] = 2;
  }
  buf.writeUInt16BE(q - propsStart, p);
  const body = input.body;
  buf.writeInt32BE(body.byteLength, q);
  q += 4;
  const end = q + body.byteLength;
  if (end - pos !== size) throw new Error(`record encoder: measured ${size} bytes but encoded ${end - pos}`);
  buf.set(body, q);
  buf.writeUInt32BE(crc32(body), pos + OFF_BODY_CRC);
  buf.writeUInt32BE(crc32(buf.subarray(pos + OFF_QUEUE_ID, q)), pos + OFF_META_CRC);
  return end;
}

export function encodeBlank(buf: Buffer, pos: number, spanToSegmentEnd: number): number {
  buf.writeInt32BE(spanToSegmentEnd, pos);
  buf.writeUInt32BE(BLANK_MAGIC, pos + 4);
  return pos + BLANK_SIZE;
}

/** Where the variable parts of a verified record start and end. */
interface Layout {
  topicStart: number;
  topicEnd: number;
  bornStart: number;
  bornEnd: number;
  storeStart: number;
  storeEnd: number;
  propsStart: number;
  propsEnd: number;
  bodyStart: number;
  bodyEnd: number;
}

/** Computes the layout; returns a reason string when the length fields disagree with `size`. */
function layoutOf(buf: Buffer, pos: number, size: number): Layout | string {
  if (size < FIXED_SIZE) return `record size ${size} is below the minimum ${FIXED_SIZE}`;
  const end = pos + size;
  let p = pos + OFF_TOPIC_LENGTH;
  const topicStart = p + 1;
  const topicEnd = topicStart + (buf[p] as number);
  p = topicEnd;
  if (p >= end) return 'topic length runs past the record';
  const bornStart = p + 1;
  const bornEnd = bornStart + (buf[p] as number);
  p = bornEnd;
  if (p >= end) return 'born host length runs past the record';
  const storeStart = p + 1;
  const storeEnd = storeStart + (buf[p] as number);
  p = storeEnd;
  if (p + 2 > end) return 'store host length runs past the record';
  const propsStart = p + 2;
  const propsEnd = propsStart + buf.readUInt16BE(p);
  p = propsEnd;
  if (p + 4 > end) return 'properties length runs past the record';
  const bodyLen = buf.readInt32BE(p);
  const bodyStart = p + 4;
  const bodyEnd = bodyStart + bodyLen;
  if (bodyLen < 0 || bodyEnd !== end) return `body length ${bodyLen} does not match record size ${size}`;
  return { topicStart, topicEnd, bornStart, bornEnd, storeStart, storeEnd, propsStart, propsEnd, bodyStart, bodyEnd };
}

/**
 * Checks the record of `size` bytes at `pos` (magic, layout, both CRCs, and that it was written at
 * `expectedOffset`). Returns undefined when good, else why not.
 */
export function verifyRecord(buf: Buffer, pos: number, size: number, expectedOffset: number): string | undefined {
  const magic = buf.readUInt32BE(pos + OFF_MAGIC);
  if (magic !== RECORD_MAGIC_V1) return `bad magic 0x${magic.toString(16)}`;
  const layout = layoutOf(buf, pos, size);
  if (typeof layout === 'string') return layout;
  const metaCrc = crc32(buf.subarray(pos + OFF_QUEUE_ID, layout.bodyStart));
  if (metaCrc !== buf.readUInt32BE(pos + OFF_META_CRC)) return 'header/properties CRC mismatch';
  const bodyCrc = crc32(buf.subarray(layout.bodyStart, layout.bodyEnd));
  if (bodyCrc !== buf.readUInt32BE(pos + OFF_BODY_CRC)) return 'body CRC mismatch';
  const at = readInt64(buf, pos + OFF_COMMIT_LOG_OFFSET);
  if (at !== expectedOffset) return `record says it was written at offset ${at}`;
  return undefined;
}

function decodeProperties(buf: Buffer, start: number, end: number): Record<string, string> {
  const props: Record<string, string> = {};
  if (end <= start) return props;
  const s = buf.toString('utf8', start, end);
  let i = 0;
  while (i < s.length) {
    const nameEnd = s.indexOf(PROP_NAME_END, i);
    if (nameEnd < 0) break;
    let valueEnd = s.indexOf(PROP_VALUE_END, nameEnd + 1);
    if (valueEnd < 0) valueEnd = s.length;
    props[s.slice(i, nameEnd)] = s.slice(nameEnd + 1, valueEnd);
    i = valueEnd + 1;
  }
  return props;
}

/** Decodes a verified record. `body` is a view into `buf` (the caller owns `buf` and must not reuse it). */
export function decodeRecord(buf: Buffer, pos: number, size: number): StoredMessage {
  const l = layoutOf(buf, pos, size);
  if (typeof l === 'string') throw new StoreError(StoreErrorCode.CORRUPT, l);
  return {
    topic: buf.toString('utf8', l.topicStart, l.topicEnd),
    queueId: buf.readInt32BE(pos + OFF_QUEUE_ID),
    flag: buf.readInt32BE(pos + OFF_FLAG),
    sysFlag: buf.readInt32BE(pos + OFF_SYS_FLAG),
    bornTimestamp: readInt64(buf, pos + OFF_BORN_TIMESTAMP),
    bornHost: buf.toString('utf8', l.bornStart, l.bornEnd),
    storeHost: buf.toString('utf8', l.storeStart, l.storeEnd),
    reconsumeTimes: buf.readInt32BE(pos + OFF_RECONSUME_TIMES),
    preparedTransactionOffset: readInt64(buf, pos + OFF_PREPARED_TX_OFFSET),
    properties: decodeProperties(buf, l.propsStart, l.propsEnd),
    body: buf.subarray(l.bodyStart, l.bodyEnd),
    tagsCode: readInt64(buf, pos + OFF_TAGS_CODE),
    queueOffset: readInt64(buf, pos + OFF_QUEUE_OFFSET),
    commitLogOffset: readInt64(buf, pos + OFF_COMMIT_LOG_OFFSET),
    size,
    storeTimestamp: readInt64(buf, pos + OFF_STORE_TIMESTAMP),
  };
}

/** What recovery's dispatcher needs from a record, without decoding the body. */
export interface RecordHeader {
  topic: string;
  queueId: number;
  queueOffset: number;
  tagsCode: number;
  storeTimestamp: number;
  keys: string | undefined;
  uniqKey: string | undefined;
}

/** Reads the dispatch fields of a verified record; properties are parsed only when `withKeys`. */
export function decodeHeader(buf: Buffer, pos: number, size: number, withKeys: boolean): RecordHeader {
  const l = layoutOf(buf, pos, size);
  if (typeof l === 'string') throw new StoreError(StoreErrorCode.CORRUPT, l);
  let keys: string | undefined;
  let uniqKey: string | undefined;
  if (withKeys && l.propsEnd > l.propsStart) {
    const props = decodeProperties(buf, l.propsStart, l.propsEnd);
    keys = props[PROPERTY_KEYS];
    uniqKey = props[PROPERTY_UNIQ_KEY];
  }
  return {
    topic: buf.toString('utf8', l.topicStart, l.topicEnd),
    queueId: buf.readInt32BE(pos + OFF_QUEUE_ID),
    queueOffset: readInt64(buf, pos + OFF_QUEUE_OFFSET),
    tagsCode: readInt64(buf, pos + OFF_TAGS_CODE),
    storeTimestamp: readInt64(buf, pos + OFF_STORE_TIMESTAMP),
    keys,
    uniqKey,
  };
}
