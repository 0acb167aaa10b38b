/**
 * NotifyClientTermination: the client is shutting down. It is dropped from the live-client registry, but its
 * Telemetry stream is left for the client to close: ending it here makes the official Node client reopen it
 * a second later and act as if alive.
 */
import type {
  NotifyClientTerminationRequest,
  NotifyClientTerminationResponse,
} from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import type { UnaryHandler } from './types.js';

export const notifyClientTermination: UnaryHandler<NotifyClientTerminationRequest, NotifyClientTerminationResponse> = {
  kind: 'unary',
  rpc: 'NotifyClientTermination',
  async handle(rt, ctx) {
    rt.clients.remove(ctx.clientId, 'terminated', false);
    return { status: okStatus() };
  },
  failure: (status) => ({ status }),
  statusOf: (res) => res.status,
};
