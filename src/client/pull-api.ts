/**
 * PULL_MESSAGE for both consumers: long polling (FLAG_SUSPEND), the subscription sent with every pull
 * (FLAG_SUBSCRIPTION, so a restarted broker needs no heartbeat first), an offset committed on the way
 * (FLAG_COMMIT_OFFSET). Found messages are decoded and, for TAG subscriptions, filtered on the client too.
 */
import { RequestCode, ResponseCode } from '../protocol/remoting/codes.js';
import { decodeMessages } from '../protocol/remoting/message-codec.js';
import type { BrokerConnections } from './broker-connections.js';
import { MQBrokerError } from './errors.js';
import { toMessageExt } from './message-convert.js';
import type { Subscription } from './subscription.js';
import type { MessageExt, MessageQueue } from './types.js';

const FLAG_COMMIT_OFFSET = 0x1;
const FLAG_SUSPEND = 0x2;
const FLAG_SUBSCRIPTION = 0x4;

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  status: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  messages: MessageExt[];
}

export interface PullRequest {
  group: string;
  queue: MessageQueue;
  offset: number;
  maxNums: number;
  subscription: Subscription;
  /** ≥ 0: commit this offset with the pull. */
  commitOffset: number;
  /** 0: answer at once; else the broker holds the pull up to this long. */
  suspendMs: number;
  timeoutMs: number;
}

export async function pullMessages(connections: BrokerConnections, addr: string, p: PullRequest): Promise<PullResult> {
  let sysFlag = FLAG_SUBSCRIPTION;
  if (p.commitOffset >= 0) sysFlag |= FLAG_COMMIT_OFFSET;
  if (p.suspendMs > 0) sysFlag |= FLAG_SUSPEND;
  const r = await connections.invokeRaw(
    addr,
    RequestCode.PULL_MESSAGE,
    {
      consumerGroup: p.group,
      topic: p.queue.topic,
      queueId: String(p.queue.queueId),
      queueOffset: String(p.offset),
      maxMsgNums: String(p.maxNums),
      sysFlag: String(sysFlag),
      commitOffset: String(Math.max(0, p.commitOffset)),
      suspendTimeoutMillis: String(p.suspendMs),
      subscription: p.subscription.expression,
      subVersion: String(p.subscription.subVersion),
      expressionType: p.subscription.expressionType,
      bname: p.queue.brokerName,
    },
    undefined,
    p.timeoutMs,
  );
  const num = (k: string, d: number): number => {
    const v = Number(r.extFields[k]);
    return Number.isFinite(v) ? v : d;
  };
  const base = { nextBeginOffset: num('nextBeginOffset', p.offset), minOffset: num('minOffset', 0), maxOffset: num('maxOffset', 0) };
  switch (r.code) {
    case ResponseCode.SUCCESS: {
      const all = r.body ? decodeMessages(r.body).map((w) => toMessageExt(w, p.queue.brokerName)) : [];
      const tags = p.subscription.tags;
      const messages = tags.size > 0 ? all.filter((m) => m.tags !== undefined && tags.has(m.tags)) : all;
      return { status: messages.length > 0 ? 'FOUND' : 'NO_MATCHED_MSG', ...base, messages };
    }
    case ResponseCode.PULL_NOT_FOUND:
      return { status: 'NO_NEW_MSG', ...base, messages: [] };
    case ResponseCode.PULL_RETRY_IMMEDIATELY:
      return { status: 'NO_MATCHED_MSG', ...base, messages: [] };
    case ResponseCode.PULL_OFFSET_MOVED:
      return { status: 'OFFSET_ILLEGAL', ...base, messages: [] };
    default:
      throw new MQBrokerError(r.code, r.remark, addr);
  }
}
