/**
 * All consume queues, by topic then queue id (two map look-ups, no key string built per append), plus loading
 * them from `consumequeue/<topic>/<queueId>/` at open.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConsumeQueue } from './consume-queue.js';
import type { HandlePool } from './handle-pool.js';

export class ConsumeQueueTable {
  private readonly byTopic = new Map<string, Map<number, ConsumeQueue>>();
  /** Bumped when queues appear or disappear (the checkpoint's queue list changes). */
  version = 0;

  constructor(
    readonly rootDir: string,
    private readonly entriesPerFile: number,
    private readonly pool: HandlePool,
  ) {}

  get(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.byTopic.get(topic)?.get(queueId);
  }

  getOrCreate(topic: string, queueId: number): ConsumeQueue {
    let m = this.byTopic.get(topic);
    if (!m) {
      m = new Map();
      this.byTopic.set(topic, m);
    }
    let q = m.get(queueId);
    if (!q) {
      q = new ConsumeQueue(topic, queueId, join(this.rootDir, topic, String(queueId)), this.entriesPerFile, this.pool);
      m.set(queueId, q);
      this.version++;
    }
    return q;
  }

  *all(): IterableIterator<ConsumeQueue> {
    for (const m of this.byTopic.values()) yield* m.values();
  }

  /** Removes a topic's queues from the table (the caller drops their files). */
  removeTopic(topic: string): ConsumeQueue[] {
    const m = this.byTopic.get(topic);
    if (!m) return [];
    this.byTopic.delete(topic);
    this.version++;
    return [...m.values()];
  }

  get unflushed(): number {
    let n = 0;
    for (const q of this.all()) n += q.unflushed;
    return n;
  }

  async flushAll(durable: boolean): Promise<void> {
    for (const q of [...this.all()]) if (q.unflushed > 0) await q.flush(durable);
  }

  /**
   * Loads every queue directory (sync, open time). Returns queues whose files are damaged (the caller rebuilds
   * them) and whether the root directory existed at all.
   */
  loadAll(): { rootExisted: boolean; broken: Array<{ queue: ConsumeQueue; reason: string }> } {
    const broken: Array<{ queue: ConsumeQueue; reason: string }> = [];
    if (!existsSync(this.rootDir)) return { rootExisted: false, broken };
    for (const topic of readdirSync(this.rootDir)) {
      const topicDir = join(this.rootDir, topic);
      let ids: string[];
      try {
        ids = readdirSync(topicDir);
      } catch {
        continue; // a stray file, not a topic directory
      }
      for (const id of ids) {
        if (!/^\d+$/.test(id)) continue;
        const queueId = Number(id);
        if (!Number.isSafeInteger(queueId) || queueId > 2147483647) continue;
        const q = this.getOrCreate(topic, queueId);
        const reason = q.load();
        if (reason !== undefined) broken.push({ queue: q, reason });
      }
    }
    return { rootExisted: true, broken };
  }
}
