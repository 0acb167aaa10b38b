/** Consumer offsets and queue offsets: QUERY/UPDATE_CONSUMER_OFFSET, GET_MIN/MAX_OFFSET, search by time. */
import { ResponseCode } from '../codes.js';
import { responseTo, type RemotingCommand } from '../command.js';
import { Header } from '../header.js';
import type { RemotingContext } from './context.js';

function queueRange(ctx: RemotingContext, topic: string, queueId: number): { min: number; max: number } {
  const d = ctx.broker.describeTopic(topic);
  const q = d.queues[queueId];
  return q ? { min: q.minOffset, max: q.maxOffset } : { min: 0, max: 0 };
}

export function handleQueryConsumerOffset(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const h = new Header(req);
  const group = h.str('consumerGroup');
  const topic = h.str('topic');
  const queueId = h.int('queueId', 0, 65535);
  const offset = ctx.broker.queryOffset(group, topic, queueId);
  if (offset !== undefined) return responseTo(req, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
  const { min, max } = queueRange(ctx, topic, queueId);
  if (h.bool('setZeroIfNotFound', true) && min <= 0 && max > 0) {
    // RocketMQ: a new group starts at 0 while the queue still holds its first message.
    return responseTo(req, ResponseCode.SUCCESS, undefined, { offset: '0' });
  }
  return responseTo(req, ResponseCode.QUERY_NOT_FOUND, 'Not found, maybe this group consumer boot first');
}

export async function handleUpdateConsumerOffset(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const h = new Header(req);
  await ctx.broker.commitOffset(h.str('consumerGroup'), h.str('topic'), h.int('queueId', 0, 65535), h.int('commitOffset', 0));
  return responseTo(req, ResponseCode.SUCCESS);
}

export function handleMaxOffset(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const h = new Header(req);
  return responseTo(req, ResponseCode.SUCCESS, undefined, { offset: String(queueRange(ctx, h.str('topic'), h.int('queueId', 0, 65535)).max) });
}

export function handleMinOffset(ctx: RemotingContext, req: RemotingCommand): RemotingCommand {
  const h = new Header(req);
  return responseTo(req, ResponseCode.SUCCESS, undefined, { offset: String(queueRange(ctx, h.str('topic'), h.int('queueId', 0, 65535)).min) });
}

export async function handleSearchOffset(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const h = new Header(req);
  const offset = await ctx.broker.searchOffset(h.str('topic'), h.int('queueId', 0, 65535), h.int('timestamp', 0));
  return responseTo(req, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
}

export async function handleEarliestStoreTime(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const h = new Header(req);
  const topic = h.str('topic');
  const queueId = h.int('queueId', 0, 65535);
  const { min, max } = queueRange(ctx, topic, queueId);
  if (max <= min) return responseTo(req, ResponseCode.SYSTEM_ERROR, `queue ${topic}/${queueId} holds no message`);
  const r = await ctx.broker.pullStored(topic, queueId, min, 1);
  const first = r.messages[0];
  if (!first) return responseTo(req, ResponseCode.SYSTEM_ERROR, `queue ${topic}/${queueId} holds no message`);
  return responseTo(req, ResponseCode.SUCCESS, undefined, { timestamp: String(first.storeTimestamp) });
}
