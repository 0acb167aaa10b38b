/**
 * ChangeInvisibleDuration: returns the new receipt handle (the old one is dead). Very short durations are
 * normal here: the official Node client's nack passes its backoff in seconds where milliseconds are meant,
 * and 0 ("visible again now") is sent to the broker as its 1 ms minimum.
 */
import { Code } from '../generated/apache/rocketmq/v2/definition.js';
import type {
  ChangeInvisibleDurationRequest,
  ChangeInvisibleDurationResponse,
} from '../generated/apache/rocketmq/v2/service.js';
import { okStatus } from '../codes.js';
import { checkGroup, checkReceiptHandle, checkTopic, fail } from '../validation.js';
import { durationToMs } from '../wire.js';
import type { UnaryHandler } from './types.js';

export const changeInvisibleDuration: UnaryHandler<ChangeInvisibleDurationRequest, ChangeInvisibleDurationResponse> = {
  kind: 'unary',
  rpc: 'ChangeInvisibleDuration',
  async handle(rt, _ctx, req) {
    const group = checkGroup(req.group, rt.settings);
    const topic = checkTopic(req.topic, rt.settings);
    const handle = checkReceiptHandle(req.receiptHandle);
    if (!req.invisibleDuration) fail(Code.ILLEGAL_INVISIBLE_TIME, 'invisible_duration is required');
    const ms = durationToMs(req.invisibleDuration);
    if (ms === undefined) fail(Code.ILLEGAL_INVISIBLE_TIME, 'invisible_duration is malformed (negative or nanos out of range)');
    if (ms > rt.settings.maxInvisibleMs) {
      fail(Code.ILLEGAL_INVISIBLE_TIME, `invisible_duration ${ms} ms is above the maximum of ${rt.settings.maxInvisibleMs} ms`);
    }
    const receiptHandle = await rt.broker.changeInvisibleDuration(group, topic, handle, Math.max(1, ms));
    return { status: okStatus(), receiptHandle };
  },
  failure: (status) => ({ status, receiptHandle: '' }),
  statusOf: (res) => res.status,
};
