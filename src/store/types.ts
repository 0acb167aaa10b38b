/**
 * The store's public types. The store knows bytes, offsets, segments and files: a record names a topic and a
 * queue id, nothing more of a topic's meaning. It imports nothing from broker/ or protocol/.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** Property names the store itself reads (as RocketMQ's store does) to build tag hashes and indexes. */
export const PROPERTY_TAGS = 'TAGS';
/** Space-separated business keys (RocketMQ `KEYS`), indexed for query by key. */
export const PROPERTY_KEYS = 'KEYS';
/** The producer-side unique message id (RocketMQ `UNIQ_KEY`), indexed for query by id. */
export const PROPERTY_UNIQ_KEY = 'UNIQ_KEY';

export type FlushMode = 'sync' | 'async';

/** What a caller hands to `append`. The store assigns queue offset, commit-log offset and store time. */
export interface AppendInput {
  topic: string;
  queueId: number;
  /** RocketMQ's user `flag` field. */
  flag: number;
  /** RocketMQ's `sysFlag` bits (transaction type etc.); opaque to the store. */
  sysFlag: number;
  bornTimestamp: number;
  bornHost: string;
  storeHost: string;
  reconsumeTimes: number;
  /** For op/commit records of transactions: the half message's commit-log offset, else 0. */
  preparedTransactionOffset: number;
  properties: Record<string, string>;
  body: Buffer;
  /**
   * Overrides the consume-queue tag code (RocketMQ stores the delivery time there for timer entries).
   * Default: hash of the `TAGS` property (Java String.hashCode), 0 when no tag.
   */
  tagsCode?: number;
}

/** One record as stored and read back. */
export interface StoredMessage extends AppendInput {
  queueOffset: number;
  commitLogOffset: number;
  /** Whole record size in bytes (header + body + topic + properties). */
  size: number;
  storeTimestamp: number;
  /** Consume-queue tag code of this record. */
  tagsCode: number;
}

export interface AppendResult {
  commitLogOffset: number;
  queueOffset: number;
  size: number;
  storeTimestamp: number;
}

/** A fixed-size consume-queue entry: where message number `queueOffset` of a queue lives in the commit log. */
export interface ConsumeQueueEntry {
  queueOffset: number;
  commitLogOffset: number;
  size: number;
  tagsCode: number;
}

/** Fired once a record is durable per the flush mode and its consume-queue entry exists. */
export interface DispatchEvent {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  tagsCode: number;
  storeTimestamp: number;
}

export interface RecoveryReport {
  /** The last stop was not clean (abort marker found). */
  crashed: boolean;
  /** Commit-log offset recovery stopped at (the new write position). */
  recoveredTo: number;
  /** Bytes cut from the tail (torn or corrupt records). */
  truncatedBytes: number;
  /** Why the tail was cut, if it was. */
  truncateReason?: string;
  /** Derived files (consume queues, indexes) that were rebuilt from the commit log. */
  rebuilt: string[];
  durationMs: number;
  /** Commit-log offset the integrity scan started at (records from there on had their CRCs checked). */
  scannedFrom?: number;
  /** Bytes of commit log the integrity scan verified (from `scannedFrom` to `recoveredTo`). */
  verifiedBytes?: number;
  /** Where re-dispatch into consume queues and the index started (= recoveredTo when nothing was missing). */
  redispatchFrom?: number;
  /** Bytes of commit-log records read again for re-dispatch (both passes). */
  redispatchedBytes?: number;
  /** Records whose consume-queue entries (and index keys) were rebuilt from the commit log at open. */
  redispatchedRecords?: number;
}

export interface RetentionOptions {
  /** Delete whole segments older than this many hours (RocketMQ fileReservedTime, default 72). */
  fileReservedHours: number;
  /** Also delete old segments once the disk holding the data dir is fuller than this ratio (0..1). */
  diskMaxUsedRatio: number;
  /** How often the retention check runs in the background, ms (0 = only when `runRetention` is called). */
  checkIntervalMs: number;
}

export interface RetentionReport {
  deletedSegments: string[];
  /** Segments that were old enough but kept, with the reason (in use, still needed by a consumer group). */
  kept: Array<{ segment: string; reason: string }>;
}

/** Hooks the store calls so metrics stay outside it. */
export interface StoreMetricsSink {
  appended(topic: string, bytes: number): void;
  flushed(durationMs: number, records: number): void;
}

export interface StoreOptions {
  dataDir: string;
  flushMode: FlushMode;
  /** Commit-log segment size in bytes (default 1 GiB; tests use small ones). */
  segmentSize?: number;
  /** Async mode: flush interval in ms (default 500, as RocketMQ's flushIntervalCommitLog). */
  asyncFlushIntervalMs?: number;
  /** Largest accepted record body in bytes (default 4 MiB). */
  maxMessageSize?: number;
  retention?: Partial<RetentionOptions>;
  /**
   * Lowest commit-log offset some consumer still needs; retention never deletes a segment holding it or later.
   * Supplied by the broker (consumer offsets, pending half messages, timers).
   */
  protectedOffset?: () => number;
  logger: Logger;
  clock?: Clock;
  metrics?: StoreMetricsSink;
  /** Entries per consume-queue file (default 300,000 = 6 MB, as RocketMQ); fixed when the data dir is created. */
  consumeQueueEntriesPerFile?: number;
  /** Hash slots per index file (default 2^19). */
  indexSlotCount?: number;
  /** Entries per index file before it is sealed (default 2^21). */
  indexMaxEntries?: number;
  /** How often consume queues are flushed (fdatasync) and the checkpoint written, ms (default 1000). */
  checkpointIntervalMs?: number;
  /** How often the in-memory index is snapshotted to disk, ms (default 10,000). */
  indexSnapshotIntervalMs?: number;
  /** Also snapshot the index once this many commit-log bytes were indexed since the last one (default 64 MiB). */
  indexSnapshotBytes?: number;
  /**
   * After a crash, how many bytes below the checkpoint's flushed offset the commit log is verified again, besides
   * everything after it (default 96 MiB; never more than the checkpoint's segment). Bounds recovery time. The
   * default is above indexSnapshotBytes so the range the index re-reads after a crash was verified first: an
   * unverified damaged record there would stop recovery (queue offsets cannot skip it) instead of being cut.
   */
  recoveryVerifyBytes?: number;
  /** Bytes of appends waiting to be written before `append` callers wait (backpressure; default 64 MiB). */
  maxPendingAppendBytes?: number;
  /** Recent commit-log bytes kept in memory for reads (default 16 MiB). */
  tailCacheBytes?: number;
  /** Disk-use probe for retention, 0..1 (default: `fs.statfs` of the data dir). Tests inject pressure here. */
  diskUsage?: (dataDir: string) => Promise<number>;
}

export interface StoreStats {
  commitLogMinOffset: number;
  /** Next write position. */
  commitLogMaxOffset: number;
  /** Everything below this is on disk (fdatasync done). */
  flushedOffset: number;
  segments: number;
  /** fdatasync calls made on the commit log since open (group commit makes this far fewer than appends). */
  fsyncCount: number;
  appendCount: number;
  commitLogBytesOnDisk: number;
}

export interface QueueId {
  topic: string;
  queueId: number;
}

/** The store's API as the broker uses it. */
export interface MessageStore {
  readonly dataDir: string;
  readonly recovery: RecoveryReport;
  /** Resolves once the record is durable per the flush mode (sync: after fdatasync; async: after write). */
  append(input: AppendInput): Promise<AppendResult>;
  /**
   * Reads the record at a commit-log offset; undefined when the offset was deleted by retention. `size` (from a
   * consume-queue entry) saves a header read. Throws StoreError BAD_OFFSET when no record starts there, CORRUPT
   * when its checksum fails.
   */
  read(commitLogOffset: number, size?: number): Promise<StoredMessage | undefined>;
  /**
   * Reads the record a consume-queue entry (or consumption state built from one) points to. Such a pointer was a
   * record when it was written, so a record that now fails its checks is damage in the commit log: it is logged
   * once per offset, naming the segment file, and read as gone, so consumers move past it instead of failing on
   * it forever.
   */
  readQueued(commitLogOffset: number, size?: number): Promise<StoredMessage | undefined>;
  /** Consume-queue entries of a queue from `fromOffset`, at most `maxCount` (fewer at the end of the queue). */
  readQueue(topic: string, queueId: number, fromOffset: number, maxCount: number): Promise<ConsumeQueueEntry[]>;
  /** Lowest queue offset still readable (raises when retention deletes segments). */
  minQueueOffset(topic: string, queueId: number): number;
  /**
   * Next queue offset to be assigned = number of messages ever stored in the queue. Counts dispatched (readable)
   * records, so appends still waiting for their write/fdatasync are not included yet.
   */
  maxQueueOffset(topic: string, queueId: number): number;
  /** First queue offset whose record was stored at or after `timestamp` (max offset if none). */
  queueOffsetByTime(topic: string, queueId: number, timestamp: number): Promise<number>;
  /** Every queue that has at least one record. */
  queues(): QueueId[];
  /** Records of `topic` whose KEYS contain `key`, newest first. */
  queryByKey(topic: string, key: string, maxCount: number): Promise<StoredMessage[]>;
  /** Records whose UNIQ_KEY equals `uniqKey` (one normally; more after a retry or a re-send). */
  queryByUniqKey(uniqKey: string, maxCount: number): Promise<StoredMessage[]>;
  /** Subscribe to dispatch events; returns the unsubscribe function. */
  onDispatch(listener: (event: DispatchEvent) => void): () => void;
  /** Forget a topic's consume queues (its commit-log records age out with retention). */
  deleteTopicQueues(topic: string): Promise<void>;
  runRetention(): Promise<RetentionReport>;
  stats(): StoreStats;
  /** Flush everything, write the checkpoint, remove the abort marker. Idempotent. */
  close(): Promise<void>;
}
