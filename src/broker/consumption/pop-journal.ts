/**
 * Durable pop-consumption state: a journal of state changes kept in the commit log (system topic
 * RMQ_SYS_POP_JOURNAL, queue 0, so it shares the store's group commit, CRC checks and crash recovery) plus a
 * periodic snapshot in `<dataDir>/config/pop-state.json` naming the journal offset from which to replay.
 *
 * Every journal record is idempotent to replay (newer delivery sequence numbers win, done offsets stay done), so
 * a snapshot taken while appends are in flight is safe: the state changes are applied in memory before their
 * record is appended, so everything below the journal's max offset at snapshot time is already in the snapshot.
 */
import type { PopEntry } from './pop-queue.js';

export const POP_JOURNAL_TOPIC = 'RMQ_SYS_POP_JOURNAL';

/** [offset, commitLogOffset, attempt, visibleAt, seq, inflight(1/0), messageGroup?] */
export type EntryTuple = [number, number, number, number, number, number, string?];

export type JournalRecord =
  /** First use of a queue by a group: where it starts. Also offset resets and UpdateOffset. */
  | { k: 'S'; g: string; t: string; q: number; o: number }
  /** A receive read [a, b): the delivered and the waiting (FIFO-blocked) entries; the rest were filtered out. */
  | { k: 'R'; g: string; t: string; q: number; a: number; b: number; e: EntryTuple[] }
  /** Redeliveries and invisible-time changes of entries already read. */
  | { k: 'P'; g: string; t: string; q: number; e: EntryTuple[] }
  /** Offsets done: acked. */
  | { k: 'A'; g: string; t: string; q: number; o: number[] }
  /** Offsets done by a move to the dead-letter topic (counted per queue). */
  | { k: 'D'; g: string; t: string; q: number; o: number[] }
  /** A consumer group was deleted. */
  | { k: 'X'; g: string };

export interface QueueData {
  group: string;
  topic: string;
  queueId: number;
  ack: number;
  next: number;
  entries: Map<number, PopEntry>;
  /** Offsets acked at or past `next` (an ack's record survived a crash that lost the read's record). */
  doneAhead: Set<number>;
  /** Messages of this queue moved to the dead-letter topic so far. */
  dl: number;
}

export interface SnapshotFileV1 {
  version: 1;
  /** Journal queue offset to replay from. */
  journalOffset: number;
  queues: Array<{ g: string; t: string; q: number; ack: number; next: number; e: EntryTuple[]; dl?: number }>;
}

export function queueKey(group: string, topic: string, queueId: number): string {
  return `${group}\u0000${topic}\u0000${queueId}`;
}

export function toTuple(e: PopEntry): EntryTuple {
  const t: EntryTuple = [e.offset, e.commitLogOffset, e.attempt, e.visibleAt, e.seq, e.inflight ? 1 : 0];
  if (e.messageGroup !== undefined) t.push(e.messageGroup);
  return t;
}

export function fromTuple(t: EntryTuple): PopEntry {
  const e: PopEntry = { offset: t[0], commitLogOffset: t[1], attempt: t[2], visibleAt: t[3], seq: t[4], inflight: t[5] === 1 };
  if (t[6] !== undefined) e.messageGroup = t[6];
  return e;
}

function dataFor(state: Map<string, QueueData>, g: string, t: string, q: number, start: number): QueueData {
  const key = queueKey(g, t, q);
  let d = state.get(key);
  if (!d) {
    d = { group: g, topic: t, queueId: q, ack: start, next: start, entries: new Map(), doneAhead: new Set(), dl: 0 };
    state.set(key, d);
  }
  return d;
}

function upsert(d: QueueData, tuple: EntryTuple): void {
  const [offset] = tuple;
  if (offset < d.ack || d.doneAhead.has(offset)) return;
  const cur = d.entries.get(offset);
  if (cur && cur.seq >= tuple[4]) return;
  if (!cur && offset < d.next) return; // below `next` without an entry: already done
  d.entries.set(offset, fromTuple(tuple));
}

/** Applies one journal record to the replay state (idempotent). */
export function applyJournalRecord(state: Map<string, QueueData>, rec: JournalRecord): void {
  switch (rec.k) {
    case 'X':
      for (const [key, d] of state) if (d.group === rec.g) state.delete(key);
      return;
    case 'S': {
      const d = state.get(queueKey(rec.g, rec.t, rec.q));
      if (!d) {
        dataFor(state, rec.g, rec.t, rec.q, rec.o);
      } else {
        d.ack = rec.o;
        d.next = rec.o;
        d.entries.clear();
        d.doneAhead.clear();
      }
      return;
    }
    case 'R': {
      const d = dataFor(state, rec.g, rec.t, rec.q, rec.a);
      if (rec.b <= d.next) {
        for (const t of rec.e) upsert(d, t);
        return;
      }
      const oldNext = d.next;
      d.next = rec.b;
      for (const t of rec.e) {
        if (t[0] >= oldNext && !d.doneAhead.has(t[0])) d.entries.set(t[0], fromTuple(t));
        else upsert(d, t);
      }
      for (const o of [...d.doneAhead]) if (o < d.next) d.doneAhead.delete(o);
      return;
    }
    case 'P': {
      const d = state.get(queueKey(rec.g, rec.t, rec.q));
      if (d) for (const t of rec.e) upsert(d, t);
      return;
    }
    case 'A':
    case 'D': {
      const d = state.get(queueKey(rec.g, rec.t, rec.q));
      if (!d) return;
      for (const o of rec.o) {
        // Counted only when this record is what makes the offset done, so replaying it twice counts it once.
        let changed: boolean;
        if (o >= d.next) changed = !d.doneAhead.has(o) && d.doneAhead.add(o) !== undefined;
        else changed = d.entries.delete(o);
        if (changed && rec.k === 'D') d.dl++;
      }
      return;
    }
  }
}

export function isJournalRecord(v: unknown): v is JournalRecord {
  return typeof v === 'object' && v !== null && typeof (v as { k?: unknown }).k === 'string';
}
