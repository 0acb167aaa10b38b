/**
 * EndTransaction: the producer's COMMIT/ROLLBACK for a half message, after its local transaction (SOURCE_CLIENT)
 * or in answer to a check-back (SOURCE_SERVER_CHECK). The broker decides idempotency and refusals.
 */
import { Code, TransactionResolution, TransactionSource } from '../generated/apache/rocketmq/v2/definition.js';
import type { EndTransactionRequest, EndTransactionResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkTopic, fail } from '../validation.js';
import type { UnaryHandler } from './types.js';

export const endTransaction: UnaryHandler<EndTransactionRequest, EndTransactionResponse> = {
  kind: 'unary',
  rpc: 'EndTransaction',
  async handle(rt, _ctx, req) {
    const topic = checkTopic(req.topic, rt.settings);
    if (req.transactionId === '') fail(Code.INVALID_TRANSACTION_ID, 'transaction_id is empty');
    const resolution =
      req.resolution === TransactionResolution.COMMIT ? 'COMMIT' : req.resolution === TransactionResolution.ROLLBACK ? 'ROLLBACK' : undefined;
    await rt.broker.endTransaction({
      transactionId: req.transactionId,
      topic,
      messageId: req.messageId,
      resolution,
      source: req.source === TransactionSource.SOURCE_SERVER_CHECK ? 'check' : 'client',
    });
    return { status: okStatus() };
  },
  failure: (status) => ({ status }),
  statusOf: (res) => res.status,
};
