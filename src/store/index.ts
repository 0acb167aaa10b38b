/** The store's entry point: `openMessageStore` recovers the data dir and returns a ready MessageStore. */
import { DefaultMessageStore } from './message-store.js';
import type { MessageStore, StoreOptions } from './types.js';

export * from './types.js';
export { StoreError, StoreErrorCode, isStoreError } from './errors.js';

/**
 * Opens (creating if needed) the store in `options.dataDir`: takes the dir lock, verifies the commit-log tail,
 * rebuilds derived files as needed (see `store.recovery`) and starts the flush/checkpoint/retention timers.
 * Throws StoreError: BAD_OPTIONS, LOCKED (another live store holds the dir), CORRUPT (unrecoverable layout).
 */
export async function openMessageStore(options: StoreOptions): Promise<MessageStore> {
  return DefaultMessageStore.open(options);
}
