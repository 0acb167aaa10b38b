/**
 * What a loaded metadata file must look like. A file can parse as JSON and still be damaged (a flipped byte in a
 * key or a value): a topic without a message type or a group with a negative attempt count would then be served
 * as if real. Loading checks the shape and refuses the file by name instead.
 */
import { z } from 'zod';
import { MESSAGE_TYPES, type GroupConfig, type TopicConfig } from './types.js';

const count = z.number().int().nonnegative();

export const topicConfigSchema: z.ZodType<TopicConfig> = z.looseObject({
  name: z.string().min(1),
  messageType: z.enum(MESSAGE_TYPES),
  readQueueNums: count,
  writeQueueNums: count,
  perm: z.number().int().min(0).max(7),
  createdAt: count,
});

export const groupConfigSchema: z.ZodType<GroupConfig> = z.looseObject({
  name: z.string().min(1),
  fifo: z.boolean(),
  maxDeliveryAttempts: z.number().int().positive(),
  retryPolicy: z.discriminatedUnion('kind', [
    z.looseObject({ kind: z.literal('customized'), delaysMs: z.array(count) }),
    z.looseObject({ kind: z.literal('exponential'), initialMs: count, maxMs: count, multiplier: z.number().positive() }),
  ]),
  consumeFromWhere: z.enum(['young', 'earliest', 'latest']),
  createdAt: count,
});

/** A function for MetadataFile: the file's content as T, or an Error naming what is wrong. */
export function shapeCheck<T>(schema: z.ZodType<T>): (data: unknown) => T {
  return (data) => {
    const r = schema.safeParse(data);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    throw new Error(`${issue?.path.join('.') || 'content'}: ${issue?.message ?? 'unexpected shape'}`);
  };
}
