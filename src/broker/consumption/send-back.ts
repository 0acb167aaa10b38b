/**
 * Classic consumers' failed messages (CONSUMER_SEND_MSG_BACK): the message read back from the commit log goes to
 * `%RETRY%<group>` after RocketMQ's delay for its attempt (level 3 + reconsume times: 10 s, 30 s, 1 m, ...), or to
 * `%DLQ%<group>` once it has been retried `maxReconsumeTimes` times (or when the client asks, delay level < 0).
 * The unique key stays, so the consumer sees the same message id on every attempt.
 */
import { isStoreError, StoreErrorCode } from '../../store/errors.js';
import type { MessageStore, StoredMessage } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { BrokerError, BrokerErrorCode } from '../errors.js';
import { Prop } from '../properties.js';
import { delayLevelToMs, MAX_DELAY_LEVEL } from '../timer/index.js';
import type { TimerService } from '../timer/timer-service.js';
import type { TopicConfig } from '../types.js';

export const RETRY_PREFIX = '%RETRY%';
/** RocketMQ's default for concurrent consumers: 16 retries, so 17 deliveries in all. */
export const DEFAULT_MAX_RECONSUME_TIMES = 16;

export interface SendBackRequest {
  group: string;
  /** Commit-log offset of the message as the consumer received it. */
  commitLogOffset: number;
  /** 0: the broker's ladder; > 0: that level; < 0: straight to the dead-letter topic. */
  delayLevel: number;
  maxReconsumeTimes?: number;
  originMessageId?: string;
}

export interface SendBackResult {
  to: 'retry' | 'dlq';
  topic: string;
  reconsumeTimes: number;
}

export interface SendBackDeps {
  store: MessageStore;
  timers: TimerService;
  clock: Clock;
  logger: Logger;
  ensureRetryTopic: (group: string) => Promise<TopicConfig>;
  ensureDeadLetterTopic: (group: string) => Promise<TopicConfig>;
}

export async function sendBack(deps: SendBackDeps, req: SendBackRequest): Promise<SendBackResult> {
  // The offset comes from the client: one where no record starts is a message not found, not a store fault.
  const msg = await deps.store.read(req.commitLogOffset).catch((err: unknown) => {
    if (isStoreError(err) && err.code === StoreErrorCode.BAD_OFFSET) return undefined;
    throw err;
  });
  if (!msg) throw new BrokerError(BrokerErrorCode.MESSAGE_NOT_FOUND, `no message at commit-log offset ${req.commitLogOffset}`);
  const max = req.maxReconsumeTimes ?? Number(msg.properties['MAX_RECONSUME_TIMES'] ?? DEFAULT_MAX_RECONSUME_TIMES);
  const originTopic = msg.properties['RETRY_TOPIC'] ?? msg.topic;
  const properties: Record<string, string> = { ...msg.properties };
  properties['RETRY_TOPIC'] = originTopic;
  properties[Prop.ORIGIN_MESSAGE_ID] = msg.properties[Prop.ORIGIN_MESSAGE_ID] ?? req.originMessageId ?? msg.properties[Prop.UNIQ_KEY] ?? '';
  delete properties[Prop.REAL_TOPIC];
  delete properties[Prop.REAL_QUEUE_ID];
  delete properties[Prop.DELAY_LEVEL];
  delete properties[Prop.TIMER_DELIVER_MS];
  const reconsumeTimes = msg.reconsumeTimes + 1;
  const base = (topic: string, props: Record<string, string>): Omit<StoredMessage, 'queueOffset' | 'commitLogOffset' | 'size' | 'storeTimestamp' | 'tagsCode'> => ({
    topic,
    queueId: 0,
    flag: msg.flag,
    sysFlag: msg.sysFlag,
    bornTimestamp: msg.bornTimestamp,
    bornHost: msg.bornHost,
    storeHost: msg.storeHost,
    reconsumeTimes,
    preparedTransactionOffset: 0,
    properties: props,
    body: msg.body,
  });
  if (req.delayLevel < 0 || msg.reconsumeTimes >= max) {
    const dlq = await deps.ensureDeadLetterTopic(req.group);
    const props = { ...properties, [Prop.DLQ_ORIGIN_TOPIC]: originTopic, [Prop.DLQ_ORIGIN_GROUP]: req.group, [Prop.RECONSUME_TIME]: String(reconsumeTimes) };
    await deps.store.append(base(dlq.name, props));
    deps.logger.info({ group: req.group, topic: originTopic, messageId: properties[Prop.UNIQ_KEY], reconsumeTimes }, 'message moved to dead-letter topic');
    return { to: 'dlq', topic: dlq.name, reconsumeTimes };
  }
  const retry = await deps.ensureRetryTopic(req.group);
  const level = req.delayLevel > 0 ? Math.min(req.delayLevel, MAX_DELAY_LEVEL) : Math.min(3 + msg.reconsumeTimes, MAX_DELAY_LEVEL);
  await deps.timers.schedule(base(retry.name, properties), deps.clock.now() + delayLevelToMs(level));
  return { to: 'retry', topic: retry.name, reconsumeTimes };
}
