/** SyncLiteSubscription: lite topics (lite push consumers) are not part of Apogee. */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type {
  SyncLiteSubscriptionRequest,
  SyncLiteSubscriptionResponse,
} from '../generated/apache/rocketmq/v2/service.js';
import { fail } from '../validation.js';
import type { UnaryHandler } from './types.js';

export const syncLiteSubscription: UnaryHandler<SyncLiteSubscriptionRequest, SyncLiteSubscriptionResponse> = {
  kind: 'unary',
  rpc: 'SyncLiteSubscription',
  async handle() {
    fail(Code.NOT_IMPLEMENTED, 'SyncLiteSubscription: lite topics and lite push consumers are not supported');
  },
  failure: (status) => ({ status }),
  statusOf: (res) => res.status,
};
