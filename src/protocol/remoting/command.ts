/**
 * One remoting command (request or response) and its header's two serializations: JSON (what the Java clients
 * send by default) and ROCKETMQ binary (RocketMQSerializable). A frame on the wire is
 *   int32 total length (excludes itself) | int32 (serialize type << 24 | header length) | header | body
 * Decoding never throws anything but `RemotingProtocolError`; the caller closes the connection on it.
 */
import { FLAG_ONEWAY, FLAG_RESPONSE, LANGUAGES, SerializeType, SERVER_VERSION, type Language } from './codes.js';

export interface RemotingCommand {
  code: number;
  language: Language;
  version: number;
  opaque: number;
  flag: number;
  remark?: string;
  /** The custom header: every value a string, as RocketMQ writes them. */
  extFields: Record<string, string>;
  body?: Buffer;
  serializeType: SerializeType;
}

export class RemotingProtocolError extends Error {
  override readonly name = 'RemotingProtocolError';
}

export const isResponse = (c: RemotingCommand): boolean => (c.flag & FLAG_RESPONSE) !== 0;
export const isOneway = (c: RemotingCommand): boolean => (c.flag & FLAG_ONEWAY) !== 0;

/** A response to `request` in the request's serialize type. */
export function responseTo(request: RemotingCommand, code: number, remark?: string, extFields: Record<string, string> = {}, body?: Buffer): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: SERVER_VERSION,
    opaque: request.opaque,
    flag: FLAG_RESPONSE,
    ...(remark !== undefined ? { remark } : {}),
    extFields,
    ...(body !== undefined ? { body } : {}),
    serializeType: request.serializeType,
  };
}

/** A request the server (or a client) starts. */
export function newRequest(code: number, opaque: number, extFields: Record<string, string>, body?: Buffer, options: { oneway?: boolean; serializeType?: SerializeType } = {}): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: SERVER_VERSION,
    opaque,
    flag: options.oneway ? FLAG_ONEWAY : 0,
    extFields,
    ...(body !== undefined ? { body } : {}),
    serializeType: options.serializeType ?? SerializeType.JSON,
  };
}

// ------------------------------------------------------------------------------------------------ encode

function encodeHeaderJson(c: RemotingCommand): Buffer {
  const h: Record<string, unknown> = {
    code: c.code,
    language: c.language,
    version: c.version,
    opaque: c.opaque,
    flag: c.flag,
    serializeTypeCurrentRPC: 'JSON',
    extFields: c.extFields,
  };
  if (c.remark !== undefined) h['remark'] = c.remark;
  return Buffer.from(JSON.stringify(h), 'utf8');
}

function encodeHeaderBinary(c: RemotingCommand): Buffer {
  const remark = c.remark ? Buffer.from(c.remark, 'utf8') : undefined;
  const keys = Object.keys(c.extFields);
  let extLen = 0;
  for (const k of keys) extLen += 2 + Buffer.byteLength(k) + 4 + Buffer.byteLength(c.extFields[k] as string);
  const out = Buffer.allocUnsafe(2 + 1 + 2 + 4 + 4 + 4 + (remark?.length ?? 0) + 4 + extLen);
  let p = out.writeInt16BE((c.code << 16) >> 16, 0);
  p = out.writeInt8(Math.max(0, LANGUAGES.indexOf(c.language)), p);
  p = out.writeInt16BE((c.version << 16) >> 16, p);
  p = out.writeInt32BE(c.opaque | 0, p);
  p = out.writeInt32BE(c.flag | 0, p);
  p = out.writeInt32BE(remark?.length ?? 0, p);
  if (remark) p += remark.copy(out, p);
  p = out.writeInt32BE(extLen, p);
  for (const k of keys) {
    const v = c.extFields[k] as string;
    p = out.writeInt16BE(Buffer.byteLength(k), p);
    p += out.write(k, p, 'utf8');
    p = out.writeInt32BE(Buffer.byteLength(v), p);
    p += out.write(v, p, 'utf8');
  }
  return out;
}

/**
 * The frame's prefix and header in one buffer; the body (if any) is written after it as is, so a large pull
 * result is never copied into a second buffer.
 */
export function encodeFrameHead(c: RemotingCommand): Buffer {
  const header = c.serializeType === SerializeType.ROCKETMQ ? encodeHeaderBinary(c) : encodeHeaderJson(c);
  const bodyLen = c.body?.length ?? 0;
  const out = Buffer.allocUnsafe(8 + header.length);
  out.writeInt32BE(4 + header.length + bodyLen, 0);
  out.writeInt32BE(((c.serializeType & 0xff) << 24) | header.length, 4);
  header.copy(out, 8);
  return out;
}

/** Prefix, header and body in one buffer (tests, small commands). */
export function encodeFrame(c: RemotingCommand): Buffer {
  const head = encodeFrameHead(c);
  return c.body && c.body.length > 0 ? Buffer.concat([head, c.body]) : head;
}

// ------------------------------------------------------------------------------------------------ decode

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function int(v: unknown, what: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new RemotingProtocolError(`header field ${what} is not an integer`);
  return n;
}

function decodeHeaderJson(header: Buffer): Omit<RemotingCommand, 'body' | 'serializeType'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(header.toString('utf8'));
  } catch {
    throw new RemotingProtocolError('JSON header does not parse');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RemotingProtocolError('JSON header is not an object');
  const h = parsed as Record<string, unknown>;
  const extFields: Record<string, string> = {};
  const ext = h['extFields'];
  if (ext !== undefined && ext !== null) {
    if (typeof ext !== 'object' || Array.isArray(ext)) throw new RemotingProtocolError('extFields is not an object');
    for (const [k, v] of Object.entries(ext as Record<string, unknown>)) {
      const s = str(v);
      if (s !== undefined) extFields[k] = s;
    }
  }
  const lang = str(h['language']) ?? 'JAVA';
  const remark = str(h['remark']);
  return {
    code: int(h['code'], 'code'),
    language: (LANGUAGES as readonly string[]).includes(lang) ? (lang as Language) : 'OTHER',
    version: h['version'] === undefined ? 0 : int(h['version'], 'version'),
    opaque: h['opaque'] === undefined ? 0 : int(h['opaque'], 'opaque'),
    flag: h['flag'] === undefined ? 0 : int(h['flag'], 'flag'),
    ...(remark !== undefined ? { remark } : {}),
    extFields,
  };
}

function decodeHeaderBinary(b: Buffer): Omit<RemotingCommand, 'body' | 'serializeType'> {
  if (b.length < 21) throw new RemotingProtocolError(`binary header of ${b.length} bytes is shorter than 21`);
  let p = 0;
  const code = b.readInt16BE(p);
  p += 2;
  const langIndex = b.readInt8(p);
  p += 1;
  const version = b.readInt16BE(p);
  p += 2;
  const opaque = b.readInt32BE(p);
  p += 4;
  const flag = b.readInt32BE(p);
  p += 4;
  const remarkLen = b.readInt32BE(p);
  p += 4;
  if (remarkLen < 0 || p + remarkLen + 4 > b.length) throw new RemotingProtocolError(`remark length ${remarkLen} runs past the header`);
  const remark = remarkLen > 0 ? b.toString('utf8', p, p + remarkLen) : undefined;
  p += remarkLen;
  const extLen = b.readInt32BE(p);
  p += 4;
  if (extLen < 0 || p + extLen > b.length) throw new RemotingProtocolError(`extFields length ${extLen} runs past the header`);
  const end = p + extLen;
  const extFields: Record<string, string> = {};
  while (p < end) {
    if (p + 2 > end) throw new RemotingProtocolError('extFields entry is cut');
    const kl = b.readInt16BE(p);
    p += 2;
    if (kl < 0 || p + kl + 4 > end) throw new RemotingProtocolError('extFields key runs past its map');
    const k = b.toString('utf8', p, p + kl);
    p += kl;
    const vl = b.readInt32BE(p);
    p += 4;
    if (vl < 0 || p + vl > end) throw new RemotingProtocolError('extFields value runs past its map');
    extFields[k] = b.toString('utf8', p, p + vl);
    p += vl;
  }
  return {
    code,
    language: LANGUAGES[langIndex] ?? 'OTHER',
    version,
    opaque,
    flag,
    ...(remark !== undefined ? { remark } : {}),
    extFields,
  };
}

/** Decodes one frame's content (everything after the total-length word). */
export function decodeFrameContent(frame: Buffer): RemotingCommand {
  if (frame.length < 4) throw new RemotingProtocolError(`frame of ${frame.length} bytes has no header length`);
  const word = frame.readUInt32BE(0);
  const type = word >>> 24;
  const headerLen = word & 0xffffff;
  if (headerLen > frame.length - 4) throw new RemotingProtocolError(`header length ${headerLen} is more than the frame's ${frame.length - 4} bytes`);
  const header = frame.subarray(4, 4 + headerLen);
  let fields: Omit<RemotingCommand, 'body' | 'serializeType'>;
  if (type === SerializeType.JSON) fields = decodeHeaderJson(header);
  else if (type === SerializeType.ROCKETMQ) fields = decodeHeaderBinary(header);
  else throw new RemotingProtocolError(`unknown serialize type ${type}`);
  const bodyLen = frame.length - 4 - headerLen;
  return { ...fields, ...(bodyLen > 0 ? { body: frame.subarray(4 + headerLen) } : {}), serializeType: type };
}
