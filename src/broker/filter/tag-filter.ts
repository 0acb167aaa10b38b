import { javaStringHashCode } from '../../util/hash.js';
import { filterError } from './errors.js';
import type { CompiledFilter, FilterableMessage } from './types.js';

/**
 * TAG filter, as RocketMQ's FilterAPI builds it: the expression is split on "||", each part trimmed, empty parts
 * dropped. The consume queue stores String.hashCode of the tag, so matchesTagsCode checks the hash set and
 * matches re-checks the string (hashes collide: "Aa" and "BB" share one).
 *
 * A '*' part inside a list (`TagA || *`) is a literal tag '*', as in RocketMQ; only a whole expression of '*'
 * (handled by compileFilter) means "all".
 */
export class TagFilter implements CompiledFilter {
  readonly type = 'TAG' as const;
  private readonly tags: ReadonlySet<string>;
  private readonly codes: ReadonlySet<number>;

  private constructor(
    readonly expression: string,
    tags: ReadonlySet<string>,
  ) {
    this.tags = tags;
    const codes = new Set<number>();
    for (const t of tags) codes.add(javaStringHashCode(t));
    this.codes = codes;
  }

  /** Parses a non-blank, non-'*' TAG expression. */
  static compile(expression: string): TagFilter {
    const tags = new Set<string>();
    for (const part of expression.split('||')) {
      const tag = part.trim();
      if (tag.length > 0) tags.add(tag);
    }
    // RocketMQ would accept "||" and then match nothing; a subscription that can never match is a mistake
    // worth reporting instead.
    if (tags.size === 0) throw filterError('TAG', 'expected at least one tag between "||"', 0, expression);
    return new TagFilter(expression, tags);
  }

  matchesTagsCode(tagsCode: number): boolean {
    // A message without a tag has code 0; it can only pass if some subscribed tag also hashes to 0, and then
    // matches() still refuses it.
    return this.codes.has(tagsCode);
  }

  matches(message: FilterableMessage): boolean {
    const tag = message.tag;
    return tag !== undefined && tag.length > 0 && this.tags.has(tag);
  }
}
