/** GetOffset: the group's committed consume offset of one queue. */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type { GetOffsetRequest, GetOffsetResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkGroup, fail } from '../validation.js';
import { checkConcreteQueue } from './queue.js';
import type { UnaryHandler } from './types.js';

export const getOffset: UnaryHandler<GetOffsetRequest, GetOffsetResponse> = {
  kind: 'unary',
  rpc: 'GetOffset',
  async handle(rt, _ctx, req) {
    const group = checkGroup(req.group, rt.settings);
    const { topic, queueId } = checkConcreteQueue(req.messageQueue, rt.settings);
    if (!rt.broker.getTopic(topic)) fail(Code.TOPIC_NOT_FOUND, `topic ${topic} does not exist`);
    const offset = rt.broker.queryOffset(group, topic, queueId);
    if (offset === undefined) fail(Code.OFFSET_NOT_FOUND, `group ${group} has no offset on ${topic} queue ${queueId}`);
    return { status: okStatus(), offset };
  },
  failure: (status) => ({ status, offset: 0 }),
  statusOf: (res) => res.status,
};
