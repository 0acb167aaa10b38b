/** Interim in-memory MessageStore (until the real store merges): just enough of the contract for the timer. */
import type {
  AppendInput,
  AppendResult,
  ConsumeQueueEntry,
  DispatchEvent,
  MessageStore,
  QueueId,
  StoredMessage,
} from '../../../src/store/types.js';

export interface MemoryData {
  records: StoredMessage[];
  queues: Map<string, StoredMessage[]>;
  next: number;
}

export function newMemoryData(): MemoryData {
  return { records: [], queues: new Map(), next: 0 };
}

export function memoryStore(dataDir: string, data: MemoryData): MessageStore {
  const key = (t: string, q: number): string => `${t}\u0000${q}`;
  const byOffset = new Map<number, StoredMessage>();
  for (const r of data.records) byOffset.set(r.commitLogOffset, r);
  return {
    dataDir,
    recovery: { crashed: false, recoveredTo: data.next, truncatedBytes: 0, rebuilt: [], durationMs: 0 },
    async append(input: AppendInput): Promise<AppendResult> {
      const q = data.queues.get(key(input.topic, input.queueId)) ?? [];
      data.queues.set(key(input.topic, input.queueId), q);
      const size = 100 + input.body.length;
      const rec: StoredMessage = {
        ...input,
        properties: { ...input.properties },
        queueOffset: q.length,
        commitLogOffset: data.next,
        size,
        storeTimestamp: Date.now(),
        tagsCode: input.tagsCode ?? 0,
      };
      data.next += size;
      q.push(rec);
      data.records.push(rec);
      byOffset.set(rec.commitLogOffset, rec);
      await new Promise((r) => setImmediate(r));
      return { commitLogOffset: rec.commitLogOffset, queueOffset: rec.queueOffset, size, storeTimestamp: rec.storeTimestamp };
    },
    async read(off: number): Promise<StoredMessage | undefined> {
      return byOffset.get(off);
    },
    async readQueue(topic: string, queueId: number, from: number, max: number): Promise<ConsumeQueueEntry[]> {
      const q = data.queues.get(key(topic, queueId)) ?? [];
      return q.slice(from, from + max).map((r) => ({
        queueOffset: r.queueOffset,
        commitLogOffset: r.commitLogOffset,
        size: r.size,
        tagsCode: r.tagsCode,
      }));
    },
    minQueueOffset: () => 0,
    maxQueueOffset: (t: string, q: number) => data.queues.get(key(t, q))?.length ?? 0,
    queueOffsetByTime: async () => 0,
    queues: (): QueueId[] => [],
    queryByKey: async () => [],
    async queryByUniqKey(uniq: string): Promise<StoredMessage[]> {
      return data.records.filter((r) => r.properties['UNIQ_KEY'] === uniq).reverse();
    },
    onDispatch: (_l: (e: DispatchEvent) => void) => () => {},
    deleteTopicQueues: async () => {},
    runRetention: async () => ({ deletedSegments: [], kept: [] }),
    stats: () => ({
      commitLogMinOffset: 0,
      commitLogMaxOffset: data.next,
      flushedOffset: data.next,
      segments: 1,
      fsyncCount: 0,
      appendCount: data.records.length,
      commitLogBytesOnDisk: data.next,
    }),
    close: async () => {},
  };
}
