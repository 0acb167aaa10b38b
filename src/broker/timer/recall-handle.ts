/**
 * Recall handles: what a DELAY send returns so the producer can cancel the message while it is pending.
 * The handle is opaque to clients but self-describing for us (base64url of a small JSON array), so checking it
 * needs no table that grows with every send: it names the topic, the timer record's commit-log offset (the
 * timer's identity), the delivery time and the message id, and the service compares all of them with the record.
 */
import { BrokerError, BrokerErrorCode } from '../errors.js';

const VERSION = 1;
/** Generous bound: topic (≤127) + message id + numbers, base64-inflated. */
const MAX_HANDLE_LENGTH = 1024;

export interface RecallHandle {
  topic: string;
  /** Commit-log offset of the timer record. */
  timerId: number;
  deliverAt: number;
  messageId: string;
}

export function encodeRecallHandle(h: RecallHandle): string {
  return Buffer.from(JSON.stringify([VERSION, h.topic, h.timerId, h.deliverAt, h.messageId]), 'utf8').toString('base64url');
}

function malformed(why: string): BrokerError {
  return new BrokerError(BrokerErrorCode.BAD_REQUEST, `malformed recall handle: ${why}`);
}

/** Parses a handle; anything that is not one this broker made is BAD_REQUEST. */
export function decodeRecallHandle(handle: unknown): RecallHandle {
  if (typeof handle !== 'string' || handle.length === 0) throw malformed('empty');
  if (handle.length > MAX_HANDLE_LENGTH) throw malformed(`longer than ${MAX_HANDLE_LENGTH} characters`);
  if (!/^[A-Za-z0-9_-]+$/.test(handle)) throw malformed('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8'));
  } catch {
    throw malformed('not a handle this broker issued');
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) throw malformed('not a handle this broker issued');
  const [version, topic, timerId, deliverAt, messageId] = parsed as unknown[];
  if (version !== VERSION) throw malformed(`unknown version ${String(version)}`);
  if (typeof topic !== 'string' || topic.length === 0) throw malformed('no topic');
  if (typeof timerId !== 'number' || !Number.isSafeInteger(timerId) || timerId < 0) throw malformed('bad timer offset');
  if (typeof deliverAt !== 'number' || !Number.isSafeInteger(deliverAt)) throw malformed('bad delivery time');
  if (typeof messageId !== 'string') throw malformed('bad message id');
  return { topic, timerId, deliverAt, messageId };
}
