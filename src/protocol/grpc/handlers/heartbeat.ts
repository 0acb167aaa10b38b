/** Heartbeat: a sign of life for a client registered through Telemetry (it does not register new ones). */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkGroup, fail } from '../validation.js';
import { clientKind } from '../wire.js';
import type { UnaryHandler } from './types.js';

export const heartbeat: UnaryHandler<HeartbeatRequest, HeartbeatResponse> = {
  kind: 'unary',
  rpc: 'Heartbeat',
  async handle(rt, ctx, req) {
    const kind = clientKind(req.clientType);
    if (kind === undefined) fail(Code.UNRECOGNIZED_CLIENT_TYPE, `client_type ${req.clientType} is not a known client type`);
    if (req.group !== undefined && req.group.name !== '') checkGroup(req.group, rt.settings);
    rt.clients.touch(ctx.clientId);
    return { status: okStatus() };
  },
  failure: (status) => ({ status }),
  statusOf: (res) => res.status,
};
