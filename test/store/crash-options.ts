/** Store options shared by the crash test and its child process (small files so crashes hit every boundary). */
export const CRASH_STORE_OPTIONS = {
  flushMode: 'sync' as const,
  segmentSize: 64 * 1024,
  consumeQueueEntriesPerFile: 128,
  indexSlotCount: 128,
  indexMaxEntries: 512,
  checkpointIntervalMs: 40,
  indexSnapshotIntervalMs: 90,
};
