/**
 * QueryAssignment: which queues a push consumer should receive from. Like RocketMQ 5's pop mode, a normal
 * group gets one "any queue" assignment (id -1) and a FIFO group one assignment per readable queue; every
 * ReceiveMessage pops across the topic's queues either way.
 */
import { PERM_READ, PERM_WRITE } from '../../../broker/types.js';
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type { QueryAssignmentRequest, QueryAssignmentResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkGroup, checkTopic, fail } from '../validation.js';
import { routeEndpoints } from './endpoints.js';
import { permissionOf } from './query-route.js';
import type { UnaryHandler } from './types.js';

export const queryAssignment: UnaryHandler<QueryAssignmentRequest, QueryAssignmentResponse> = {
  kind: 'unary',
  rpc: 'QueryAssignment',
  async handle(rt, ctx, req) {
    const topic = checkTopic(req.topic, rt.settings);
    const group = checkGroup(req.group, rt.settings);
    const cfg = rt.broker.getTopic(topic);
    if (!cfg) fail(Code.TOPIC_NOT_FOUND, `topic ${topic} does not exist`);
    if ((cfg.perm & PERM_READ) === 0 || cfg.readQueueNums === 0) fail(Code.FORBIDDEN, `topic ${topic} has no readable queue`);
    const fifo = rt.broker.getGroup(group)?.fifo ?? false;
    const broker = { name: rt.brokerName, id: 0, endpoints: routeEndpoints(rt, ctx, req.endpoints) };
    const permission = permissionOf(true, (cfg.perm & PERM_WRITE) !== 0);
    const ids = fifo ? Array.from({ length: cfg.readQueueNums }, (_, i) => i) : [-1];
    return {
      status: okStatus(),
      assignments: ids.map((id) => ({
        messageQueue: { topic: req.topic!, id, permission, broker, acceptMessageTypes: [] },
      })),
    };
  },
  failure: (status) => ({ status, assignments: [] }),
  statusOf: (res) => res.status,
};
