/**
 * AllocateMessageQueueAveragely: queues and client ids both sorted, each client takes one contiguous run; the
 * first `queues % clients` clients take one more. Every member computes the same split from the same inputs.
 */
import type { MessageQueue } from './types.js';

export function allocateAveragely(queues: readonly MessageQueue[], clientIds: readonly string[], me: string): MessageQueue[] {
  const cids = [...clientIds].sort();
  const index = cids.indexOf(me);
  if (index < 0 || queues.length === 0) return [];
  const n = queues.length;
  const c = cids.length;
  const mod = n % c;
  const average = n <= c ? 1 : mod > 0 && index < mod ? Math.floor(n / c) + 1 : Math.floor(n / c);
  const start = mod > 0 && index < mod ? index * average : index * average + mod;
  const range = Math.min(average, n - start);
  const out: MessageQueue[] = [];
  for (let i = 0; i < range; i++) out.push(queues[(start + i) % n] as MessageQueue);
  return out;
}
