/** EndTransaction: transactional messages arrive with the transactions issue; until then a clear refusal. */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type { EndTransactionRequest, EndTransactionResponse } from '../generated/apache/rocketmq/v2/service.js';
import { fail } from '../validation.js';
import type { UnaryHandler } from './types.js';

export const endTransaction: UnaryHandler<EndTransactionRequest, EndTransactionResponse> = {
  kind: 'unary',
  rpc: 'EndTransaction',
  async handle() {
    fail(Code.NOT_IMPLEMENTED, 'EndTransaction: transactional messages are not supported by this broker yet');
  },
  failure: (status) => ({ status }),
  statusOf: (res) => res.status,
};
