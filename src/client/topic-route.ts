/**
 * A topic's route as the name server answers it (TopicRouteData), and what clients derive from it: the queues a
 * producer writes to (writable brokers' write queues), the queues a consumer reads (readable brokers' read queues)
 * and each broker's master address (broker id 0).
 */
import { asArray, asNumber, asObject, asString } from './fastjson-parse.js';
import type { MessageQueue } from './types.js';

const PERM_READ = 0x4;
const PERM_WRITE = 0x2;

export interface TopicRoute {
  topic: string;
  /** brokerName → master address. */
  brokerAddrs: Map<string, string>;
  /** brokerName → cluster. */
  clusters: Map<string, string>;
  publishQueues: MessageQueue[];
  subscribeQueues: MessageQueue[];
  /** A fingerprint to tell whether a refresh changed anything. */
  signature: string;
}

const byQueue = (a: MessageQueue, b: MessageQueue): number =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : a.queueId - b.queueId;

export const sortQueues = (qs: MessageQueue[]): MessageQueue[] => qs.sort(byQueue);
export const queueKey = (q: MessageQueue): string => `${q.topic}@${q.brokerName}@${q.queueId}`;

export function parseTopicRoute(topic: string, body: Record<string, unknown>): TopicRoute {
  const brokerAddrs = new Map<string, string>();
  const clusters = new Map<string, string>();
  for (const raw of asArray(body['brokerDatas'])) {
    const b = asObject(raw);
    const name = asString(b['brokerName']);
    const master = asString(asObject(b['brokerAddrs'])['0']);
    if (!name) continue;
    if (master) brokerAddrs.set(name, master);
    const cluster = asString(b['cluster']);
    if (cluster) clusters.set(name, cluster);
  }
  const publishQueues: MessageQueue[] = [];
  const subscribeQueues: MessageQueue[] = [];
  for (const raw of asArray(body['queueDatas'])) {
    const q = asObject(raw);
    const brokerName = asString(q['brokerName']);
    if (!brokerName || !brokerAddrs.has(brokerName)) continue;
    const perm = asNumber(q['perm'], 6);
    if (perm & PERM_WRITE) for (let i = 0; i < asNumber(q['writeQueueNums']); i++) publishQueues.push({ topic, brokerName, queueId: i });
    if (perm & PERM_READ) for (let i = 0; i < asNumber(q['readQueueNums']); i++) subscribeQueues.push({ topic, brokerName, queueId: i });
  }
  sortQueues(publishQueues);
  sortQueues(subscribeQueues);
  const signature = JSON.stringify([[...brokerAddrs].sort(), publishQueues.map(queueKey), subscribeQueues.map(queueKey)]);
  return { topic, brokerAddrs, clusters, publishQueues, subscribeQueues, signature };
}
