/** UpdateOffset: commits the group's consume offset of one queue. */
import type { UpdateOffsetRequest, UpdateOffsetResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkGroup, checkOffset } from '../validation.js';
import { checkConcreteQueue } from './queue.js';
import type { UnaryHandler } from './types.js';

export const updateOffset: UnaryHandler<UpdateOffsetRequest, UpdateOffsetResponse> = {
  kind: 'unary',
  rpc: 'UpdateOffset',
  async handle(rt, _ctx, req) {
    const group = checkGroup(req.group, rt.settings);
    const { topic, queueId } = checkConcreteQueue(req.messageQueue, rt.settings);
    await rt.broker.commitOffset(group, topic, queueId, checkOffset(req.offset));
    return { status: okStatus() };
  },
  failure: (status) => ({ status }),
  statusOf: (res) => res.status,
};
