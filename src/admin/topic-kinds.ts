/** Which topics are the broker's own (retry, dead-letter, half messages...) rather than users'. */
import { SYSTEM_TOPIC_PREFIXES, SYSTEM_TOPICS } from '../broker/names.js';

export function isSystemTopicName(name: string): boolean {
  return SYSTEM_TOPICS.has(name) || SYSTEM_TOPIC_PREFIXES.some((p) => name.startsWith(p));
}
