/** The records in test/fixtures/store-v1 (shared by its generator and its test). */
import type { AppendInput } from '../../src/store/index.js';

export const FIXTURE_OPTIONS = {
  flushMode: 'sync' as const,
  segmentSize: 1024,
  consumeQueueEntriesPerFile: 4,
  indexSlotCount: 16,
  indexMaxEntries: 9,
};

export const FIXTURE_CLOCK_START = 1_700_000_000_000;

export function fixtureInputs(): AppendInput[] {
  const out: AppendInput[] = [];
  for (let i = 0; i < 6; i++) {
    out.push({
      topic: i % 3 === 2 ? 'RMQ_SYS_TRANS_HALF_TOPIC' : 'Orders',
      queueId: i % 2,
      flag: i,
      sysFlag: i % 3 === 2 ? 0x4 : 0,
      bornTimestamp: FIXTURE_CLOCK_START - 1000 + i,
      bornHost: `192.168.0.${i}:5${i}000`,
      storeHost: '10.1.1.1:10911',
      reconsumeTimes: i % 4,
      preparedTransactionOffset: i === 5 ? 12345 : 0,
      properties: {
        TAGS: `tag-${i % 2}`,
        KEYS: `order-${i} customer-${i % 3}`,
        UNIQ_KEY: `7F00000100002A9F0000000000000${String(i).padStart(3, '0')}`,
        ...(i === 4 ? { 'ключ': 'значение', EMPTY: '' } : {}),
      },
      body: Buffer.from(`fixture record ${i}: ${'the quick brown fox '.repeat(1 + (i % 3))}`),
      ...(i === 3 ? { tagsCode: 1_700_000_360_000 } : {}),
    });
  }
  return out;
}
