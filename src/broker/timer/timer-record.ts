/**
 * The durable shapes of timers in the commit log:
 * - a **timer record** on `rmq_sys_wheel_timer` queue 0 is the user's message moved there, with its real
 *   topic/queue in properties and its delivery time both in `TIMER_DELIVER_MS` and in the consume-queue tag code
 *   (as RocketMQ does), so a restart rebuilds pending timers from 20-byte consume-queue entries alone;
 * - an **op record** on `rmq_sys_timer_op` queue 0 says a timer is finished (delivered, recalled or dropped); its
 *   tag code is the finished timer's id (the timer record's commit-log offset), again readable from the
 *   consume queue alone.
 */
import { randomBytes } from 'node:crypto';
import type { AppendInput, MessageStore, StoredMessage } from '../../store/types.js';
import { Prop } from '../properties.js';

/** RocketMQ 5's timer topic name (TimerMessageStore.TIMER_TOPIC); one queue. */
export const TIMER_TOPIC = 'rmq_sys_wheel_timer';
export const TIMER_QUEUE_ID = 0;
/** Apogee's marker topic for finished timers; one queue. */
export const TIMER_OP_TOPIC = 'rmq_sys_timer_op';
export const TIMER_OP_QUEUE_ID = 0;

/** Properties of op records (system topic only; never seen by clients). */
export const OpProp = {
  KIND: 'TIMER_OP',
  TIMER_ID: 'TIMER_ID',
  REAL_TOPIC: Prop.REAL_TOPIC,
} as const;

export type TimerOpKind = 'delivered' | 'recalled' | 'dropped';

const EMPTY = Buffer.alloc(0);

/**
 * Moves `input` (addressed to its real topic/queue) to the timer topic. Properties are copied, never mutated in
 * the caller's object. A message without a UNIQ_KEY gets one: restart de-duplication looks the delivered copy up
 * by it.
 */
export function toTimerAppendInput(input: AppendInput, deliverAt: number): AppendInput {
  const properties: Record<string, string> = { ...input.properties };
  properties[Prop.REAL_TOPIC] = input.topic;
  properties[Prop.REAL_QUEUE_ID] = String(input.queueId);
  properties[Prop.TIMER_DELIVER_MS] = String(deliverAt);
  if (!properties[Prop.UNIQ_KEY]) properties[Prop.UNIQ_KEY] = randomBytes(16).toString('hex').toUpperCase();
  return {
    topic: TIMER_TOPIC,
    queueId: TIMER_QUEUE_ID,
    flag: input.flag,
    sysFlag: input.sysFlag,
    bornTimestamp: input.bornTimestamp,
    bornHost: input.bornHost,
    storeHost: input.storeHost,
    reconsumeTimes: input.reconsumeTimes,
    preparedTransactionOffset: input.preparedTransactionOffset,
    properties,
    body: input.body,
    tagsCode: deliverAt,
  };
}

/**
 * Rebuilds the message for its real topic/queue from a timer record (what the broker's `deliver` appends).
 * Keeps UNIQ_KEY (restart de-duplication depends on it) and TIMER_DELIVER_MS (clients see the delivery time).
 */
export function toRealAppendInput(timerRecord: StoredMessage): AppendInput {
  const properties: Record<string, string> = { ...timerRecord.properties };
  const realTopic = properties[Prop.REAL_TOPIC];
  const realQueueId = Number(properties[Prop.REAL_QUEUE_ID]);
  if (!realTopic || !Number.isInteger(realQueueId) || realQueueId < 0) {
    throw new Error(`timer record at ${timerRecord.commitLogOffset} has no valid real topic/queue`);
  }
  delete properties[Prop.REAL_TOPIC];
  delete properties[Prop.REAL_QUEUE_ID];
  return {
    topic: realTopic,
    queueId: realQueueId,
    flag: timerRecord.flag,
    sysFlag: timerRecord.sysFlag,
    bornTimestamp: timerRecord.bornTimestamp,
    bornHost: timerRecord.bornHost,
    storeHost: timerRecord.storeHost,
    reconsumeTimes: timerRecord.reconsumeTimes,
    preparedTransactionOffset: timerRecord.preparedTransactionOffset,
    properties,
    body: timerRecord.body,
  };
}

/** The real topic a timer record is addressed to ('' when the record is not a timer record). */
export function realTopicOf(timerRecord: StoredMessage): string {
  return timerRecord.properties[Prop.REAL_TOPIC] ?? '';
}

export function toOpAppendInput(timerId: number, kind: TimerOpKind, realTopic: string, now: number, storeHost: string): AppendInput {
  return {
    topic: TIMER_OP_TOPIC,
    queueId: TIMER_OP_QUEUE_ID,
    flag: 0,
    sysFlag: 0,
    bornTimestamp: now,
    bornHost: storeHost,
    storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    properties: { [OpProp.KIND]: kind, [OpProp.TIMER_ID]: String(timerId), [OpProp.REAL_TOPIC]: realTopic },
    body: EMPTY,
    tagsCode: timerId,
  };
}

/**
 * The simplest `deliver`: append the rebuilt message to its real topic/queue. The broker may wrap it (topic
 * checks, metrics); tests and the bench use it as is.
 */
export function appendToRealTopic(store: MessageStore): (timerRecord: StoredMessage) => Promise<void> {
  return async (timerRecord) => {
    await store.append(toRealAppendInput(timerRecord));
  };
}
