/** VIEW_MESSAGE_BY_ID (offset message ids) and QUERY_MESSAGE (by key, or by unique key). */
import { ResponseCode } from '../codes.js';
import { responseTo, type RemotingCommand } from '../command.js';
import { Header } from '../header.js';
import { encodeMessages } from '../message-codec.js';
import { storedToWire } from '../wire-message.js';
import type { RemotingContext } from './context.js';

export async function handleViewMessage(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const offset = new Header(req).int('offset', 0);
  const m = await ctx.broker.readMessageAt(offset);
  if (!m) return responseTo(req, ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${offset}`);
  return responseTo(req, ResponseCode.SUCCESS, undefined, {}, encodeMessages([storedToWire(m)], ctx.advertisedAddress()));
}

export async function handleQueryMessage(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand> {
  const h = new Header(req);
  const topic = h.str('topic');
  const key = h.str('key');
  const maxNum = Math.min(h.int('maxNum', 1, 1_000_000), 64);
  const begin = h.optTimeBound('beginTimestamp') ?? 0;
  const end = h.optTimeBound('endTimestamp') ?? Number.MAX_SAFE_INTEGER;
  const unique = req.extFields['_UNIQUE_KEY_QUERY'] === 'true';
  const found = await ctx.broker.queryStored(topic, key, maxNum, unique);
  const hits = found.filter((m) => m.storeTimestamp >= begin && m.storeTimestamp <= end);
  if (hits.length === 0) return responseTo(req, ResponseCode.QUERY_NOT_FOUND, `can not find message, maybe time range not correct`);
  const last = hits.reduce((a, m) => Math.max(a, m.storeTimestamp), 0);
  return responseTo(
    req,
    ResponseCode.SUCCESS,
    undefined,
    { indexLastUpdateTimestamp: String(last), indexLastUpdatePhyoffset: '0' },
    encodeMessages(hits.map(storedToWire), ctx.advertisedAddress()),
  );
}
