/**
 * Overload helpers of the gRPC front: what a request weighs against the global byte budget, and how to cut a
 * stream whose client stopped reading (grpc-js has no public call for that: a status cannot reach a client
 * that does not read, so the HTTP/2 stream itself is reset).
 */
import { constants as h2 } from 'node:http2';
import type { SendMessageRequest } from './generated/apache/rocketmq/v2/service.js';

/** Fixed per-message allowance for topic, properties and framing; the body is counted exactly. */
const PER_MESSAGE_OVERHEAD = 512;

/** Bytes a request holds while it is served: SendMessage bodies; other requests are small and count 0. */
export function requestBytes(rpc: string, request: unknown): number {
  if (rpc !== 'SendMessage') return 0;
  const messages = (request as SendMessageRequest).messages;
  let n = 0;
  for (let i = 0; i < messages.length; i++) n += messages[i]!.body.length + PER_MESSAGE_OVERHEAD;
  return n;
}

interface InternalCall {
  stream?: { close(code?: number): void; destroyed?: boolean };
  nextCall?: InternalCall;
}

/**
 * Resets the HTTP/2 stream under a grpc-js server call (RST_STREAM CANCEL): its buffered answer is dropped and
 * grpc-js reports the call cancelled. Returns false when grpc-js internals changed and nothing was found.
 */
export function resetServerStream(call: unknown): boolean {
  let c = (call as { call?: InternalCall }).call;
  for (let depth = 0; c !== undefined && depth < 8; depth++) {
    if (c.stream && typeof c.stream.close === 'function') {
      if (!c.stream.destroyed) c.stream.close(h2.NGHTTP2_CANCEL);
      return true;
    }
    c = c.nextCall;
  }
  return false;
}
