/** Store options and clock of the broker-v1 fixture (make-fixture.ts), shared with its test. */
export const BROKER_FIXTURE_STORE_OPTIONS = {
  flushMode: 'sync' as const,
  segmentSize: 4096,
  consumeQueueEntriesPerFile: 8,
  indexSlotCount: 16,
  indexMaxEntries: 64,
};

export const BROKER_FIXTURE_CLOCK_START = 1_700_000_000_000;
