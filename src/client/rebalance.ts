/**
 * Which queues of a topic this consumer should own now: every readable queue in broadcasting; in clustering the
 * average share among the group's live members (GET_CONSUMER_LIST_BY_GROUP from a broker of the topic). And the
 * orderly consumers' queue locks (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ), per broker.
 */
import { RequestCode } from '../protocol/remoting/codes.js';
import { allocateAveragely } from './allocate.js';
import type { ClientInstance } from './client-instance.js';
import { asArray, asNumber, asObject, asString, parseFastjson } from './fastjson-parse.js';
import { queueKey } from './topic-route.js';
import { MessageModel, type MessageQueue } from './types.js';

/** undefined when it cannot be known now (no route, no broker answering): keep what is owned. */
export async function queuesToOwn(instance: ClientInstance, group: string, topic: string, model: MessageModel): Promise<MessageQueue[] | undefined> {
  const route = (await instance.updateRoute(topic).catch(() => undefined)) ?? instance.cachedRoute(topic);
  if (!route) return undefined;
  const all = route.subscribeQueues;
  if (model === MessageModel.BROADCASTING) return all;
  const addrs = [...route.brokerAddrs.values()];
  const first = Math.floor(Math.random() * addrs.length);
  for (let i = 0; i < addrs.length; i++) {
    const addr = addrs[(first + i) % addrs.length] as string;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const r = await instance.connections.invoke(addr, RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group }, undefined, instance.options.requestTimeoutMs);
        const ids = asArray(parseFastjson(r.body, 'consumer list')['consumerIdList']).filter((x): x is string => typeof x === 'string');
        if (ids.includes(instance.clientId)) return allocateAveragely(all, ids, instance.clientId);
      } catch (err) {
        instance.logger.debug({ group, addr, err: (err as Error).message }, 'consumer list not available');
      }
      // The broker has not seen our heartbeat yet (just connected, or restarted): say hello, then ask again.
      if (attempt === 0 && !(await instance.heartbeatTo(addr))) break;
    }
  }
  return undefined;
}

function mqJson(q: MessageQueue): { topic: string; brokerName: string; queueId: number } {
  return { topic: q.topic, brokerName: q.brokerName, queueId: q.queueId };
}

/** Locks queues on their brokers; returns the keys of the queues now locked by this client. */
export async function lockQueues(instance: ClientInstance, group: string, queues: readonly MessageQueue[]): Promise<Set<string>> {
  const byBroker = new Map<string, MessageQueue[]>();
  for (const q of queues) {
    const list = byBroker.get(q.brokerName) ?? [];
    list.push(q);
    byBroker.set(q.brokerName, list);
  }
  const locked = new Set<string>();
  await Promise.all(
    [...byBroker].map(async ([brokerName, qs]) => {
      const addr = instance.brokerAddr(brokerName);
      if (!addr) return;
      try {
        const body = Buffer.from(JSON.stringify({ consumerGroup: group, clientId: instance.clientId, mqSet: qs.map(mqJson) }));
        const r = await instance.connections.invoke(addr, RequestCode.LOCK_BATCH_MQ, {}, body, instance.options.requestTimeoutMs);
        for (const raw of asArray(parseFastjson(r.body, 'lock answer')['lockOKMQSet'])) {
          const o = asObject(raw);
          const topic = asString(o['topic']);
          if (topic) locked.add(queueKey({ topic, brokerName: asString(o['brokerName']) ?? brokerName, queueId: asNumber(o['queueId']) }));
        }
      } catch (err) {
        instance.logger.debug({ group, brokerName, err: (err as Error).message }, 'queue lock failed');
      }
    }),
  );
  return locked;
}

export async function unlockQueues(instance: ClientInstance, group: string, queues: readonly MessageQueue[]): Promise<void> {
  const byBroker = new Map<string, MessageQueue[]>();
  for (const q of queues) byBroker.set(q.brokerName, [...(byBroker.get(q.brokerName) ?? []), q]);
  await Promise.all(
    [...byBroker].map(async ([brokerName, qs]) => {
      const addr = instance.brokerAddr(brokerName);
      if (!addr) return;
      const body = Buffer.from(JSON.stringify({ consumerGroup: group, clientId: instance.clientId, mqSet: qs.map(mqJson) }));
      await instance.connections.invoke(addr, RequestCode.UNLOCK_BATCH_MQ, {}, body, 1000).catch(() => undefined);
    }),
  );
}
