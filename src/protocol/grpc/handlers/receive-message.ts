/**
 * ReceiveMessage (server stream): status, then each message, then delivery_timestamp; an empty receive is
 * the single status MESSAGE_NOT_FOUND. The long poll is cut so the answer is written before the client's
 * deadline (the official client waits request timeout + long-polling timeout, then fails the call).
 * The queue named in the request is not a restriction: like RocketMQ 5's pop, a receive takes from every
 * readable queue of the topic (the official Node client always names queue 0).
 */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type { ReceiveMessageRequest, ReceiveMessageResponse } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus, status } from '../codes.js';
import { toWireReceived } from '../message-view.js';
import { checkGroup, checkInvisibleDuration, checkTopic, fail } from '../validation.js';
import { durationToMs, msToTimestamp } from '../wire.js';
import type { CallContext, GrpcRuntime } from '../context.js';
import { checkFilter } from './filter.js';
import type { ServerStreamHandler } from './types.js';

/** How long this receive may wait for messages: the asked (or default) poll, capped, and within the deadline. */
export function pollBudgetMs(rt: GrpcRuntime, ctx: CallContext, req: ReceiveMessageRequest): number {
  let asked = rt.settings.longPollingTimeoutMs;
  if (req.longPollingTimeout) {
    const ms = durationToMs(req.longPollingTimeout);
    if (ms === undefined) fail(Code.ILLEGAL_POLLING_TIME, 'long_polling_timeout is malformed');
    asked = ms;
  }
  const capped = Math.min(asked, rt.settings.longPollingTimeoutMs);
  const remaining = ctx.deadline - Date.now() - rt.settings.deadlineReserveMs;
  return Math.max(0, Math.min(capped, remaining));
}

export const receiveMessage: ServerStreamHandler<ReceiveMessageRequest, ReceiveMessageResponse> = {
  kind: 'serverStream',
  rpc: 'ReceiveMessage',
  async handle(rt, ctx, req, out) {
    const group = checkGroup(req.group, rt.settings);
    const topicRes = req.messageQueue?.topic;
    const topic = checkTopic(topicRes, rt.settings, 'message_queue.topic');
    const batch = req.batchSize === 0 ? rt.settings.receiveBatchSize : req.batchSize;
    if (!Number.isInteger(batch) || batch < 1 || batch > rt.settings.maxReceiveBatchSize) {
      fail(Code.BAD_REQUEST, `batch_size ${req.batchSize} is outside 1..${rt.settings.maxReceiveBatchSize}`);
    }
    const invisibleMs =
      req.autoRenew && !req.invisibleDuration
        ? rt.settings.autoRenewInvisibleMs
        : checkInvisibleDuration(req.invisibleDuration, rt.settings);
    const filter = checkFilter(req.filterExpression);
    const pollTimeoutMs = pollBudgetMs(rt, ctx, req);

    const request = { group, topic, maxMessages: batch, invisibleDurationMs: invisibleMs, pollTimeoutMs, signal: ctx.signal };
    if (filter) Object.assign(request, { filter });
    const messages = await rt.broker.receive(request);

    if (messages.length === 0) {
      const s = status(Code.MESSAGE_NOT_FOUND, 'no new message');
      await out.write({ content: { $case: 'status', status: s } });
      return s;
    }
    // The answer's bodies stay in memory until the client has read them: counted in the byte budget meanwhile.
    let held = 0;
    if (rt.budget) {
      for (const m of messages) held += m.body.length;
      rt.budget.hold(held);
    }
    try {
      await out.write({ content: { $case: 'status', status: okStatus() } });
      for (const m of messages) {
        await out.write({ content: { $case: 'message', message: toWireReceived(m, topicRes!, invisibleMs) } });
      }
      await out.write({ content: { $case: 'deliveryTimestamp', deliveryTimestamp: msToTimestamp(rt.clock.now()) } });
    } finally {
      rt.budget?.release(held);
    }
    return okStatus();
  },
  failure: (s) => ({ content: { $case: 'status', status: s } }),
};
