import { filterError, type IllegalFilterExpressionError } from './errors.js';
import type { Condition, NumberLiteral, Operand, StringOperator } from './sql-ast.js';
import { tokenize, type Keyword, type Token } from './sql-lexer.js';
import { MAX_SQL_NESTING_DEPTH } from './types.js';

/**
 * Recursive-descent parser for RocketMQ's SQL92 filter dialect. Grammar (lowest precedence first):
 *
 *   expr      := and (OR and)*
 *   and       := not (AND not)*
 *   not       := NOT not | predicate
 *   predicate := '(' expr ')' | TRUE | FALSE
 *              | operand ( ('=' | '<>' | '!=') operand
 *                        | ('<' | '<=' | '>' | '>=') operand
 *                        | IS [NOT] NULL
 *                        | [NOT] BETWEEN operand AND operand
 *                        | [NOT] IN '(' string (',' string)* ')'
 *                        | [NOT] (CONTAINS | STARTSWITH | ENDSWITH) string )
 *   operand   := property | string | ['+'|'-'] number | TRUE | FALSE
 *
 * Deliberate differences from RocketMQ's JavaCC grammar (which it inherited from ActiveMQ), each making an
 * expression RocketMQ accepts but can never usefully match into a clear compile error, or following standard SQL:
 * - NOT binds looser than comparisons (standard SQL): `NOT a = 1` is `NOT (a = 1)`. RocketMQ binds NOT to the
 *   operand, making `(NOT a) = 1`, which always fails at evaluation.
 * - A bare property is not a condition (RocketMQ casts it to a boolean that is never true).
 * - The NULL literal is refused outside IS [NOT] NULL (RocketMQ refuses `a = NULL` too, but parses `NULL`).
 * - Unary '-' applies to numeric literals only (RocketMQ's `-a` evaluates to NULL); parentheses group
 *   conditions only, not values; comparisons do not chain (`a = 1 = TRUE`).
 * - A decimal literal 0.0 is accepted (RocketMQ refuses it by a range-check slip).
 * As in RocketMQ: ordering operators take only numbers and properties, IN takes a property and string literals,
 * BETWEEN with two literal bounds requires low <= high, integer literals must fit in 64 bits.
 */
export function parseSql(src: string): Condition {
  return new Parser(tokenize(src)).parseAll();
}

const INT64_MAX = (1n << 63n) - 1n;

interface PositionedOperand {
  operand: Operand;
  token: Token;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Condition {
    if (this.peek().kind === 'eof') throw this.error('expected a condition', this.peek());
    const c = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.error('expected AND, OR or end of expression', t);
    return c;
  }

  // ---- token helpers ----

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.index++;
    return t;
  }

  private isKeyword(t: Token, k: Keyword): boolean {
    return t.kind === 'keyword' && t.keyword === k;
  }

  private isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.text === p;
  }

  private error(what: string, at: Token): IllegalFilterExpressionError {
    return filterError('SQL', what, at.pos, at.kind === 'eof' ? undefined : at.text);
  }

  private enter(at: Token): void {
    if (++this.depth > MAX_SQL_NESTING_DEPTH) {
      throw this.error(`expected at most ${MAX_SQL_NESTING_DEPTH} levels of nesting`, at);
    }
  }

  private leave(): void {
    this.depth--;
  }

  // ---- conditions ----

  private parseOr(): Condition {
    const first = this.parseAnd();
    if (!this.isKeyword(this.peek(), 'OR')) return first;
    // n-ary OR evaluated left to right is the same as RocketMQ's left-nested binary ORs.
    const items: Condition[] = [first];
    while (this.isKeyword(this.peek(), 'OR')) {
      this.next();
      items.push(this.parseAnd());
    }
    return { kind: 'or', items };
  }

  private parseAnd(): Condition {
    const first = this.parseNot();
    if (!this.isKeyword(this.peek(), 'AND')) return first;
    const items: Condition[] = [first];
    while (this.isKeyword(this.peek(), 'AND')) {
      this.next();
      items.push(this.parseNot());
    }
    return { kind: 'and', items };
  }

  private parseNot(): Condition {
    const t = this.peek();
    if (!this.isKeyword(t, 'NOT')) return this.parsePredicate();
    this.next();
    this.enter(t);
    const item = this.parseNot();
    this.leave();
    return { kind: 'not', item };
  }

  private parsePredicate(): Condition {
    const t = this.peek();
    if (this.isPunct(t, '(')) {
      this.next();
      this.enter(t);
      const c = this.parseOr();
      const close = this.peek();
      if (!this.isPunct(close, ')')) throw this.error("expected ')'", close);
      this.next();
      this.leave();
      return c;
    }
    if (t.kind === 'eof') throw this.error('expected a condition', t);
    if (t.kind === 'keyword' && (t.keyword === 'AND' || t.keyword === 'OR' || t.keyword === 'IS')) {
      throw this.error('expected a condition', t);
    }
    if (this.isPunct(t, ')') || this.isPunct(t, ',')) throw this.error('expected a condition', t);

    const left = this.parseOperand('a condition');
    const op = this.peek();

    if (op.kind === 'op') {
      this.next();
      if (op.op === '=' || op.op === '<>') {
        const right = this.parseOperand(`a value after '${op.text}'`);
        return { kind: 'equality', op: op.op, left: left.operand, right: right.operand };
      }
      this.requireOrderable(left, `'${op.text}'`);
      const right = this.parseOperand(`a number or a property after '${op.text}'`);
      this.requireOrderable(right, `'${op.text}'`);
      return { kind: 'ordering', op: op.op, left: left.operand, right: right.operand };
    }

    if (this.isKeyword(op, 'IS')) {
      this.next();
      let negated = false;
      if (this.isKeyword(this.peek(), 'NOT')) {
        this.next();
        negated = true;
      }
      const nul = this.peek();
      if (!this.isKeyword(nul, 'NULL')) {
        throw this.error(negated ? 'expected NULL' : 'expected NULL or NOT NULL', nul);
      }
      this.next();
      return { kind: 'isNull', operand: left.operand, negated };
    }

    let negated = false;
    let keyword: Token = op;
    if (this.isKeyword(op, 'NOT')) {
      negated = true;
      keyword = this.peek(1);
      if (
        keyword.kind !== 'keyword' ||
        (keyword.keyword !== 'BETWEEN' &&
          keyword.keyword !== 'IN' &&
          keyword.keyword !== 'CONTAINS' &&
          keyword.keyword !== 'STARTSWITH' &&
          keyword.keyword !== 'ENDSWITH')
      ) {
        throw this.error('expected BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT', keyword);
      }
      this.next();
    }

    if (keyword.kind === 'keyword') {
      switch (keyword.keyword) {
        case 'BETWEEN':
          this.next();
          return this.parseBetween(left, negated, keyword);
        case 'IN':
          this.next();
          return this.parseIn(left, negated, keyword);
        case 'CONTAINS':
        case 'STARTSWITH':
        case 'ENDSWITH':
          this.next();
          return this.parseStringOp(left, negated, keyword.keyword);
        default:
          break;
      }
    }

    if (left.operand.kind === 'boolean') return { kind: 'constant', value: left.operand.value };
    const after = left.token.text;
    throw this.error(
      `expected a comparison (=, <>, <, <=, >, >=, IS, BETWEEN, IN, CONTAINS, STARTSWITH, ENDSWITH) after '${after}'`,
      op,
    );
  }

  private parseBetween(value: PositionedOperand, negated: boolean, at: Token): Condition {
    this.requireOrderable(value, 'BETWEEN');
    const low = this.parseOperand('a number or a property after BETWEEN');
    this.requireOrderable(low, 'BETWEEN');
    const and = this.peek();
    if (!this.isKeyword(and, 'AND')) throw this.error('expected AND between the BETWEEN bounds', and);
    this.next();
    const high = this.parseOperand('a number or a property after BETWEEN ... AND');
    this.requireOrderable(high, 'BETWEEN');
    const lo = low.operand;
    const hi = high.operand;
    if (lo.kind === 'number' && hi.kind === 'number' && compareLiterals(lo, hi) > 0) {
      throw this.error(`expected BETWEEN bounds with low <= high, got ${low.token.text} > ${high.token.text}`, at);
    }
    // RocketMQ rewrites BETWEEN into two comparisons, so NULL / non-numeric handling follows theirs exactly.
    const v = value.operand;
    if (!negated) {
      return {
        kind: 'and',
        items: [
          { kind: 'ordering', op: '>=', left: v, right: low.operand },
          { kind: 'ordering', op: '<=', left: v, right: high.operand },
        ],
      };
    }
    return {
      kind: 'or',
      items: [
        { kind: 'ordering', op: '<', left: v, right: low.operand },
        { kind: 'ordering', op: '>', left: v, right: high.operand },
      ],
    };
  }

  private parseIn(value: PositionedOperand, negated: boolean, at: Token): Condition {
    if (value.operand.kind !== 'property') throw this.error('expected a property before IN', value.token);
    const open = this.peek();
    if (!this.isPunct(open, '(')) throw this.error(`expected '(' after ${at.text}`, open);
    this.next();
    const values: string[] = [];
    for (;;) {
      const s = this.peek();
      if (s.kind !== 'string') throw this.error('expected a string literal in the IN list', s);
      this.next();
      values.push(s.value);
      const sep = this.peek();
      if (this.isPunct(sep, ')')) {
        this.next();
        break;
      }
      if (!this.isPunct(sep, ',')) throw this.error("expected ',' or ')' in the IN list", sep);
      this.next();
    }
    return { kind: 'in', property: value.operand.name, values, negated };
  }

  private parseStringOp(value: PositionedOperand, negated: boolean, op: StringOperator): Condition {
    const s = this.peek();
    if (s.kind !== 'string') throw this.error(`expected a string literal after ${op}`, s);
    this.next();
    return { kind: 'string', op, operand: value.operand, search: s.value, negated };
  }

  // ---- operands ----

  private parseOperand(expected: string): PositionedOperand {
    const t = this.peek();
    switch (t.kind) {
      case 'ident':
        this.next();
        return { operand: { kind: 'property', name: t.text }, token: t };
      case 'string':
        this.next();
        return { operand: { kind: 'string', value: t.value }, token: t };
      case 'number':
        this.next();
        return { operand: this.numberLiteral(t), token: t };
      case 'keyword':
        if (t.keyword === 'TRUE' || t.keyword === 'FALSE') {
          this.next();
          return { operand: { kind: 'boolean', value: t.keyword === 'TRUE' }, token: t };
        }
        if (t.keyword === 'NULL') throw this.error('expected IS NULL or IS NOT NULL to test for NULL', t);
        throw this.error(`expected ${expected}`, t);
      case 'punct':
        if (t.text === '-' || t.text === '+') return this.parseSigned(t, expected);
        throw this.error(`expected ${expected}`, t);
      default:
        throw this.error(`expected ${expected}`, t);
    }
  }

  private parseSigned(sign: Token, expected: string): PositionedOperand {
    this.next();
    this.enter(sign);
    const t = this.peek();
    let result: PositionedOperand;
    if (this.isPunct(t, '-') || this.isPunct(t, '+')) result = this.parseSigned(t, expected);
    else if (t.kind === 'number') {
      this.next();
      result = { operand: this.numberLiteral(t), token: t };
    } else throw this.error(`expected a number after '${sign.text}'`, t);
    this.leave();
    const n = result.operand as NumberLiteral;
    if (sign.text === '+') return { operand: n, token: sign };
    const negated: NumberLiteral = {
      kind: 'number',
      value: -n.value,
      isInteger: n.isInteger,
      big: n.big === undefined ? undefined : -n.big,
    };
    return { operand: negated, token: sign };
  }

  private numberLiteral(t: Token & { kind: 'number' }): NumberLiteral {
    if (t.isInteger) {
      const digits = t.text.endsWith('L') || t.text.endsWith('l') ? t.text.slice(0, -1) : t.text;
      const big = BigInt(digits);
      if (big > INT64_MAX) throw this.error('expected an integer within 64 bits', t);
      const value = Number(big);
      return { kind: 'number', value, isInteger: true, big: Number.isSafeInteger(value) ? undefined : big };
    }
    const value = Number(t.text);
    if (!Number.isFinite(value)) throw this.error('expected a finite number', t);
    return { kind: 'number', value, isInteger: false, big: undefined };
  }

  private requireOrderable(o: PositionedOperand, context: string): void {
    const k = o.operand.kind;
    if (k !== 'property' && k !== 'number') {
      throw this.error(`expected a number or a property for ${context}`, o.token);
    }
  }
}

/** Compares two numeric literals exactly (bigints when beyond 2^53). */
export function compareLiterals(a: NumberLiteral, b: NumberLiteral): number {
  if (a.big !== undefined || b.big !== undefined) {
    if (a.isInteger && b.isInteger) {
      const x = a.big ?? BigInt(a.value);
      const y = b.big ?? BigInt(b.value);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
