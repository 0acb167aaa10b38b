import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerError, BrokerErrorCode } from '../../../src/broker/errors.js';
import { compileFilter, IllegalFilterExpressionError } from '../../../src/broker/filter/index.js';

/** [expression, expected position, a fragment the message must contain]. */
type BadCase = [string, number, string];

const deepParens = `${'('.repeat(65)}a = 1${')'.repeat(65)}`;
const deepNots = `${'NOT '.repeat(65)}a = 1`;
const tooLong = `a = '${'x'.repeat(4100)}'`;

const cases: BadCase[] = [
  ['a >', 3, "expected a number or a property after '>'"],
  ['(a = 1', 6, "expected ')'"],
  ['a = 1)', 5, 'expected AND, OR or end of expression'],
  ["a = 'abc", 4, 'expected a closing quote'],
  ["a > 'x'", 4, 'expected a number or a property'],
  ['a > TRUE', 4, 'expected a number or a property'],
  ['a IN (1, 2)', 6, 'expected a string literal in the IN list'],
  ["a IN ('x' 'y')", 10, "expected ',' or ')'"],
  ['a IN ()', 6, 'expected a string literal in the IN list'],
  ["'x' IN ('x')", 0, 'expected a property before IN'],
  ['a BETWEEN 5 AND 1', 2, 'expected BETWEEN bounds with low <= high'],
  ['a BETWEEN 1 OR 5', 12, 'expected AND between the BETWEEN bounds'],
  ["a BETWEEN 'x' AND 'y'", 10, 'expected a number or a property'],
  ['a = NULL', 4, 'expected IS NULL or IS NOT NULL'],
  ['a', 1, 'expected a comparison'],
  ['a AND b = 1', 2, 'expected a comparison'],
  ['a == 1', 3, "expected a value after '='"],
  ['a # 1', 2, "unexpected character '#'"],
  ['a = "x"', 4, 'single quotes'],
  ['   AND a = 1', 3, 'expected a condition'],
  ['a = 1 AND', 9, 'expected a condition'],
  ['a = 1 AND NULL', 10, 'expected IS NULL or IS NOT NULL'],
  ['a IS 1', 5, 'expected NULL or NOT NULL'],
  ['a IS NOT', 8, 'expected NULL'],
  ["a NOT LIKE 'x'", 6, 'expected BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT'],
  ['a = 99999999999999999999', 4, 'expected an integer within 64 bits'],
  ['a = 1e999', 4, 'expected a finite number'],
  ['a = 5abc', 4, 'expected a number'],
  ['a = 1.2.3', 4, 'expected a number'],
  ['a CONTAINS 5', 11, 'expected a string literal after CONTAINS'],
  ['a = -b', 5, "expected a number after '-'"],
  ['a > 1 = TRUE', 6, 'expected AND, OR or end of expression'],
  ['(a = 1) = TRUE', 8, 'expected AND, OR or end of expression'],
  ['/* unterminated', 0, "expected '*/'"],
  ['()', 1, 'expected a condition'],
  [deepParens, 64, 'expected at most 64 levels of nesting'],
  [deepNots, 256, 'expected at most 64 levels of nesting'],
  [tooLong, 4096, 'expected at most 4096 characters'],
];

describe('SQL92 filter: bad expressions', () => {
  it('the table is big enough', () => assert.ok(cases.length >= 15));

  for (const [expression, position, fragment] of cases) {
    const shown = expression.length > 60 ? `${expression.slice(0, 40)}... (${expression.length} chars)` : expression;
    it(`${JSON.stringify(shown)} -> position ${position}: ${fragment}`, () => {
      assert.throws(
        () => compileFilter({ type: 'SQL', expression }),
        (err: unknown) => {
          assert.ok(err instanceof BrokerError, 'a BrokerError');
          assert.ok(err instanceof IllegalFilterExpressionError);
          assert.equal(err.code, BrokerErrorCode.ILLEGAL_FILTER_EXPRESSION);
          assert.equal(err.retriable, false);
          assert.equal(err.position, position);
          assert.ok(err.message.startsWith('SQL filter: '), err.message);
          assert.ok(err.message.includes(`at position ${position} near `), err.message);
          assert.ok(err.message.includes(fragment), err.message);
          return true;
        },
      );
    });
  }

  it('names the offending token or the end of the expression', () => {
    assert.throws(() => compileFilter({ type: 'SQL', expression: '(a = 1 AND b = 2 c' }), {
      message: "SQL filter: expected ')' at position 17 near 'c'",
    });
    assert.throws(() => compileFilter({ type: 'SQL', expression: 'a = 1 AND (b = 2' }), {
      message: "SQL filter: expected ')' at position 16 near end of expression",
    });
  });

  it('refuses an unknown filter type at run time', () => {
    assert.throws(
      () => compileFilter({ type: 'XPATH' as 'SQL', expression: 'a = 1' }),
      (err: unknown) => err instanceof IllegalFilterExpressionError && err.position === 0,
    );
  });
});
