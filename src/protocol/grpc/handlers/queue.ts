import { Code, type MessageQueue } from '../generated/apache/rocketmq/v2/definition.js';
import type { GrpcSettings } from '../settings.js';
import { checkTopic, fail } from '../validation.js';

/** A message_queue field naming one concrete queue → topic name + queue id. */
export function checkConcreteQueue(mq: MessageQueue | undefined, settings: GrpcSettings): { topic: string; queueId: number } {
  if (!mq) fail(Code.BAD_REQUEST, 'message_queue is required');
  const topic = checkTopic(mq.topic, settings, 'message_queue.topic');
  if (!Number.isInteger(mq.id) || mq.id < 0) fail(Code.BAD_REQUEST, `message_queue.id ${mq.id} must name one queue (>= 0)`);
  return { topic, queueId: mq.id };
}
