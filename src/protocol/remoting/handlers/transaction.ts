/**
 * END_TRANSACTION (the producer's COMMIT / ROLLBACK, first-hand or as its answer to a check-back) and the
 * check-back channel: CHECK_TRANSACTION_STATE goes, one-way, to one live producer connection of the half
 * message's own producer group, carrying the half message with its real topic so the client's listener sees it.
 */
import type { CheckBackChannel } from '../../../broker/transaction/check-channel.js';
import { RequestCode, ResponseCode } from '../codes.js';
import { isOneway, responseTo, type RemotingCommand } from '../command.js';
import { Header, RemotingRequestError } from '../header.js';
import { encodeMessages, MsgSysFlag, offsetMessageId } from '../message-codec.js';
import { halfViewToWire } from '../wire-message.js';
import type { RemotingContext } from './context.js';

export async function handleEndTransaction(ctx: RemotingContext, req: RemotingCommand): Promise<RemotingCommand | undefined> {
  const h = new Header(req);
  const kind = h.int('commitOrRollback', -(2 ** 31), 2 ** 31 - 1);
  const fromCheck = h.bool('fromTransactionCheck', false);
  const transactionId = h.optStr('transactionId') ?? h.str('msgId');
  const group = h.optStr('producerGroup');
  const done = (code: number, remark?: string): RemotingCommand | undefined => (isOneway(req) ? undefined : responseTo(req, code, remark));
  if (kind === 0) {
    // UNKNOW: the transaction stays pending and is checked again later.
    ctx.logger.debug({ transactionId, group, fromCheck }, 'producer answered UNKNOW');
    return done(ResponseCode.SUCCESS);
  }
  if (kind !== MsgSysFlag.TRANSACTION_COMMIT && kind !== MsgSysFlag.TRANSACTION_ROLLBACK) {
    throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, `commitOrRollback is ${kind}, not 0 (unknown), 8 (commit) or 12 (rollback)`);
  }
  try {
    await ctx.broker.endTransaction({
      transactionId,
      resolution: kind === MsgSysFlag.TRANSACTION_COMMIT ? 'COMMIT' : 'ROLLBACK',
      source: fromCheck ? 'check' : 'client',
    });
  } catch (err) {
    // One-way: the producer never sees this; the log says why its end was refused.
    if (isOneway(req)) ctx.logger.warn({ transactionId, group, err: (err as Error).message }, 'END_TRANSACTION refused');
    throw err;
  }
  return done(ResponseCode.SUCCESS);
}

export function remotingCheckBackChannel(ctx: RemotingContext): CheckBackChannel {
  return {
    sendCheck(producerGroup, message, transactionId) {
      const member = ctx.membership.pickProducer(producerGroup);
      if (!member || member.channel.isClosed) return false;
      const addr = ctx.advertisedAddress();
      const body = encodeMessages([halfViewToWire(message, producerGroup)], addr);
      return member.channel.sendOneway(
        RequestCode.CHECK_TRANSACTION_STATE,
        {
          topic: message.topic,
          tranStateTableOffset: String(message.queueOffset),
          commitLogOffset: String(message.commitLogOffset),
          msgId: message.messageId,
          transactionId,
          offsetMsgId: offsetMessageId(addr, message.commitLogOffset),
          bname: ctx.brokerName,
        },
        body,
      );
    },
  };
}
