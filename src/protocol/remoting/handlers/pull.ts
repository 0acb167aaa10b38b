/**
 * PULL_MESSAGE (and LITE_PULL_MESSAGE): a plain read of one queue from an offset, with the subscription from the
 * request or from the consumer's heartbeat, the consumer's offset committed on the way (FLAG_COMMIT_OFFSET), and
 * long polling (FLAG_SUSPEND): nothing new → the request is held until a message arrives or the suspend time ends.
 */
import { isBrokerError } from '../../../broker/errors.js';
import type { FilterSpec } from '../../../broker/types.js';
import { ResponseCode } from '../codes.js';
import { responseTo, type RemotingCommand } from '../command.js';
import type { RemotingConnection } from '../connection.js';
import { Header, RemotingRequestError } from '../header.js';
import { encodeMessages } from '../message-codec.js';
import { storedToWire } from '../wire-message.js';
import type { RemotingContext } from './context.js';

export const PullSysFlag = { COMMIT_OFFSET: 0x1, SUSPEND: 0x2, SUBSCRIPTION: 0x4, CLASS_FILTER: 0x8, LITE_PULL: 0x10 } as const;

/** RocketMQ holds a pull at most this long whatever the client asks (brokerSuspendMaxTimeMillis is 15 s by default). */
const MAX_SUSPEND_MS = 30_000;

export function filterOf(expression: string | undefined, type: string | undefined): FilterSpec | undefined {
  const t = (type ?? 'TAG').toUpperCase();
  if (t === 'SQL92') return { type: 'SQL', expression: expression ?? '' };
  if (t !== 'TAG') throw new RemotingRequestError(ResponseCode.SUBSCRIPTION_PARSE_FAILED, `expression type '${type}' is not TAG or SQL92`);
  const e = (expression ?? '*').trim();
  return e === '' || e === '*' ? undefined : { type: 'TAG', expression: e };
}

export async function handlePull(ctx: RemotingContext, req: RemotingCommand, conn: RemotingConnection): Promise<RemotingCommand> {
  const h = new Header(req);
  const group = h.str('consumerGroup');
  const topic = h.str('topic');
  const queueId = h.int('queueId', 0, 65535);
  const offset = h.int('queueOffset', 0);
  const maxNums = Math.min(h.int('maxMsgNums', 1, 1_000_000), 1024);
  const sysFlag = h.int('sysFlag', 0, 2 ** 31 - 1);
  const commitOffset = h.optInt('commitOffset', -1) ?? -1;
  const suspendMs = Math.min(h.optInt('suspendTimeoutMillis', 0) ?? 0, MAX_SUSPEND_MS);
  const maxBytes = h.optInt('maxMsgBytes', 1) ?? Number.MAX_SAFE_INTEGER;

  let filter: FilterSpec | undefined;
  if ((sysFlag & PullSysFlag.SUBSCRIPTION) !== 0) filter = filterOf(h.optStr('subscription'), h.optStr('expressionType'));
  else {
    const sub = ctx.membership.subscription(group, topic);
    if (!sub) {
      throw new RemotingRequestError(ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription of ${topic} in group ${group} does not exist (no heartbeat declared it)`);
    }
    filter = sub.filter;
  }

  if ((sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && commitOffset >= 0) {
    await ctx.broker.commitOffset(group, topic, queueId, commitOffset).catch((err: unknown) => {
      if (!isBrokerError(err)) throw err;
      ctx.logger.debug({ group, topic, queueId, commitOffset, err: err.message }, 'offset committed with a pull refused');
    });
  }

  const pullOnce = () => ctx.broker.pullStored(topic, queueId, offset, maxNums, filter, maxBytes);
  let r = await pullOnce();
  const headerOf = (next: number): Record<string, string> => ({
    suggestWhichBrokerId: '0',
    nextBeginOffset: String(next),
    minOffset: String(r.minOffset),
    maxOffset: String(r.maxOffset),
    topicSysFlag: '0',
    groupSysFlag: '0',
  });
  if (offset < r.minOffset) return responseTo(req, ResponseCode.PULL_OFFSET_MOVED, `offset ${offset} is below the queue's minimum ${r.minOffset}`, headerOf(r.minOffset));
  if (offset > r.maxOffset) return responseTo(req, ResponseCode.PULL_OFFSET_MOVED, `offset ${offset} is beyond the queue's maximum ${r.maxOffset}`, headerOf(r.maxOffset));
  if (r.messages.length === 0 && r.scanned === 0 && (sysFlag & PullSysFlag.SUSPEND) !== 0 && suspendMs > 0 && !conn.isClosed) {
    await ctx.pullHolds.wait(topic, queueId, suspendMs, conn.whenClosed());
    if (conn.isClosed) return responseTo(req, ResponseCode.PULL_NOT_FOUND, 'connection closed', headerOf(offset));
    r = await pullOnce();
  }
  if (r.messages.length > 0) {
    const body = encodeMessages(r.messages.map(storedToWire), ctx.advertisedAddress());
    return responseTo(req, ResponseCode.SUCCESS, undefined, headerOf(r.nextOffset), body);
  }
  if (r.scanned > 0) return responseTo(req, ResponseCode.PULL_RETRY_IMMEDIATELY, 'no message matched the subscription', headerOf(r.nextOffset));
  return responseTo(req, ResponseCode.PULL_NOT_FOUND, 'no new message', headerOf(Math.max(offset, r.nextOffset)));
}
