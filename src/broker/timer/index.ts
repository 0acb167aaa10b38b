/** Durable delay / timer messages: the service, record helpers, recall handles and 4.x delay levels. */
export { TimerService, type TimerServiceOptions, type ScheduleResult, type TimerStats } from './timer-service.js';
export {
  TIMER_TOPIC,
  TIMER_QUEUE_ID,
  TIMER_OP_TOPIC,
  TIMER_OP_QUEUE_ID,
  toTimerAppendInput,
  toRealAppendInput,
  realTopicOf,
  appendToRealTopic,
} from './timer-record.js';
export { delayLevelToMs, MIN_DELAY_LEVEL, MAX_DELAY_LEVEL } from './delay-level.js';
export { encodeRecallHandle, decodeRecallHandle, type RecallHandle } from './recall-handle.js';
