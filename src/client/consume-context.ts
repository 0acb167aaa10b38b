/** What a push consumer's consume services share: group, model, offsets, the concurrency bound, the broker. */
import { RequestCode } from '../protocol/remoting/codes.js';
import type { ClientInstance } from './client-instance.js';
import { MQClientError } from './errors.js';
import type { OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';
import type { Semaphore } from './semaphore.js';
import { retryTopicOf } from './subscription.js';
import type { MessageExt, MessageModel } from './types.js';

export interface ConsumeContext {
  group: string;
  model: MessageModel;
  instance: ClientInstance;
  offsetStore: OffsetStore;
  slots: Semaphore;
  batchSize: number;
  maxReconsumeTimes: number;
  /** Orderly: after this many re-offers a failing message goes to the DLQ (default: never, as the Java client). */
  orderlyMaxReconsumeTimes: number | undefined;
  suspendCurrentQueueTimeMillis: number;
  running(): boolean;
  /** Lock the queue now (orderly, clustering); true when this client holds it. */
  lock(pq: ProcessQueue): Promise<boolean>;
}

export interface ConsumeService {
  submit(pq: ProcessQueue, messages: MessageExt[]): void;
  /** Resolves when no consume task runs any more. */
  drain(): Promise<void>;
}

/** Messages redelivered through %RETRY%<group> carry their real topic in RETRY_TOPIC; show that one. */
export function resetRetryTopic(group: string, messages: MessageExt[]): void {
  const retry = retryTopicOf(group);
  for (const m of messages) {
    const real = m.systemProperties?.['RETRY_TOPIC'];
    if (real && m.topic === retry) m.topic = real;
  }
}

/** CONSUMER_SEND_MSG_BACK: the broker stores the message again in the group's retry topic (or its DLQ). */
export async function sendMessageBack(ctx: ConsumeContext, m: MessageExt, delayLevel: number): Promise<void> {
  const addr = ctx.instance.brokerAddr(m.brokerName) ?? (m.storeHost || undefined);
  if (!addr) throw new MQClientError('NO_ROUTE', `no address for broker ${m.brokerName}`);
  await ctx.instance.connections.invoke(
    addr,
    RequestCode.CONSUMER_SEND_MSG_BACK,
    {
      offset: String(m.commitLogOffset),
      group: ctx.group,
      delayLevel: String(delayLevel),
      originMsgId: m.msgId,
      originTopic: m.topic,
      unitMode: 'false',
      maxReconsumeTimes: String(ctx.maxReconsumeTimes),
      bname: m.brokerName,
    },
    undefined,
    ctx.instance.options.requestTimeoutMs,
  );
}

/** Tracks running tasks so shutdown can wait for them. */
export class TaskCounter {
  private n = 0;
  private idle: Array<() => void> = [];

  begin(): void {
    this.n++;
  }

  end(): void {
    this.n--;
    if (this.n === 0) for (const r of this.idle.splice(0)) r();
  }

  whenIdle(): Promise<void> {
    return this.n === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }
}
