/** RecallMessage: cancels a DELAY message still pending, by the recall handle its send returned. */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type { RecallMessageRequest, RecallMessageResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkTopic, fail } from '../validation.js';
import type { UnaryHandler } from './types.js';

export const recallMessage: UnaryHandler<RecallMessageRequest, RecallMessageResponse> = {
  kind: 'unary',
  rpc: 'RecallMessage',
  async handle(rt, _ctx, req) {
    const topic = checkTopic(req.topic, rt.settings);
    if (req.recallHandle.trim() === '') fail(Code.BAD_REQUEST, 'recall_handle is empty');
    const result: unknown = await rt.broker.recall(topic, req.recallHandle);
    // The broker API returns nothing today; take a message id if a later version hands one back.
    const messageId =
      typeof result === 'object' && result !== null && typeof (result as { messageId?: unknown }).messageId === 'string'
        ? (result as { messageId: string }).messageId
        : '';
    return { status: okStatus(), messageId };
  },
  failure: (status) => ({ status, messageId: '' }),
  statusOf: (res) => res.status,
};
