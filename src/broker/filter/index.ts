/** Placeholder until the filter module lands (TAG only). Replaced by the real TAG + SQL92 compiler. */
import { javaStringHashCode } from '../../util/hash.js';
import type { FilterSpec } from '../types.js';

export interface FilterableMessage {
  tag?: string;
  properties: Readonly<Record<string, string>>;
}
export interface CompiledFilter {
  readonly type: 'TAG' | 'SQL';
  readonly expression: string;
  matchesTagsCode(tagsCode: number): boolean;
  matches(message: FilterableMessage): boolean;
}

export function compileFilter(spec: FilterSpec | undefined): CompiledFilter {
  const expression = spec?.expression?.trim() ?? '';
  if (!spec || expression === '' || expression === '*') {
    return { type: 'TAG', expression: '*', matchesTagsCode: () => true, matches: () => true };
  }
  const tags = new Set(expression.split('||').map((t) => t.trim()).filter((t) => t.length > 0));
  const codes = new Set([...tags].map(javaStringHashCode));
  return {
    type: 'TAG',
    expression,
    matchesTagsCode: (c) => codes.has(c),
    matches: (m) => m.tag !== undefined && tags.has(m.tag),
  };
}
