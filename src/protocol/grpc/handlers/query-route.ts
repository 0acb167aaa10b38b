/** QueryRoute: every queue of the topic with its permission, all on this broker. */
import { PERM_READ, PERM_WRITE, type TopicConfig } from '../../../broker/types.js';
import {
  Code,
  Permission,
  type Endpoints,
  type MessageQueue,
  type Resource,
} from '../generated/apache/rocketmq/v2/definition.js';
import type { QueryRouteRequest, QueryRouteResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkTopic, fail } from '../validation.js';
import { wireMessageType } from '../wire.js';
import { routeEndpoints } from './endpoints.js';
import type { UnaryHandler } from './types.js';

export function permissionOf(readable: boolean, writable: boolean): Permission {
  if (readable && writable) return Permission.READ_WRITE;
  if (readable) return Permission.READ;
  if (writable) return Permission.WRITE;
  return Permission.NONE;
}

/** Queue ids 0..max(read, write)-1; a queue is readable below readQueueNums, writable below writeQueueNums. */
export function routeQueues(cfg: TopicConfig, topic: Resource, brokerName: string, endpoints: Endpoints): MessageQueue[] {
  const n = Math.max(cfg.readQueueNums, cfg.writeQueueNums);
  const broker = { name: brokerName, id: 0, endpoints };
  const accept = [wireMessageType(cfg.messageType)];
  const out: MessageQueue[] = [];
  for (let id = 0; id < n; id++) {
    const readable = (cfg.perm & PERM_READ) !== 0 && id < cfg.readQueueNums;
    const writable = (cfg.perm & PERM_WRITE) !== 0 && id < cfg.writeQueueNums;
    out.push({ topic, id, permission: permissionOf(readable, writable), broker, acceptMessageTypes: accept });
  }
  return out;
}

export const queryRoute: UnaryHandler<QueryRouteRequest, QueryRouteResponse> = {
  kind: 'unary',
  rpc: 'QueryRoute',
  async handle(rt, ctx, req) {
    const name = checkTopic(req.topic, rt.settings);
    const cfg = rt.broker.getTopic(name);
    if (!cfg) fail(Code.TOPIC_NOT_FOUND, `topic ${name} does not exist`);
    const endpoints = routeEndpoints(rt, ctx, req.endpoints);
    return { status: okStatus(), messageQueues: routeQueues(cfg, req.topic!, rt.brokerName, endpoints) };
  },
  failure: (status) => ({ status, messageQueues: [] }),
  statusOf: (res) => res.status,
};
