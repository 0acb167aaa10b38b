/**
 * The admin requests behind mqadmin's everyday commands: topics (create/update, delete, list, config, stats),
 * subscription groups (create/update, delete, list), connections, consume stats, runtime info.
 */
import { statfs } from 'node:fs/promises';
import { MESSAGE_TYPES, type GroupConfig, type MessageType, type TopicConfig } from '../../../broker/types.js';
import { ResponseCode } from '../codes.js';
import { responseTo, type RemotingCommand } from '../command.js';
import { messageQueueKeyedMap } from '../fastjson.js';
import { Header, jsonBody, RemotingRequestError, toJsonBody } from '../header.js';
import type { RemotingContext } from './context.js';

const startedAt = Date.now();

export function topicConfigJson(t: TopicConfig): Record<string, unknown> {
  return {
    topicName: t.name,
    readQueueNums: t.readQueueNums,
    writeQueueNums: t.writeQueueNums,
    perm: t.perm,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: t.messageType === 'FIFO',
    attributes: { 'message.type': t.messageType === 'DELAY' ? 'DELAY' : t.messageType },
  };
}

function groupConfigJson(g: GroupConfig): Record<string, unknown> {
  return {
    groupName: g.name,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    consumeMessageOrderly: g.fifo,
    retryQueueNums: 1,
    retryMaxTimes: Math.max(0, g.maxDeliveryAttempts - 1),
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    groupSysFlag: 0,
    consumeTimeoutMinute: 15,
    subscriptionDataSet: [],
    attributes: {},
  };
}

const dataVersion = (): Record<string, unknown> => ({ timestamp: Date.now(), counter: 1, stateVersion: 0 });

/** `+message.type=FIFO,+other=x` → the message type, if named. */
function messageTypeOfAttributes(attrs: string | undefined): MessageType | undefined {
  if (!attrs) return undefined;
  for (const part of attrs.split(',')) {
    const m = /^\+?message\.type=(\w+)$/.exec(part.trim());
    if (m) {
      const t = (m[1] as string).toUpperCase();
      if (t === 'MIXED') return 'NORMAL';
      if (!(MESSAGE_TYPES as readonly string[]).includes(t)) {
        throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `message.type '${m[1]}' is not one of ${MESSAGE_TYPES.join(', ')}`);
      }
      return t as MessageType;
    }
  }
  return undefined;
}

export async function handleUpdateAndCreateTopic(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const h = new Header(req);
  const name = h.str('topic');
  const read = h.optInt('readQueueNums', 1, 1024) ?? 8;
  const write = h.optInt('writeQueueNums', 1, 1024) ?? 8;
  const perm = h.optInt('perm', 0, 7) ?? 6;
  const order = h.bool('order', false);
  const messageType = messageTypeOfAttributes(h.optStr('attributes')) ?? (order ? 'FIFO' : undefined);
  const spec = { name, readQueueNums: read, writeQueueNums: write, perm, ...(messageType ? { messageType } : {}) };
  if (ctx.broker.getTopic(name)) await ctx.broker.updateTopic(spec);
  else await ctx.broker.createTopic(spec);
  return responseTo(req, ResponseCode.SUCCESS);
}

export async function handleDeleteTopic(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  await ctx.broker.deleteTopic(new Header(req).str('topic'));
  return responseTo(req, ResponseCode.SUCCESS);
}

export function handleAllTopicConfig(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const table: Record<string, unknown> = {};
  for (const t of ctx.broker.listTopics()) table[t.name] = topicConfigJson(t);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ topicConfigTable: table, dataVersion: dataVersion() }));
}

export function handleTopicConfig(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const name = new Header(req).str('topic');
  const t = ctx.broker.getTopic(name);
  if (!t) return responseTo(req, ResponseCode.TOPIC_NOT_EXIST, `No topic in this broker. topic: ${name}`);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ topicConfig: topicConfigJson(t) }));
}

/**
 * Store time of the message at a queue offset, 0 when there is none (empty queue, expired): RocketMQ's
 * lastUpdateTimestamp (topicStatus) and lastTimestamp (consumerProgress) are such store times.
 */
async function storeTimeAt(ctx: RemotingContext, topic: string, queueId: number, offset: number): Promise<number> {
  if (offset < 0) return 0;
  try {
    const r = await ctx.broker.pull(topic, queueId, offset, 1);
    const m = r.messages[0];
    return m && m.queueOffset === offset ? m.storeTimestamp : 0;
  } catch {
    return 0; // e.g. a retry topic not created yet: no time to show
  }
}

export async function handleTopicStats(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const name = new Header(req).str('topic');
  const t = ctx.broker.getTopic(name);
  if (!t) return responseTo(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${name}] not exist`);
  const d = ctx.broker.describeTopic(name);
  const entries = [];
  for (const q of d.queues) {
    const last = q.maxOffset > q.minOffset ? await storeTimeAt(ctx, name, q.queueId, q.maxOffset - 1) : 0;
    entries.push([{ brokerName: ctx.brokerName, queueId: q.queueId, topic: name }, { minOffset: q.minOffset, maxOffset: q.maxOffset, lastUpdateTimestamp: last }] as const);
  }
  const table = messageQueueKeyedMap(entries);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(`{"offsetTable":${table}}`, 'utf8'));
}

export async function handleUpdateSubscriptionGroup(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const body = jsonBody(req, 'subscription group config');
  const name = body['groupName'];
  if (typeof name !== 'string' || name.length === 0) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, 'subscription group config has no groupName');
  const retryMax = typeof body['retryMaxTimes'] === 'number' ? (body['retryMaxTimes'] as number) : undefined;
  const spec = {
    name,
    ...(typeof body['consumeMessageOrderly'] === 'boolean' ? { fifo: body['consumeMessageOrderly'] as boolean } : {}),
    ...(retryMax !== undefined && Number.isInteger(retryMax) && retryMax >= 0 ? { maxDeliveryAttempts: retryMax + 1 } : {}),
  };
  if (ctx.broker.getGroup(name)) await ctx.broker.updateGroup(spec);
  else await ctx.broker.createGroup(spec);
  return responseTo(req, ResponseCode.SUCCESS);
}

export async function handleDeleteSubscriptionGroup(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  await ctx.broker.deleteGroup(new Header(req).str('groupName'));
  return responseTo(req, ResponseCode.SUCCESS);
}

export function handleAllSubscriptionGroups(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const table: Record<string, unknown> = {};
  for (const g of ctx.broker.listGroups()) table[g.name] = groupConfigJson(g);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ subscriptionGroupTable: table, dataVersion: dataVersion() }));
}

export function handleSubscriptionGroupConfig(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const name = new Header(req).str('group');
  const g = ctx.broker.getGroup(name);
  if (!g) return responseTo(req, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group ${name} does not exist`);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody(groupConfigJson(g)));
}

const connectionJson = (m: { clientId: string; channel: { remoteAddress: string }; language: string; version: number }): Record<string, unknown> => ({
  clientId: m.clientId,
  clientAddr: m.channel.remoteAddress,
  language: m.language,
  version: m.version,
});

export function handleConsumerConnections(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const group = new Header(req).str('consumerGroup');
  const members = ctx.membership.consumersOf(group);
  const first = members[0];
  if (!first) return responseTo(req, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${group}] not online`);
  const subscriptionTable: Record<string, unknown> = {};
  for (const s of first.declaration.subscriptions) {
    subscriptionTable[s.topic] = {
      classFilterMode: false,
      topic: s.topic,
      subString: s.filter?.expression ?? '*',
      tagsSet: s.filter?.type === 'TAG' ? s.filter.expression.split('||').map((t) => t.trim()) : [],
      codeSet: [],
      subVersion: s.subVersion,
      expressionType: s.filter?.type === 'SQL' ? 'SQL92' : 'TAG',
    };
  }
  return responseTo(
    req,
    ResponseCode.SUCCESS,
    undefined,
    {},
    toJsonBody({
      connectionSet: members.map(connectionJson),
      subscriptionTable,
      consumeType: first.declaration.consumeType,
      messageModel: first.declaration.messageModel,
      consumeFromWhere: first.declaration.consumeFromWhere,
    }),
  );
}

export function handleProducerConnections(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const group = new Header(req).str('producerGroup');
  const members = ctx.membership.producersOf(group);
  if (members.length === 0) return responseTo(req, ResponseCode.SYSTEM_ERROR, `the producer group[${group}] not exist`);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ connectionSet: members.map(connectionJson) }));
}

export async function handleConsumeStats(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const h = new Header(req);
  const group = h.str('consumerGroup');
  const onlyTopic = h.optStr('topic');
  if (!ctx.broker.getGroup(group)) return responseTo(req, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group ${group} does not exist`);
  const d = ctx.broker.describeGroup(group);
  const entries = [];
  for (const q of d.queues) {
    if (onlyTopic !== undefined && q.topic !== onlyTopic) continue;
    // As RocketMQ: the store time of the last message the group has consumed (0 prints as N/A).
    const last = q.offset > 0 ? await storeTimeAt(ctx, q.topic, q.queueId, q.offset - 1) : 0;
    entries.push([{ brokerName: ctx.brokerName, queueId: q.queueId, topic: q.topic }, { brokerOffset: q.maxOffset, consumerOffset: q.offset, pullOffset: q.offset, lastTimestamp: last }] as const);
  }
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(`{"consumeTps":0.0,"offsetTable":${messageQueueKeyedMap(entries)}}`, 'utf8'));
}

export function handleTopicConsumedByWho(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const topic = new Header(req).str('topic');
  const groups = new Set<string>(ctx.membership.groupsConsuming(topic));
  for (const g of ctx.broker.listGroups()) if (ctx.broker.queryOffset(g.name, topic, 0) !== undefined) groups.add(g.name);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ groupList: [...groups] }));
}

/** The data dir's file system: RocketMQ's commitLogDiskRatio (clusterList's #SPACE) and commitLogDirCapacity. */
async function diskUsage(dir: string): Promise<{ ratio: string; capacity: string }> {
  try {
    const fs = await statfs(dir);
    const total = fs.blocks * fs.bsize;
    const free = fs.bavail * fs.bsize;
    const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GiB`;
    return { ratio: total > 0 ? ((total - free) / total).toFixed(2) : '0.0', capacity: `Total : ${gib(total)}, Free : ${gib(free)}.` };
  } catch {
    return { ratio: '0.0', capacity: 'unknown' };
  }
}

export async function handleBrokerRuntimeInfo(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const s = ctx.broker.store.stats();
  const t = ctx.broker.transactionStats();
  const disk = await diskUsage(ctx.broker.store.dataDir);
  // RocketMQ's earliestMessageTimeStamp (clusterList's #Hour) is the oldest stored message's store time.
  const earliest = s.commitLogMaxOffset > s.commitLogMinOffset ? await ctx.broker.readMessageAt(s.commitLogMinOffset).catch(() => undefined) : undefined;
  const table: Record<string, string> = {
    brokerVersionDesc: 'V5_4_0',
    brokerVersion: '722',
    brokerActive: 'true',
    msgPutTotalYesterdayMorning: '0',
    msgPutTotalTodayMorning: '0',
    msgPutTotalTodayNow: String(s.appendCount),
    msgGetTotalYesterdayMorning: '0',
    msgGetTotalTodayMorning: '0',
    msgGetTotalTodayNow: '0',
    putTps: '0.0 0.0 0.0',
    getTransferredTps: '0.0 0.0 0.0',
    getFoundTps: '0.0 0.0 0.0',
    dispatchBehindBytes: '0',
    pageCacheLockTimeMills: '0',
    earliestMessageTimeStamp: String(earliest?.storeTimestamp ?? startedAt),
    startAcceptSendRequestTimeStamp: '0',
    commitLogDiskRatio: disk.ratio,
    commitLogDirCapacity: disk.capacity,
    commitLogMinOffset: String(s.commitLogMinOffset),
    commitLogMaxOffset: String(s.commitLogMaxOffset),
    remainHowManyDataToFlush: `${Math.max(0, s.commitLogMaxOffset - s.flushedOffset)} B`,
    remainHowManyDataToCommit: '0 B',
    remainTransientStoreBufferNumbs: '0',
    sendThreadPoolQueueSize: '0',
    sendThreadPoolQueueCapacity: '10000',
    pullThreadPoolQueueSize: '0',
    pullThreadPoolQueueCapacity: '100000',
    sendThreadPoolQueueHeadWaitTimeMills: '0',
    pullThreadPoolQueueHeadWaitTimeMills: '0',
    queryThreadPoolQueueHeadWaitTimeMills: '0',
    queryThreadPoolQueueSize: '0',
    queryThreadPoolQueueCapacity: '20000',
    // Apogee has no thread pools; RocketMQ's clusterList prints these queue sizes (an absent one shows as N)
    ackThreadPoolQueueSize: '0',
    ackThreadPoolQueueCapacity: '100000',
    ackThreadPoolQueueHeadWaitTimeMills: '0',
    litePullThreadPoolQueueSize: '0',
    litePullThreadPoolQueueCapacity: '100000',
    litePullThreadPoolQueueHeadWaitTimeMills: '0',
    timerReadBehind: '0',
    timerOffsetBehind: '0',
    timerCongestNum: '0',
    timerEnqueueTps: '0.0',
    timerDequeueTps: '0.0',
    EndTransactionQueueSize: String(t.pending),
    EndTransactionThreadPoolQueueCapacity: '100000',
    bootTimestamp: String(startedAt),
  };
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ table }));
}

export function handleBrokerConfig(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const lines = [`brokerName=${ctx.brokerName}`, `brokerClusterName=${ctx.clusterName}`, 'brokerId=0', 'brokerRole=ASYNC_MASTER', `listenPort=${ctx.advertisedAddress().split(':').pop() ?? ''}`];
  return responseTo(req, ResponseCode.SUCCESS, undefined, { version: JSON.stringify(dataVersion()) }, Buffer.from(lines.join('\n') + '\n', 'utf8'));
}
