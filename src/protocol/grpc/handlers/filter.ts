import type { FilterSpec } from '../../../broker/types.js';
import { Code, FilterType, type FilterExpression } from '../generated/apache/rocketmq/v2/definition.js';
import { fail } from '../validation.js';
import { filterSpec } from '../wire.js';

/** A request's filter expression → the broker's (undefined = all); the broker checks the syntax. */
export function checkFilter(f: FilterExpression | undefined): FilterSpec | undefined {
  if (!f) return undefined;
  const type = f.type === FilterType.FILTER_TYPE_UNSPECIFIED ? FilterType.TAG : f.type;
  if (type !== FilterType.TAG && type !== FilterType.SQL) fail(Code.ILLEGAL_FILTER_EXPRESSION, `filter type ${f.type} is not TAG or SQL`);
  if (type === FilterType.SQL && f.expression.trim() === '') fail(Code.ILLEGAL_FILTER_EXPRESSION, 'SQL filter expression is empty');
  return filterSpec(type, f.expression);
}
