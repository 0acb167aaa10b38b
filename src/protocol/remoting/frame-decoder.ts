/**
 * Streaming frame splitter: bytes in, whole frame contents out (each a view of the received data when a frame
 * arrived in one chunk, a copy only when it spans chunks). A length word beyond `maxFrameBytes` or below the
 * smallest possible frame is a protocol error: the caller closes that connection.
 */
import { RemotingProtocolError } from './command.js';

export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the buffered frame needs in all (length word included); 0 when unknown. */
  private needed = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds a chunk; calls `onFrame` for every complete frame's content (after the total-length word). When
   * `onFrame` returns false the rest stays buffered until the next `push` (an empty chunk resumes).
   */
  push(chunk: Buffer, onFrame: (content: Buffer) => boolean | void): void {
    let data: Buffer;
    if (this.pendingBytes === 0) data = chunk;
    else if (chunk.length > 0 && this.pendingBytes + chunk.length < this.needed) {
      // Still short of the frame being received: keep the chunk, copy nothing yet (a 4 MiB frame arrives in
      // dozens of chunks; joining them on every chunk would copy it dozens of times).
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return;
    } else {
      this.pending.push(chunk);
      data = Buffer.concat(this.pending, this.pendingBytes + chunk.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let p = 0;
    while (data.length - p >= 4) {
      const len = data.readInt32BE(p);
      if (len < 4) throw new RemotingProtocolError(`frame length ${len} is below the 4-byte minimum`);
      if (len > this.maxFrameBytes) throw new RemotingProtocolError(`frame length ${len} is more than the limit of ${this.maxFrameBytes} bytes`);
      if (data.length - p - 4 < len) break;
      const more = onFrame(data.subarray(p + 4, p + 4 + len));
      p += 4 + len;
      if (more === false) break;
    }
    this.needed = 0;
    if (p < data.length) {
      const rest = data.subarray(p);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
      // The whole next frame's size, once its length word is here; until then any chunk is worth a look.
      if (rest.length >= 4) {
        const len = rest.readInt32BE(0);
        if (len >= 4 && len <= this.maxFrameBytes) this.needed = 4 + len;
      }
    }
  }
}
