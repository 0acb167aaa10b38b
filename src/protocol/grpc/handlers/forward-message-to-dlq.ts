/** ForwardMessageToDeadLetterQueue: the client gave up on a message (FIFO after max attempts). */
import type {
  ForwardMessageToDeadLetterQueueRequest,
  ForwardMessageToDeadLetterQueueResponse,
} from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkGroup, checkReceiptHandle, checkTopic } from '../validation.js';
import type { UnaryHandler } from './types.js';

export const forwardMessageToDeadLetterQueue: UnaryHandler<
  ForwardMessageToDeadLetterQueueRequest,
  ForwardMessageToDeadLetterQueueResponse
> = {
  kind: 'unary',
  rpc: 'ForwardMessageToDeadLetterQueue',
  async handle(rt, _ctx, req) {
    const group = checkGroup(req.group, rt.settings);
    const topic = checkTopic(req.topic, rt.settings);
    await rt.broker.forwardToDeadLetter(group, topic, checkReceiptHandle(req.receiptHandle));
    return { status: okStatus() };
  },
  failure: (status) => ({ status }),
  statusOf: (res) => res.status,
};
