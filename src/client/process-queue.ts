/**
 * A queue this consumer currently owns (ProcessQueue): the pull position, the messages pulled and not yet
 * consumed (their offsets in pull order, so the committable offset is the first one still pending), and for
 * orderly consumption the queue lock's state and the messages waiting their turn.
 */
import type { MessageExt, MessageQueue } from './types.js';

/** A lock older than this is not trusted (the broker's lapses at 60 s; renewals run every 20 s). */
export const LOCK_MAX_LIVE_MS = 30_000;

export class ProcessQueue {
  dropped = false;
  nextOffset: number;
  locked = false;
  lastLockAt = 0;
  /** Orderly: messages in offset order, not yet consumed. */
  readonly waiting: MessageExt[] = [];
  consuming = false;
  private readonly offsets: number[] = [];
  private head = 0;
  private readonly done = new Set<number>();
  private maxOffset = -1;

  constructor(
    readonly queue: MessageQueue,
    offset: number,
  ) {
    this.nextOffset = offset;
  }

  get msgCount(): number {
    return this.offsets.length - this.head - this.done.size;
  }

  get lockValid(): boolean {
    return this.locked && Date.now() - this.lastLockAt < LOCK_MAX_LIVE_MS;
  }

  add(messages: readonly MessageExt[], orderly: boolean): void {
    for (const m of messages) {
      if (m.queueOffset <= this.maxOffset) continue;
      this.offsets.push(m.queueOffset);
      this.maxOffset = m.queueOffset;
      if (orderly) this.waiting.push(m);
    }
  }

  /** Marks offsets consumed; returns the offset to commit (first pending, or past the last pulled), -1 if none. */
  complete(offsets: readonly number[]): number {
    if (this.offsets.length === 0) return -1;
    for (const o of offsets) this.done.add(o);
    while (this.head < this.offsets.length && this.done.has(this.offsets[this.head] as number)) {
      this.done.delete(this.offsets[this.head] as number);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.offsets.length) {
      this.offsets.splice(0, this.head);
      this.head = 0;
    }
    return this.head < this.offsets.length ? (this.offsets[this.head] as number) : this.maxOffset + 1;
  }
}
