/**
 * The two signatures RocketMQ clients send, computed and compared here (constant time):
 * - gRPC (v2 clients with session credentials): metadata `authorization: MQv2-HMAC-SHA1 Credential=<AK>,
 *   SignedHeaders=x-mq-date-time, Signature=<hex HMAC-SHA1(secret, x-mq-date-time value)>`;
 * - remoting (AclClientRPCHook): extFields `AccessKey` (and `SecurityToken`) plus `Signature` = base64
 *   HMAC-SHA1(secret, UTF-8 of the values of every other extField in key order, then the body bytes).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const GRPC_AUTH_SCHEME = 'MQv2-HMAC-SHA1';
export const GRPC_DATE_TIME_HEADER = 'x-mq-date-time';

export const ACCESS_KEY_FIELD = 'AccessKey';
export const SIGNATURE_FIELD = 'Signature';
/** Left out of the signed content by clients up to 4.9.3 (MixAll.UNIQUE_MSG_QUERY_FLAG). */
export const UNIQUE_KEY_QUERY_FIELD = '_UNIQUE_KEY_QUERY';

export interface GrpcAuthorization {
  accessKey: string;
  /** Hex as sent. */
  signature: string;
}

/** Parses the `authorization` value; a string naming what is wrong when it is not the v2 scheme. */
export function parseGrpcAuthorization(value: string): GrpcAuthorization | string {
  const space = value.indexOf(' ');
  if (space < 0 || value.slice(0, space) !== GRPC_AUTH_SCHEME) return `authorization must use the ${GRPC_AUTH_SCHEME} scheme`;
  let accessKey: string | undefined;
  let signature: string | undefined;
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    // Some clients send Credential=<AK>/<scope>; the access key is the part before the first slash.
    if (k === 'Credential') accessKey = v.split('/')[0];
    else if (k === 'Signature') signature = v;
  }
  if (!accessKey) return 'authorization has no Credential';
  if (!signature) return 'authorization has no Signature';
  return { accessKey, signature };
}

export function grpcSignature(secretKey: string, dateTime: string): string {
  return createHmac('sha1', secretKey).update(dateTime, 'utf8').digest('hex').toUpperCase();
}

/** Compares a hex signature as sent (any case) with the expected one. */
export function grpcSignatureMatches(secretKey: string, dateTime: string, sentHex: string): boolean {
  if (!/^[0-9a-fA-F]{40}$/.test(sentHex)) return false;
  const expected = createHmac('sha1', secretKey).update(dateTime, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(sentHex, 'hex'));
}

/** The bytes RocketMQ's ACL hook signs: values of the fields in Java String order (minus `Signature`), then the body. */
export function remotingSignedContent(extFields: Readonly<Record<string, string>>, body: Buffer | undefined, skipUniqueKeyQuery = false): Buffer {
  // JS's default sort compares UTF-16 code units, as Java's String.compareTo (TreeMap order) does.
  const keys = Object.keys(extFields).sort();
  let text = '';
  for (const k of keys) {
    if (k === SIGNATURE_FIELD || (skipUniqueKeyQuery && k === UNIQUE_KEY_QUERY_FIELD)) continue;
    text += extFields[k];
  }
  const head = Buffer.from(text, 'utf8');
  return body && body.length > 0 ? Buffer.concat([head, body]) : head;
}

export function remotingSignature(secretKey: string, extFields: Readonly<Record<string, string>>, body: Buffer | undefined): string {
  return createHmac('sha1', secretKey).update(remotingSignedContent(extFields, body)).digest('base64');
}

/** True when `Signature` matches; clients up to 4.9.3 left `_UNIQUE_KEY_QUERY` out, so both forms are tried. */
export function remotingSignatureMatches(secretKey: string, extFields: Readonly<Record<string, string>>, body: Buffer | undefined): boolean {
  const sent = Buffer.from(extFields[SIGNATURE_FIELD] ?? '', 'base64');
  if (sent.length !== 20) return false;
  const check = (skip: boolean): boolean => timingSafeEqual(createHmac('sha1', secretKey).update(remotingSignedContent(extFields, body, skip)).digest(), sent);
  return check(false) || (extFields[UNIQUE_KEY_QUERY_FIELD] !== undefined && check(true));
}
