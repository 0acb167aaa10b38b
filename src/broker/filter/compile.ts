import type { FilterSpec } from '../types.js';
import { filterError, IllegalFilterExpressionError } from './errors.js';
import { SqlFilter } from './sql-filter.js';
import { TagFilter } from './tag-filter.js';
import { MAX_FILTER_EXPRESSION_LENGTH, type CompiledFilter, type FilterableMessage } from './types.js';

class MatchAllFilter implements CompiledFilter {
  readonly expression = '*';
  constructor(readonly type: 'TAG' | 'SQL') {}
  matchesTagsCode(_tagsCode: number): boolean {
    return true;
  }
  matches(_message: FilterableMessage): boolean {
    return true;
  }
}

const MATCH_ALL_TAG = new MatchAllFilter('TAG');
const MATCH_ALL_SQL = new MatchAllFilter('SQL');

/**
 * Compiles a subscription's filter expression. No spec, a blank expression or '*' matches every message (for SQL
 * too: RocketMQ refuses an empty SQL expression, but "no filter" is what a client sending one means).
 * Throws IllegalFilterExpressionError (a BrokerError, code ILLEGAL_FILTER_EXPRESSION) naming the position of the
 * problem. The result is immutable and may be cached and shared by the caller.
 */
export function compileFilter(spec: FilterSpec | undefined): CompiledFilter {
  if (spec === undefined) return MATCH_ALL_TAG;
  const { type, expression } = spec;
  if (type !== 'TAG' && type !== 'SQL') {
    throw new IllegalFilterExpressionError(`filter: expected type TAG or SQL at position 0 near '${String(type)}'`, 0);
  }
  if (typeof expression !== 'string') {
    throw new IllegalFilterExpressionError(
      `${type} filter: expected an expression string at position 0 near end of expression`,
      0,
    );
  }
  if (expression.length > MAX_FILTER_EXPRESSION_LENGTH) {
    throw filterError(
      type,
      `expected at most ${MAX_FILTER_EXPRESSION_LENGTH} characters (got ${expression.length})`,
      MAX_FILTER_EXPRESSION_LENGTH,
      expression.slice(MAX_FILTER_EXPRESSION_LENGTH),
    );
  }
  const trimmed = expression.trim();
  if (trimmed.length === 0 || trimmed === '*') return type === 'TAG' ? MATCH_ALL_TAG : MATCH_ALL_SQL;
  return type === 'TAG' ? TagFilter.compile(expression) : SqlFilter.compile(expression);
}
