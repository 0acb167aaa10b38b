/** AckMessage: per-entry results plus a top-level status (the official Node client reads only the latter). */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type {
  AckMessageRequest,
  AckMessageResponse,
  AckMessageResultEntry,
} from '../generated/apache/rocketmq/v2/service.js';
import { okStatus, statusFromError } from '../codes.js';
import { checkGroup, checkReceiptHandle, checkTopic, fail } from '../validation.js';
import { overallStatus } from './send-message.js';
import type { UnaryHandler } from './types.js';

export const ackMessage: UnaryHandler<AckMessageRequest, AckMessageResponse> = {
  kind: 'unary',
  rpc: 'AckMessage',
  async handle(rt, ctx, req) {
    const group = checkGroup(req.group, rt.settings);
    const topic = checkTopic(req.topic, rt.settings);
    if (req.entries.length === 0) fail(Code.BAD_REQUEST, 'entries is empty: nothing to acknowledge');
    if (req.entries.length > rt.settings.maxReceiveBatchSize) {
      fail(Code.BAD_REQUEST, `${req.entries.length} entries exceed the limit of ${rt.settings.maxReceiveBatchSize}`);
    }
    const entries = await Promise.all(
      req.entries.map(async (e): Promise<AckMessageResultEntry> => {
        try {
          await rt.broker.ack(group, topic, checkReceiptHandle(e.receiptHandle));
          return { messageId: e.messageId, receiptHandle: e.receiptHandle, status: okStatus() };
        } catch (err) {
          return { messageId: e.messageId, receiptHandle: e.receiptHandle, status: statusFromError(err, rt.logger, ctx.rpc) };
        }
      }),
    );
    return { status: overallStatus(entries), entries };
  },
  failure: (status) => ({ status, entries: [] }),
  statusOf: (res) => res.status,
};
