import type { Condition, NumberLiteral, Operand } from './sql-ast.js';
import { parseSql } from './sql-parser.js';
import type { CompiledFilter, FilterableMessage } from './types.js';

/**
 * SQL92 filter: the parsed condition is turned once into a tree of closures; evaluating it allocates nothing
 * (except BigInt comparisons of integers beyond 2^53, which are rare).
 *
 * Evaluation follows RocketMQ's (ActiveMQ-derived) semantics, with four outcomes:
 * - TRUE / FALSE;
 * - UNKNOWN: SQL NULL, from a missing property. NOT UNKNOWN is UNKNOWN; AND/OR use three-valued logic.
 * - MISMATCH: what is a thrown exception in RocketMQ, e.g. a property that is not a number compared with a
 *   number (`a > 5` with a = 'abc'). RocketMQ's broker catches it and does not deliver the message, so MISMATCH
 *   aborts the evaluation: NOT MISMATCH is MISMATCH and AND/OR propagate it, except that they stop evaluating,
 *   as RocketMQ does, at the first operand that decides them (FALSE for AND, TRUE for OR) — so
 *   `x = 1 OR a > 5` matches when x is 1 whatever a holds, but `a > 5 OR x = 1` with a = 'abc' does not.
 * A message matches only when the result is TRUE.
 *
 * Comparisons (property values are always strings):
 * - '=' / '<>': two strings compare as strings; a string against a number literal compares numerically and is a
 *   MISMATCH when the string is not a number; against TRUE/FALSE the string is true iff it equals "true" ignoring
 *   case (Java's Boolean.valueOf); a number against a boolean is unequal. '<>' is NOT '='.
 *   Unlike RocketMQ, NULL handling is symmetric standard SQL: `a = b` is UNKNOWN when either side is missing
 *   (RocketMQ answers TRUE when both are missing and FALSE when only the right one is).
 * - '<', '<=', '>', '>=', BETWEEN: both sides must be numbers (literals, or properties holding a number),
 *   otherwise MISMATCH. A number is [+-]digits[.digits][e[+-]digits] (also ".5" and "5."), nothing else: no
 *   spaces, hex, NaN or Infinity. Unlike RocketMQ, an integer literal also compares with a decimal property
 *   (`a > 5` with a = '5.5' is TRUE; RocketMQ fails to parse '5.5' as an integer). Integers compare exactly,
 *   decimals as doubles.
 * - IN / NOT IN: exact string membership; UNKNOWN when the property is missing.
 * - CONTAINS / STARTSWITH / ENDSWITH and their NOT forms: FALSE when the value is missing or not a string, or the
 *   search string is empty — including the NOT forms (RocketMQ's choice, so `a NOT CONTAINS 'x'` needs `a`).
 * - IS [NOT] NULL: whether the property is present.
 * The property TAGS is the message's tag.
 */

const FALSE = 0;
const TRUE = 1;
const UNKNOWN = 2;
const MISMATCH = 3;
type Outcome = typeof FALSE | typeof TRUE | typeof UNKNOWN | typeof MISMATCH;

type Evaluator = (m: FilterableMessage) => Outcome;
type Value = string | NumberLiteral | boolean | undefined;
type Getter = (m: FilterableMessage) => Value;

/** Sentinel from compareNumbers when a side is not a number. */
const NOT_A_NUMBER = 2;

export class SqlFilter implements CompiledFilter {
  readonly type = 'SQL' as const;
  private readonly root: Evaluator;

  private constructor(
    readonly expression: string,
    root: Evaluator,
  ) {
    this.root = root;
  }

  /** Parses and compiles; throws IllegalFilterExpressionError on bad input. */
  static compile(expression: string): SqlFilter {
    return new SqlFilter(expression, compileCondition(parseSql(expression)));
  }

  matchesTagsCode(_tagsCode: number): boolean {
    return true;
  }

  matches(message: FilterableMessage): boolean {
    return this.root(message) === TRUE;
  }
}

function compileCondition(c: Condition): Evaluator {
  switch (c.kind) {
    case 'constant': {
      const v: Outcome = c.value ? TRUE : FALSE;
      return () => v;
    }
    case 'not': {
      const item = compileCondition(c.item);
      return (m) => {
        const v = item(m);
        return v === TRUE ? FALSE : v === FALSE ? TRUE : v;
      };
    }
    case 'and': {
      const items = c.items.map(compileCondition);
      return (m) => {
        let unknown = false;
        for (let i = 0; i < items.length; i++) {
          const v = items[i]!(m);
          if (v === FALSE || v === MISMATCH) return v;
          if (v === UNKNOWN) unknown = true;
        }
        return unknown ? UNKNOWN : TRUE;
      };
    }
    case 'or': {
      const items = c.items.map(compileCondition);
      return (m) => {
        let unknown = false;
        for (let i = 0; i < items.length; i++) {
          const v = items[i]!(m);
          if (v === TRUE || v === MISMATCH) return v;
          if (v === UNKNOWN) unknown = true;
        }
        return unknown ? UNKNOWN : FALSE;
      };
    }
    case 'equality': {
      const left = getter(c.left);
      const right = getter(c.right);
      if (c.op === '=') return (m) => equals(left(m), right(m));
      return (m) => {
        const v = equals(left(m), right(m));
        return v === TRUE ? FALSE : v === FALSE ? TRUE : v;
      };
    }
    case 'ordering': {
      const left = getter(c.left);
      const right = getter(c.right);
      const accept = orderingTest(c.op);
      return (m) => {
        const l = left(m);
        if (l === undefined) return UNKNOWN;
        const r = right(m);
        if (r === undefined) return UNKNOWN;
        // The parser admits only properties (strings) and number literals here.
        const cmp = compareNumbers(l as string | NumberLiteral, r as string | NumberLiteral);
        if (cmp === NOT_A_NUMBER) return MISMATCH;
        return accept(cmp) ? TRUE : FALSE;
      };
    }
    case 'isNull': {
      const get = getter(c.operand);
      const whenNull: Outcome = c.negated ? FALSE : TRUE;
      const whenPresent: Outcome = c.negated ? TRUE : FALSE;
      return (m) => (get(m) === undefined ? whenNull : whenPresent);
    }
    case 'in': {
      const get = propertyGetter(c.property);
      const set: ReadonlySet<string> = new Set(c.values);
      const hit: Outcome = c.negated ? FALSE : TRUE;
      const miss: Outcome = c.negated ? TRUE : FALSE;
      return (m) => {
        const v = get(m);
        if (v === undefined) return UNKNOWN;
        return set.has(v) ? hit : miss;
      };
    }
    case 'string': {
      const get = getter(c.operand);
      const search = c.search;
      if (search.length === 0) return () => FALSE;
      const hit: Outcome = c.negated ? FALSE : TRUE;
      const miss: Outcome = c.negated ? TRUE : FALSE;
      const test =
        c.op === 'CONTAINS'
          ? (s: string): boolean => s.includes(search)
          : c.op === 'STARTSWITH'
            ? (s: string): boolean => s.startsWith(search)
            : (s: string): boolean => s.endsWith(search);
      return (m) => {
        const v = get(m);
        if (typeof v !== 'string') return FALSE;
        return test(v) ? hit : miss;
      };
    }
  }
}

function orderingTest(op: '<' | '<=' | '>' | '>='): (cmp: number) => boolean {
  switch (op) {
    case '<':
      return (cmp) => cmp < 0;
    case '<=':
      return (cmp) => cmp <= 0;
    case '>':
      return (cmp) => cmp > 0;
    case '>=':
      return (cmp) => cmp >= 0;
  }
}

function getter(o: Operand): Getter {
  switch (o.kind) {
    case 'property':
      return propertyGetter(o.name);
    case 'string': {
      const v = o.value;
      return () => v;
    }
    case 'number':
      return () => o;
    case 'boolean': {
      const v = o.value;
      return () => v;
    }
  }
}

function propertyGetter(name: string): (m: FilterableMessage) => string | undefined {
  if (name === 'TAGS') {
    return (m) => {
      const tag = m.tag;
      if (tag !== undefined && tag.length > 0) return tag;
      const v = m.properties['TAGS'];
      return typeof v === 'string' ? v : undefined;
    };
  }
  return (m) => {
    // typeof guards against inherited members ('constructor', '__proto__') of an ordinary object.
    const v = m.properties[name];
    return typeof v === 'string' ? v : undefined;
  };
}

function equals(l: Value, r: Value): Outcome {
  if (l === undefined || r === undefined) return UNKNOWN;
  if (typeof l === 'string') {
    if (typeof r === 'string') return l === r ? TRUE : FALSE;
    if (typeof r === 'boolean') return isJavaTrue(l) === r ? TRUE : FALSE;
    return numericEquals(l, r);
  }
  if (typeof l === 'boolean') {
    if (typeof r === 'boolean') return l === r ? TRUE : FALSE;
    if (typeof r === 'string') return isJavaTrue(r) === l ? TRUE : FALSE;
    return FALSE;
  }
  if (typeof r === 'boolean') return FALSE;
  return numericEquals(l, r);
}

function numericEquals(l: string | NumberLiteral, r: string | NumberLiteral): Outcome {
  const cmp = compareNumbers(l, r);
  if (cmp === NOT_A_NUMBER) return MISMATCH;
  return cmp === 0 ? TRUE : FALSE;
}

/** Java's Boolean.valueOf(String): "true" in any case is true, anything else false. Allocation-free. */
function isJavaTrue(s: string): boolean {
  return (
    s.length === 4 &&
    (s.charCodeAt(0) | 32) === 116 /* t */ &&
    (s.charCodeAt(1) | 32) === 114 /* r */ &&
    (s.charCodeAt(2) | 32) === 117 /* u */ &&
    (s.charCodeAt(3) | 32) === 101 /* e */
  );
}

// Number kinds for compareNumbers.
const NaNumber = 0;
const SMALL_INT = 1; // an integer with at most 15 digits: exact as a double
const BIG_INT = 2;
const DECIMAL = 3;

/** Classifies a property string as a number without allocating. */
function classifyNumber(s: string): number {
  const n = s.length;
  let i = 0;
  const first = s.charCodeAt(0);
  if (first === 43 || first === 45) i++;
  let intDigits = 0;
  while (i < n && isDigit(s.charCodeAt(i))) {
    i++;
    intDigits++;
  }
  let decimal = false;
  let fracDigits = 0;
  if (i < n && s.charCodeAt(i) === 46 /* . */) {
    decimal = true;
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      i++;
      fracDigits++;
    }
  }
  if (intDigits + fracDigits === 0) return NaNumber;
  if (i < n) {
    const e = s.charCodeAt(i);
    if (e !== 69 && e !== 101) return NaNumber;
    decimal = true;
    i++;
    const sign = s.charCodeAt(i);
    if (sign === 43 || sign === 45) i++;
    if (i >= n) return NaNumber;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i < n) return NaNumber;
  }
  if (decimal) return DECIMAL;
  return intDigits <= 15 ? SMALL_INT : BIG_INT;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** -1, 0, 1, or NOT_A_NUMBER when a string side does not hold a number. */
function compareNumbers(a: string | NumberLiteral, b: string | NumberLiteral): number {
  let ak: number;
  let av: number;
  if (typeof a === 'string') {
    ak = classifyNumber(a);
    if (ak === NaNumber) return NOT_A_NUMBER;
    av = Number(a);
  } else {
    ak = a.isInteger ? (a.big === undefined ? SMALL_INT : BIG_INT) : DECIMAL;
    av = a.value;
  }
  let bk: number;
  let bv: number;
  if (typeof b === 'string') {
    bk = classifyNumber(b);
    if (bk === NaNumber) return NOT_A_NUMBER;
    bv = Number(b);
  } else {
    bk = b.isInteger ? (b.big === undefined ? SMALL_INT : BIG_INT) : DECIMAL;
    bv = b.value;
  }
  if ((ak === BIG_INT && bk !== DECIMAL) || (bk === BIG_INT && ak !== DECIMAL)) {
    // Beyond 2^53 doubles lose integers; compare exactly (allocates, but only for such values).
    const x = typeof a === 'string' ? BigInt(a) : (a.big ?? BigInt(a.value));
    const y = typeof b === 'string' ? BigInt(b) : (b.big ?? BigInt(b.value));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return av < bv ? -1 : av > bv ? 1 : 0;
}
