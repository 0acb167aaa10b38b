/** The store's entry point. The implementation lands with the commit-log work (issue 3). */
import type { MessageStore, StoreOptions } from './types.js';

export * from './types.js';

export async function openMessageStore(options: StoreOptions): Promise<MessageStore> {
  void options;
  throw new Error('store not implemented yet');
}
