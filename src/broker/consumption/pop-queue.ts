/**
 * Pop-consumption state of one consumer group on one queue: pure bookkeeping, no I/O.
 *
 * Offsets below `ackOffset` are done for the group. Offsets in [ackOffset, nextOffset) that are not done have an
 * entry: in flight (invisible until `visibleAt`), or read but waiting (a FIFO message behind an undone earlier
 * message of its message group, or one whose invisible time expired and awaits redelivery). Filtered-out
 * offsets are done the moment they are read. `nextOffset` is the next offset never read.
 */
import { MinHeap } from '../../util/min-heap.js';

export interface PopEntry {
  offset: number;
  commitLogOffset: number;
  /** Deliveries made so far (the next delivery is attempt + 1). */
  attempt: number;
  /** In flight: when the invisible time ends. */
  visibleAt: number;
  /** Sequence number of the current delivery (0 = never delivered); receipt handles carry it. */
  seq: number;
  inflight: boolean;
  /** FIFO only: the message group that orders it. */
  messageGroup?: string;
}

interface Expiry {
  at: number;
  offset: number;
  seq: number;
}

export class PopQueue {
  ackOffset: number;
  nextOffset: number;
  /** Undone entries in increasing offset order (Map keeps insertion order; inserts only ever append). */
  readonly entries = new Map<number, PopEntry>();
  private readonly expiries = new MinHeap<Expiry>((e) => e.at);
  /** Entries read, not in flight and deliverable now. */
  private ready: PopEntry[] = [];
  /** FIFO: undone offsets per message group, in order; only the first may be delivered. */
  private readonly fifoGroups = new Map<string, number[]>();
  inflightCount = 0;
  /** Messages of this queue moved to the group's dead-letter topic (durable through the journal). */
  deadLettered = 0;
  /** Offsets acked before their read was recorded (journal replay after a crash): skipped when read. */
  readonly doneAhead = new Set<number>();
  /** A receive is reading new offsets of this queue: others skip it instead of reading the same offsets. */
  reading = false;

  constructor(
    readonly topic: string,
    readonly queueId: number,
    startOffset: number,
  ) {
    this.ackOffset = startOffset;
    this.nextOffset = startOffset;
  }

  /** When the earliest in-flight entry becomes visible again (may be stale: a hint for waking waiters). */
  nextExpiryAt(): number | undefined {
    return this.expiries.peek()?.at;
  }

  /** Entries read but not done. */
  get windowSize(): number {
    return this.entries.size;
  }

  /** Registers a freshly read offset that passed the filter. Returns the entry when deliverable now. */
  addRead(offset: number, commitLogOffset: number, messageGroup: string | undefined): PopEntry | undefined {
    const entry: PopEntry = { offset, commitLogOffset, attempt: 0, visibleAt: 0, seq: 0, inflight: false };
    this.nextOffset = Math.max(this.nextOffset, offset + 1);
    this.entries.set(offset, entry);
    if (messageGroup !== undefined) {
      entry.messageGroup = messageGroup;
      const list = this.fifoGroups.get(messageGroup);
      if (list) {
        list.push(offset);
        return undefined; // an earlier message of this group is not done yet
      }
      this.fifoGroups.set(messageGroup, [offset]);
    }
    return entry;
  }

  /** Marks an offset read and filtered out (done at once). */
  skipRead(offset: number): void {
    this.nextOffset = Math.max(this.nextOffset, offset + 1);
    this.advanceAckOffset();
  }

  deliver(entry: PopEntry, now: number, invisibleMs: number, seq: number): void {
    if (!entry.inflight) this.inflightCount++;
    entry.inflight = true;
    entry.attempt++;
    entry.visibleAt = now + invisibleMs;
    entry.seq = seq;
    this.expiries.push({ at: entry.visibleAt, offset: entry.offset, seq });
  }

  /** In-flight entries whose invisible time is over; they stop being in flight (the caller redelivers or DLQs). */
  takeExpired(now: number): PopEntry[] {
    const out: PopEntry[] = [];
    for (let top = this.expiries.peek(); top && top.at <= now; top = this.expiries.peek()) {
      this.expiries.pop();
      const e = this.entries.get(top.offset);
      if (!e || !e.inflight || e.seq !== top.seq) continue; // acked or re-timed since
      e.inflight = false;
      this.inflightCount--;
      out.push(e);
    }
    return out;
  }

  /** Puts an entry back as deliverable (after expiry). */
  makeReady(entry: PopEntry): void {
    this.ready.push(entry);
  }

  /** Up to `max` deliverable entries (expired first, then FIFO heads released by acks). */
  takeReady(max: number): PopEntry[] {
    if (this.ready.length === 0) return [];
    const out: PopEntry[] = [];
    const keep: PopEntry[] = [];
    for (const e of this.ready) {
      if (out.length >= max) keep.push(e);
      else if (this.entries.get(e.offset) === e && !e.inflight && this.isFifoHead(e)) out.push(e);
    }
    this.ready = keep;
    return out;
  }

  /** Puts entries taken by `takeReady` but not delivered back at the front, in their order. */
  returnReady(entries: PopEntry[]): void {
    if (entries.length > 0) this.ready = entries.concat(this.ready);
  }

  readyCount(): number {
    return this.ready.length;
  }

  private isFifoHead(e: PopEntry): boolean {
    if (e.messageGroup === undefined) return true;
    return this.fifoGroups.get(e.messageGroup)?.[0] === e.offset;
  }

  /** The entry a receipt handle points at, when that handle is still the current one. */
  current(offset: number, seq: number): PopEntry | undefined {
    const e = this.entries.get(offset);
    return e && e.inflight && e.seq === seq ? e : undefined;
  }

  changeInvisible(entry: PopEntry, now: number, invisibleMs: number, seq: number): void {
    entry.visibleAt = now + invisibleMs;
    entry.seq = seq;
    this.expiries.push({ at: entry.visibleAt, offset: entry.offset, seq });
  }

  /** The offset is done (acked or dead-lettered). Releases the next message of its FIFO group. */
  done(offset: number): void {
    const e = this.entries.get(offset);
    if (!e) return;
    this.entries.delete(offset);
    if (e.inflight) this.inflightCount--;
    e.inflight = false;
    if (e.messageGroup !== undefined) {
      const list = this.fifoGroups.get(e.messageGroup);
      if (list) {
        const i = list.indexOf(offset);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.fifoGroups.delete(e.messageGroup);
        else if (i === 0) {
          const next = this.entries.get(list[0] as number);
          if (next && !next.inflight) this.ready.push(next);
        }
      }
    }
    this.advanceAckOffset();
  }

  /** Moves consume progress to `offset`, forgetting everything in flight (offset reset, UpdateOffset). */
  reset(offset: number): void {
    this.entries.clear();
    this.expiries.clear();
    this.ready = [];
    this.fifoGroups.clear();
    this.inflightCount = 0;
    this.ackOffset = offset;
    this.nextOffset = offset;
  }

  /** Restores an entry from a snapshot or the journal (entries must be restored in offset order). */
  restore(entry: PopEntry): void {
    this.entries.set(entry.offset, entry);
    if (entry.messageGroup !== undefined) {
      const list = this.fifoGroups.get(entry.messageGroup);
      if (list) list.push(entry.offset);
      else this.fifoGroups.set(entry.messageGroup, [entry.offset]);
    }
    if (entry.inflight) {
      this.inflightCount++;
      this.expiries.push({ at: entry.visibleAt, offset: entry.offset, seq: entry.seq });
    } else if (this.isFifoHead(entry)) {
      this.ready.push(entry);
    }
    this.nextOffset = Math.max(this.nextOffset, entry.offset + 1);
  }

  advanceAckOffset(): void {
    const first = this.entries.keys().next();
    this.ackOffset = first.done ? this.nextOffset : first.value;
  }
}
