/**
 * Where a consumer starts on a queue it just took (computePullFromWhere): its committed offset if any; else
 * by ConsumeFromWhere — the end of the queue (retry topics: the beginning), the beginning, or the first
 * message stored at or after a timestamp.
 */
import { RequestCode } from '../protocol/remoting/codes.js';
import type { ClientInstance } from './client-instance.js';
import { MQClientError } from './errors.js';
import type { OffsetStore } from './offset-store.js';
import { ConsumeFromWhere, type MessageQueue } from './types.js';

export async function queueOffsetAt(instance: ClientInstance, q: MessageQueue, what: 'max' | 'min' | { timestamp: number }): Promise<number> {
  const addr = instance.brokerAddr(q.brokerName);
  if (!addr) throw new MQClientError('NO_ROUTE', `no address for broker ${q.brokerName}`);
  const code = what === 'max' ? RequestCode.GET_MAX_OFFSET : what === 'min' ? RequestCode.GET_MIN_OFFSET : RequestCode.SEARCH_OFFSET_BY_TIMESTAMP;
  const ext: Record<string, string> = { topic: q.topic, queueId: String(q.queueId), bname: q.brokerName };
  if (typeof what === 'object') ext['timestamp'] = String(what.timestamp);
  const r = await instance.connections.invoke(addr, code, ext, undefined, instance.options.requestTimeoutMs);
  const n = Number(r.extFields['offset'] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export async function startOffset(instance: ClientInstance, store: OffsetStore, q: MessageQueue, where: ConsumeFromWhere, timestamp: number | undefined): Promise<number> {
  const stored = await store.read(q, true);
  if (stored >= 0) return stored;
  const retry = q.topic.startsWith('%RETRY%');
  switch (where) {
    case ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET:
      return 0;
    case ConsumeFromWhere.CONSUME_FROM_TIMESTAMP:
      return retry ? queueOffsetAt(instance, q, 'max') : queueOffsetAt(instance, q, { timestamp: timestamp ?? Date.now() - 30 * 60_000 });
    default:
      return retry ? 0 : queueOffsetAt(instance, q, 'max');
  }
}
