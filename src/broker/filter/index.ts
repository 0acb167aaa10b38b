/** Consumer subscription filters (TAG and SQL92), pure broker logic: compile once, evaluate per message. */
export { compileFilter } from './compile.js';
export { IllegalFilterExpressionError } from './errors.js';
export {
  MAX_FILTER_EXPRESSION_LENGTH,
  MAX_SQL_NESTING_DEPTH,
  type CompiledFilter,
  type FilterableMessage,
} from './types.js';
