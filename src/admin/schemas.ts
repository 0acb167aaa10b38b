/** Request bodies and queries of the admin API. Strict: an unknown field is a 400 naming it. */
import { z } from 'zod';
import { MESSAGE_TYPES } from '../broker/types.js';

const queueCount = z.number().int().min(1).max(1024);

const topicFields = {
  messageType: z.enum(MESSAGE_TYPES).optional(),
  /** Read and write queue counts together. */
  queueNums: queueCount.optional(),
  readQueueNums: queueCount.optional(),
  writeQueueNums: queueCount.optional(),
  perm: z.number().int().min(0).max(7).optional(),
};

export const topicCreateBody = z.strictObject({ name: z.string(), ...topicFields });
export const topicUpdateBody = z.strictObject(topicFields);

const retryPolicy = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('customized'), delaysMs: z.array(z.number().int().min(0)).min(1).max(64) }),
  z.strictObject({
    kind: z.literal('exponential'),
    initialMs: z.number().int().min(0),
    maxMs: z.number().int().min(0),
    multiplier: z.number().min(1),
  }),
]);

const groupFields = {
  fifo: z.boolean().optional(),
  maxDeliveryAttempts: z.number().int().min(1).max(1000).optional(),
  retryPolicy: retryPolicy.optional(),
  consumeFromWhere: z.enum(['young', 'earliest', 'latest']).optional(),
};

export const groupCreateBody = z.strictObject({ name: z.string(), ...groupFields });
export const groupUpdateBody = z.strictObject(groupFields);

/** `to`: `earliest`, `latest`, epoch milliseconds, or an ISO-8601 date-time. */
export const resetOffsetBody = z.strictObject({
  topic: z.string(),
  to: z.union([z.number().int().min(0), z.string().min(1)]),
});

export const messageQuery = z.strictObject({
  topic: z.string().min(1),
  key: z.string().min(1),
  max: z.coerce.number().int().min(1).max(64).default(32),
});

/** An operator's test send (RocketMQ mqadmin sendMessage); transactional sends need a real producer. */
export const messageSendBody = z.strictObject({
  body: z.string(),
  bodyEncoding: z.enum(['utf8', 'base64']).default('utf8'),
  messageType: z.enum(['NORMAL', 'FIFO', 'DELAY']).optional(),
  tag: z.string().optional(),
  keys: z.array(z.string()).max(32).optional(),
  messageGroup: z.string().optional(),
  deliveryTimestamp: z.number().int().min(0).optional(),
  /** RocketMQ 4.x delay level 1..18, instead of deliveryTimestamp (the broker checks the range). */
  delayLevel: z.number().int().optional(),
  properties: z.record(z.string(), z.string()).optional(),
  queueId: z.number().int().min(0).optional(),
});

/** GET /api/transactions and /api/transactions/given-up: an optional real-topic filter and a cap on the answer. */
export const transactionQuery = z.strictObject({ topic: z.string().min(1).optional(), max: z.coerce.number().int().min(1).max(10_000).default(1000) });
