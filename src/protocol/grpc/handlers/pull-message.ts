/** PullMessage (server stream): status, messages from an offset of one queue, then next_offset. No long poll. */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type { PullMessageRequest, PullMessageResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus, status } from '../codes.js';
import { toWireMessage } from '../message-view.js';
import { checkGroup, checkOffset, fail } from '../validation.js';
import { checkFilter } from './filter.js';
import { checkConcreteQueue } from './queue.js';
import type { ServerStreamHandler } from './types.js';

export const pullMessage: ServerStreamHandler<PullMessageRequest, PullMessageResponse> = {
  kind: 'serverStream',
  rpc: 'PullMessage',
  async handle(rt, _ctx, req, out) {
    checkGroup(req.group, rt.settings);
    const { topic, queueId } = checkConcreteQueue(req.messageQueue, rt.settings);
    const offset = checkOffset(req.offset);
    const batch = req.batchSize === 0 ? rt.settings.receiveBatchSize : req.batchSize;
    if (!Number.isInteger(batch) || batch < 1 || batch > rt.settings.maxReceiveBatchSize) {
      fail(Code.BAD_REQUEST, `batch_size ${req.batchSize} is outside 1..${rt.settings.maxReceiveBatchSize}`);
    }
    const filter = checkFilter(req.filterExpression);
    const r = await rt.broker.pull(topic, queueId, offset, batch, filter);
    const s = r.messages.length > 0 ? okStatus() : status(Code.MESSAGE_NOT_FOUND, 'no new message');
    await out.write({ content: { $case: 'status', status: s } });
    const topicRes = req.messageQueue!.topic!;
    for (const m of r.messages) await out.write({ content: { $case: 'message', message: toWireMessage(m, topicRes) } });
    await out.write({ content: { $case: 'nextOffset', nextOffset: r.nextOffset } });
    return s;
  },
  failure: (s) => ({ content: { $case: 'status', status: s } }),
};
