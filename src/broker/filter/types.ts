/** The shapes a consumer's subscription filter works on, shared by the TAG and SQL92 implementations. */

/** What a filter may look at: the tag and the user properties, nothing of the body. */
export interface FilterableMessage {
  /** The message's tag; undefined or '' means the message has none. */
  tag?: string;
  properties: Readonly<Record<string, string>>;
}

export interface CompiledFilter {
  readonly type: 'TAG' | 'SQL';
  /** The expression as given (or '*' for a match-all filter). */
  readonly expression: string;
  /**
   * Cheap pre-check on the consume queue's tag code (Java String.hashCode of the tag, 0 = no tag).
   * true = maybe matches (must still call matches); false = certainly not. SQL filters return true.
   */
  matchesTagsCode(tagsCode: number): boolean;
  /** Exact check (TAG: re-check the tag string, since hash codes collide; SQL: evaluate). */
  matches(message: FilterableMessage): boolean;
}

/** Longest accepted filter expression, in UTF-16 code units; longer ones are refused before parsing. */
export const MAX_FILTER_EXPRESSION_LENGTH = 4096;
/** Deepest accepted nesting of parentheses, NOT and unary signs in an SQL filter. */
export const MAX_SQL_NESTING_DEPTH = 64;
