/**
 * A consumer's subscription of one topic (SubscriptionData): the expression, its type, the tags a TAG
 * expression names (also filtered on the client, as the Java client does) and their Java hash codes.
 */
import { MQClientError } from './errors.js';
import { javaStringHash } from './java-hash.js';
import { ExpressionType } from './types.js';

export interface Subscription {
  topic: string;
  expression: string;
  expressionType: ExpressionType;
  /** Empty for `*` and for SQL92. */
  tags: ReadonlySet<string>;
  codes: number[];
  subVersion: number;
}

export function buildSubscription(topic: string, expression: string | undefined, type: ExpressionType = ExpressionType.TAG): Subscription {
  if (type !== ExpressionType.TAG && type !== ExpressionType.SQL92) throw new MQClientError('ILLEGAL_ARGUMENT', `expression type '${String(type)}' is not TAG or SQL92`);
  const expr = (expression ?? '*').trim() || '*';
  const tags = new Set<string>();
  if (type === ExpressionType.TAG && expr !== '*') {
    for (const t of expr.split('||')) {
      const tag = t.trim();
      if (tag.length > 0) tags.add(tag);
    }
  }
  return { topic, expression: expr, expressionType: type, tags, codes: [...tags].map(javaStringHash), subVersion: Date.now() };
}

export function heartbeatSubscription(s: Subscription): { classFilterMode: false; topic: string; subString: string; tagsSet: string[]; codeSet: number[]; subVersion: number; expressionType: string } {
  return { classFilterMode: false, topic: s.topic, subString: s.expression, tagsSet: [...s.tags], codeSet: s.codes, subVersion: s.subVersion, expressionType: s.expressionType };
}

export const retryTopicOf = (group: string): string => `%RETRY%${group}`;
