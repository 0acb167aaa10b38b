/**
 * QueryOffset: a queue's first or next offset. TIMESTAMP needs an offset-by-time lookup the broker API does
 * not offer yet, so it answers NOT_IMPLEMENTED.
 */
import { Code, QueryOffsetPolicy } from '../generated/apache/rocketmq/v2/definition.js';
import type { QueryOffsetRequest, QueryOffsetResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { fail } from '../validation.js';
import { checkConcreteQueue } from './queue.js';
import type { UnaryHandler } from './types.js';

export const queryOffset: UnaryHandler<QueryOffsetRequest, QueryOffsetResponse> = {
  kind: 'unary',
  rpc: 'QueryOffset',
  async handle(rt, _ctx, req) {
    const { topic, queueId } = checkConcreteQueue(req.messageQueue, rt.settings);
    if (!rt.broker.getTopic(topic)) fail(Code.TOPIC_NOT_FOUND, `topic ${topic} does not exist`);
    const queue = rt.broker.describeTopic(topic).queues.find((q) => q.queueId === queueId);
    if (!queue) fail(Code.BAD_REQUEST, `topic ${topic} has no queue ${queueId}`);
    switch (req.queryOffsetPolicy) {
      case QueryOffsetPolicy.BEGINNING:
        return { status: okStatus(), offset: queue.minOffset };
      case QueryOffsetPolicy.END:
        return { status: okStatus(), offset: queue.maxOffset };
      case QueryOffsetPolicy.TIMESTAMP:
        fail(Code.NOT_IMPLEMENTED, 'query_offset_policy TIMESTAMP is not supported yet');
      default:
        fail(Code.BAD_REQUEST, `query_offset_policy ${req.queryOffsetPolicy} is not BEGINNING, END or TIMESTAMP`);
    }
  },
  failure: (status) => ({ status, offset: 0 }),
  statusOf: (res) => res.status,
};
