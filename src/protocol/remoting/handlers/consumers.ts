/**
 * Classic clients' membership: HEART_BEAT (producer and consumer groups with subscriptions), UNREGISTER_CLIENT,
 * GET_CONSUMER_LIST_BY_GROUP (rebalance), CONSUMER_SEND_MSG_BACK (retry / DLQ) and the orderly consumers'
 * LOCK_BATCH_MQ / UNLOCK_BATCH_MQ.
 */
import type { ConsumerDeclaration, MessageModel, Subscription } from '../../../broker/clients/group-membership.js';
import type { QueueRef } from '../../../broker/consumption/queue-locks.js';
import { ResponseCode } from '../codes.js';
import { responseTo, type RemotingCommand } from '../command.js';
import type { RemotingConnection } from '../connection.js';
import { Header, jsonBody, RemotingRequestError, toJsonBody } from '../header.js';
import type { RemotingContext } from './context.js';
import { filterOf } from './pull.js';

/** Producer group every classic client registers for its internal sends; it never answers check-backs. */
const CLIENT_INNER_PRODUCER = 'CLIENT_INNER_PRODUCER';
const MAX_GROUPS_PER_HEARTBEAT = 1000;

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function consumerOf(raw: unknown): ConsumerDeclaration | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const c = raw as Record<string, unknown>;
  const group = text(c['groupName']);
  if (!group) return undefined;
  const subscriptions: Subscription[] = [];
  for (const s of list(c['subscriptionDataSet'])) {
    if (typeof s !== 'object' || s === null) continue;
    const r = s as Record<string, unknown>;
    const topic = text(r['topic']);
    if (!topic) continue;
    let filter;
    try {
      filter = filterOf(text(r['subString']), text(r['expressionType']));
    } catch {
      throw new RemotingRequestError(ResponseCode.SUBSCRIPTION_PARSE_FAILED, `subscription of ${topic} has expression type '${String(r['expressionType'])}'`);
    }
    subscriptions.push({ topic, filter, subVersion: Number(r['subVersion'] ?? 0) || 0 });
  }
  const model = text(c['messageModel']) === 'BROADCASTING' ? 'BROADCASTING' : 'CLUSTERING';
  return {
    group,
    consumeType: text(c['consumeType']) ?? 'CONSUME_PASSIVELY',
    messageModel: model as MessageModel,
    consumeFromWhere: text(c['consumeFromWhere']) ?? 'CONSUME_FROM_LAST_OFFSET',
    subscriptions,
  };
}

export async function handleHeartbeat(ctx: RemotingContext, req: RemotingCommand, conn: RemotingConnection): Promise<RemotingCommand> {
  const body = jsonBody(req, 'heartbeat');
  const clientId = text(body['clientID']);
  if (!clientId) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, 'heartbeat has no clientID');
  const producers = list(body['producerDataSet'])
    .map((p) => (typeof p === 'object' && p !== null ? text((p as Record<string, unknown>)['groupName']) : undefined))
    .filter((g): g is string => g !== undefined && g !== CLIENT_INNER_PRODUCER);
  const consumers = list(body['consumerDataSet']).map(consumerOf).filter((c): c is ConsumerDeclaration => c !== undefined);
  if (producers.length + consumers.length > MAX_GROUPS_PER_HEARTBEAT) {
    throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `heartbeat names more than ${MAX_GROUPS_PER_HEARTBEAT} groups`);
  }
  for (const c of consumers) {
    try {
      await ctx.broker.resolveGroup(c.group);
      // Clustering consumers re-consume through %RETRY%<group>; it must exist before their first send-back.
      if (c.messageModel === 'CLUSTERING') await ctx.broker.ensureRetryTopic(c.group);
    } catch (err) {
      // One bad group name must not cost the client its other groups; its pulls will get the reason.
      ctx.logger.warn({ group: c.group, clientId, err: (err as Error).message }, 'heartbeat names a consumer group the broker refuses');
    }
  }
  conn.clientId = clientId;
  const change = ctx.membership.heartbeat(clientId, conn, { language: req.language, version: req.version }, producers, consumers);
  if (change.consumerGroupsChanged.length > 0) ctx.notifyConsumerIdsChanged(change.consumerGroupsChanged);
  return responseTo(req, ResponseCode.SUCCESS);
}

export function handleUnregister(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const h = new Header(req);
  const change = ctx.membership.unregister(h.str('clientID'), h.optStr('producerGroup'), h.optStr('consumerGroup'));
  if (change.consumerGroupsChanged.length > 0) ctx.notifyConsumerIdsChanged(change.consumerGroupsChanged);
  return responseTo(req, ResponseCode.SUCCESS);
}

export function handleConsumerList(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const group = new Header(req).str('consumerGroup');
  const ids = ctx.membership.consumerIds(group);
  if (ids.length === 0) return responseTo(req, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${group}`);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ consumerIdList: ids }));
}

export async function handleSendBack(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const h = new Header(req);
  const maxReconsumeTimes = h.optInt('maxReconsumeTimes', -1, 1_000_000);
  const originMessageId = h.optStr('originMsgId');
  await ctx.broker.sendBack({
    group: h.str('group'),
    commitLogOffset: h.int('offset', 0),
    delayLevel: h.int('delayLevel', -(2 ** 31), 2 ** 31 - 1),
    ...(maxReconsumeTimes !== undefined && maxReconsumeTimes >= 0 ? { maxReconsumeTimes } : {}),
    ...(originMessageId !== undefined ? { originMessageId } : {}),
  });
  return responseTo(req, ResponseCode.SUCCESS);
}

function queuesOf(body: Record<string, unknown>): QueueRef[] {
  const out: QueueRef[] = [];
  for (const q of list(body['mqSet'])) {
    if (typeof q !== 'object' || q === null) continue;
    const r = q as Record<string, unknown>;
    const topic = text(r['topic']);
    const queueId = r['queueId'];
    if (!topic || typeof queueId !== 'number' || !Number.isInteger(queueId)) continue;
    out.push({ topic, brokerName: text(r['brokerName']) ?? '', queueId });
  }
  if (out.length > 100_000) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, 'lock request names more than 100000 queues');
  return out;
}

export function handleLockBatch(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const body = jsonBody(req, 'lock request');
  const group = text(body['consumerGroup']);
  const clientId = text(body['clientId']);
  if (!group || !clientId) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, 'lock request needs consumerGroup and clientId');
  const locked = ctx.broker.queueLocks.lock(group, clientId, queuesOf(body));
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ lockOKMQSet: locked }));
}

export function handleUnlockBatch(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const body = jsonBody(req, 'unlock request');
  const group = text(body['consumerGroup']);
  const clientId = text(body['clientId']);
  if (!group || !clientId) throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, 'unlock request needs consumerGroup and clientId');
  ctx.broker.queueLocks.unlock(group, clientId, queuesOf(body));
  return responseTo(req, ResponseCode.SUCCESS);
}
