/**
 * Receipt handles: opaque strings that carry what is needed to find an in-flight message (queue, offset,
 * delivery sequence number) plus a checksum over the group and topic, so a foreign or damaged handle is refused
 * without any lookup table beyond the in-flight window itself.
 */
import { crc32 } from 'node:zlib';
import { BrokerError, BrokerErrorCode } from '../errors.js';

const VERSION = 1;
const SIZE = 1 + 2 + 6 + 6 + 6 + 6 + 4;

export interface ReceiptHandleFields {
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  /** Delivery sequence number: each delivery or invisible-time change gets a new one. */
  seq: number;
  invisibleUntil: number;
}

function checksum(group: string, topic: string, body: Buffer): number {
  return crc32(body.subarray(0, SIZE - 4), crc32(`${group}\u0000${topic}`));
}

export function encodeReceiptHandle(group: string, topic: string, f: ReceiptHandleFields): string {
  const b = Buffer.allocUnsafe(SIZE);
  b.writeUInt8(VERSION, 0);
  b.writeUInt16BE(f.queueId, 1);
  b.writeUIntBE(f.queueOffset, 3, 6);
  b.writeUIntBE(f.commitLogOffset, 9, 6);
  b.writeUIntBE(f.seq, 15, 6);
  b.writeUIntBE(f.invisibleUntil, 21, 6);
  b.writeUInt32BE(checksum(group, topic, b), 27);
  return b.toString('base64url');
}

export function decodeReceiptHandle(group: string, topic: string, handle: unknown): ReceiptHandleFields {
  if (typeof handle !== 'string' || handle.length === 0) {
    throw new BrokerError(BrokerErrorCode.INVALID_RECEIPT_HANDLE, 'receipt handle is empty');
  }
  const b = Buffer.from(handle, 'base64url');
  if (b.length !== SIZE || b.readUInt8(0) !== VERSION || b.toString('base64url') !== handle) {
    throw new BrokerError(BrokerErrorCode.INVALID_RECEIPT_HANDLE, 'receipt handle is malformed');
  }
  if (b.readUInt32BE(27) !== checksum(group, topic, b)) {
    throw new BrokerError(
      BrokerErrorCode.INVALID_RECEIPT_HANDLE,
      `receipt handle does not belong to consumer group '${group}' and topic '${topic}'`,
    );
  }
  return {
    queueId: b.readUInt16BE(1),
    queueOffset: b.readUIntBE(3, 6),
    commitLogOffset: b.readUIntBE(9, 6),
    seq: b.readUIntBE(15, 6),
    invisibleUntil: b.readUIntBE(21, 6),
  };
}
