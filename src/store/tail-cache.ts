/**
 * The most recent commit-log bytes kept in a ring buffer, so consumers reading what was just written (the common
 * case for long polling) are served from memory without a file read.
 */
export class TailCache {
  private readonly ring: Buffer;
  /** Cached bytes are the commit-log range [start, end). */
  private start = 0;
  private end = 0;

  constructor(capacity: number) {
    this.ring = Buffer.allocUnsafe(Math.max(capacity, 1));
  }

  /** Restart at `offset` (segment roll: the blank marker's span is not real bytes). */
  reset(offset: number): void {
    this.start = offset;
    this.end = offset;
  }

  /** Forgets cached bytes at and after `offset` (a write that was taken back). */
  truncate(offset: number): void {
    if (this.end > offset) this.end = Math.max(offset, this.start);
    if (this.start > this.end) this.start = this.end;
  }

  /** Record bytes written at `offset`, which must equal the current end (else the cache restarts there). */
  append(offset: number, src: Buffer, srcStart: number, len: number): void {
    const cap = this.ring.length;
    if (offset !== this.end) this.reset(offset);
    if (len >= cap) {
      this.end = offset + len;
      this.start = this.end - cap;
      this.copyIn(src, srcStart + len - cap, this.start, cap);
      return;
    }
    this.copyIn(src, srcStart, offset, len);
    this.end = offset + len;
    if (this.end - this.start > cap) this.start = this.end - cap;
  }

  /** The byte at commit-log offset x lives at ring position x % capacity. */
  private copyIn(src: Buffer, srcStart: number, offset: number, len: number): void {
    const cap = this.ring.length;
    const p = offset % cap;
    const first = Math.min(len, cap - p);
    src.copy(this.ring, p, srcStart, srcStart + first);
    if (first < len) src.copy(this.ring, 0, srcStart + first, srcStart + len);
  }

  /** Copies [offset, offset+len) into a new Buffer when fully cached, else undefined. */
  read(offset: number, len: number): Buffer | undefined {
    if (offset < this.start || offset + len > this.end || len <= 0) return undefined;
    const cap = this.ring.length;
    const out = Buffer.allocUnsafe(len);
    const p = offset % cap;
    const first = Math.min(len, cap - p);
    this.ring.copy(out, 0, p, p + first);
    if (first < len) this.ring.copy(out, first, 0, len - first);
    return out;
  }

  /** Reads a big-endian int32 at `offset` when cached (the record length prefix). */
  readInt32(offset: number): number | undefined {
    const b = this.read(offset, 4);
    return b === undefined ? undefined : b.readInt32BE(0);
  }

  get range(): { start: number; end: number } {
    return { start: this.start, end: this.end };
  }
}
