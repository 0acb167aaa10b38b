/**
 * Queue locks of orderly classic consumers (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ): one client of a consumer group
 * holds a queue at a time, so messages of one queue are processed in order by one consumer. A lock not renewed
 * within `ttlMs` (RocketMQ: 60 s; clients renew every 20 s) lapses.
 */
export interface QueueRef {
  topic: string;
  brokerName: string;
  queueId: number;
}

interface Holder {
  clientId: string;
  renewedAt: number;
}

export class QueueLockTable {
  private readonly locks = new Map<string, Map<string, Holder>>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 60_000,
    private readonly maxLocks = 1_000_000,
  ) {}

  private static key(q: QueueRef): string {
    return `${q.topic}\u0001${q.queueId}`;
  }

  /** Locks or renews what is free or already this client's; returns the queues the client now holds. */
  lock(group: string, clientId: string, queues: readonly QueueRef[]): QueueRef[] {
    const now = this.now();
    let table = this.locks.get(group);
    if (!table) this.locks.set(group, (table = new Map()));
    const held: QueueRef[] = [];
    for (const q of queues) {
      const k = QueueLockTable.key(q);
      const h = table.get(k);
      if (!h || h.clientId === clientId || now - h.renewedAt > this.ttlMs) {
        if (!h && this.size() >= this.maxLocks) continue;
        table.set(k, { clientId, renewedAt: now });
        held.push(q);
      }
    }
    return held;
  }

  unlock(group: string, clientId: string, queues: readonly QueueRef[]): void {
    const table = this.locks.get(group);
    if (!table) return;
    for (const q of queues) {
      const k = QueueLockTable.key(q);
      if (table.get(k)?.clientId === clientId) table.delete(k);
    }
    if (table.size === 0) this.locks.delete(group);
  }

  /** A client that went away gives up its locks at once (no 60 s wait for the others). */
  releaseClient(clientId: string): void {
    for (const [group, table] of this.locks) {
      for (const [k, h] of table) if (h.clientId === clientId) table.delete(k);
      if (table.size === 0) this.locks.delete(group);
    }
  }

  private size(): number {
    let n = 0;
    for (const t of this.locks.values()) n += t.size;
    return n;
  }
}
