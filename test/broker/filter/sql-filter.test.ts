import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, type FilterableMessage } from '../../../src/broker/filter/index.js';

/** [expression, properties, tag (undefined = none), expected match, why]. */
type SqlCase = [string, Record<string, string>, string | undefined, boolean, string];

const cases: SqlCase[] = [
  // ---- numbers ----
  ['a > 5', { a: '6' }, undefined, true, 'greater'],
  ['a > 5', { a: '5' }, undefined, false, 'strictly greater'],
  ['a >= 5', { a: '5' }, undefined, true, 'greater or equal at the edge'],
  ['a < 5.5', { a: '5.4' }, undefined, true, 'decimal literal'],
  ['a <= -1', { a: '-1' }, undefined, true, 'negative literal'],
  ['a > 5', { a: '5.5' }, undefined, true, 'integer literal against a decimal property'],
  ['a = 10', { a: '10.0' }, undefined, true, 'numeric equality, not string equality'],
  ['a = 10', { a: '+10' }, undefined, true, 'explicit plus sign in the property'],
  ['a > b', { a: '10', b: '9' }, undefined, true, 'two properties compare as numbers, not as strings'],
  ['a > 1e3', { a: '1001' }, undefined, true, 'exponent literal'],
  ['a > .5', { a: '0.6' }, undefined, true, 'leading-dot literal'],
  ['a = 0.0', { a: '0' }, undefined, true, 'zero decimal literal'],
  ['a = 5L', { a: '5' }, undefined, true, 'Java long suffix'],
  ['5 < a', { a: '6' }, undefined, true, 'literal on the left'],
  ['-3 = a', { a: '-3' }, undefined, true, 'negative literal on the left'],
  ['a = 9007199254740993', { a: '9007199254740993' }, undefined, true, 'integers beyond 2^53 compare exactly'],
  ['a = 9007199254740993', { a: '9007199254740992' }, undefined, false, 'no double rounding beyond 2^53'],
  ['a > 9007199254740992', { a: '9007199254740993' }, undefined, true, 'exact ordering beyond 2^53'],
  // ---- not a number: RocketMQ throws and does not deliver ----
  ['a = 10', { a: 'abc' }, undefined, false, 'non-numeric property against a number'],
  ['a > 5', { a: 'abc' }, undefined, false, 'non-numeric ordering'],
  ['NOT (a > 5)', { a: 'abc' }, undefined, false, 'NOT does not turn a mismatch into a match'],
  ['a <> 10', { a: 'abc' }, undefined, false, '<> of a mismatch is no match either'],
  ['a > 5', { a: ' 6' }, undefined, false, 'no whitespace around numbers'],
  ['a > 5', { a: '0x10' }, undefined, false, 'no hex'],
  ['a > 5', { a: 'Infinity' }, undefined, false, 'no Infinity'],
  ['a >= b', { a: '1', b: 'x' }, undefined, false, 'a non-numeric right property'],
  ['x = 1 OR a > 5', { x: '1', a: 'abc' }, undefined, true, 'OR stops at its first TRUE before the mismatch'],
  ['a > 5 OR x = 1', { x: '1', a: 'abc' }, undefined, false, 'a mismatch evaluated first aborts, as RocketMQ'],
  // ---- NULL (missing property) ----
  ['a > 5', {}, undefined, false, 'missing property is UNKNOWN'],
  ['NOT (a > 5)', {}, undefined, false, 'NOT UNKNOWN is UNKNOWN'],
  ['a <> 5', {}, undefined, false, '<> with a missing property'],
  ["a <> 'x'", {}, undefined, false, 'string <> with a missing property'],
  ["'x' <> a", {}, undefined, false, 'symmetric NULL handling'],
  ['a = b', {}, undefined, false, 'two missing properties are not equal'],
  ["a > 5 OR b = 'x'", { b: 'x' }, undefined, true, 'UNKNOWN OR TRUE is TRUE'],
  ["a > 5 AND b = 'x'", { b: 'x' }, undefined, false, 'UNKNOWN AND TRUE is UNKNOWN'],
  ["NOT (a > 5 AND b = 'x')", { b: 'y' }, undefined, true, 'UNKNOWN AND FALSE is FALSE, negated TRUE'],
  ['a IS NULL', {}, undefined, true, 'IS NULL on a missing property'],
  ['a IS NULL', { a: '' }, undefined, false, 'an empty value is present'],
  ['a IS NOT NULL', { a: '1' }, undefined, true, 'IS NOT NULL'],
  ['a IS NOT NULL', {}, undefined, false, 'IS NOT NULL on a missing property'],
  ['constructor IS NULL', {}, undefined, true, 'inherited object members are not properties'],
  ['toString = \'x\'', {}, undefined, false, 'inherited members compare as missing'],
  // ---- strings ----
  ["a = 'abc'", { a: 'abc' }, undefined, true, 'string equality'],
  ["a = 'abc'", { a: 'ABC' }, undefined, false, 'string equality is case-sensitive'],
  ["a <> 'abc'", { a: 'abd' }, undefined, true, 'string inequality'],
  ["a != 'abc'", { a: 'abd' }, undefined, true, '!= is accepted as <>'],
  ["a = 'it''s'", { a: "it's" }, undefined, true, "'' escapes a quote"],
  ["a = ''", { a: '' }, undefined, true, 'empty string literal'],
  ["a = '5'", { a: '5.0' }, undefined, false, 'a string literal compares as a string'],
  ['a = b', { a: 'x', b: 'x' }, undefined, true, 'two properties compare as strings for ='],
  ['a = b', { a: '1', b: '1.0' }, undefined, false, 'even when they look numeric'],
  ["a = 'héllo ✓'", { a: 'héllo ✓' }, undefined, true, 'non-ASCII inside string literals'],
  ['a = TRUE', { a: 'True' }, undefined, true, 'boolean literal: "true" ignoring case'],
  ['a = FALSE', { a: 'yes' }, undefined, true, 'boolean literal: anything else is false (Java Boolean.valueOf)'],
  ['a = TRUE', { a: '1' }, undefined, false, '"1" is not true'],
  // ---- BETWEEN ----
  ['a BETWEEN 1 AND 3', { a: '1' }, undefined, true, 'BETWEEN includes the low edge'],
  ['a BETWEEN 1 AND 3', { a: '3' }, undefined, true, 'BETWEEN includes the high edge'],
  ['a BETWEEN 1 AND 3', { a: '0.999' }, undefined, false, 'below the range'],
  ['a BETWEEN 1 AND 3', { a: '3.01' }, undefined, false, 'above the range'],
  ['a BETWEEN 1 AND 3', {}, undefined, false, 'BETWEEN on a missing property'],
  ['a BETWEEN 1 AND 1', { a: '1' }, undefined, true, 'equal bounds'],
  ['a BETWEEN -3 AND -1', { a: '-2' }, undefined, true, 'negative bounds'],
  ['a BETWEEN lo AND hi', { a: '5', lo: '1', hi: '10' }, undefined, true, 'property bounds'],
  ['a NOT BETWEEN 1 AND 3', { a: '0' }, undefined, true, 'NOT BETWEEN below'],
  ['a NOT BETWEEN 1 AND 3', { a: '4' }, undefined, true, 'NOT BETWEEN above'],
  ['a NOT BETWEEN 1 AND 3', { a: '1' }, undefined, false, 'NOT BETWEEN at the edge'],
  ['a NOT BETWEEN 1 AND 3', {}, undefined, false, 'NOT BETWEEN on a missing property'],
  ['a BETWEEN 1 AND 3 AND b = 1', { a: '2', b: '1' }, undefined, true, 'the AND of BETWEEN is not a logical AND'],
  // ---- IN ----
  ["a IN ('x', 'y')", { a: 'y' }, undefined, true, 'IN hit'],
  ["a IN ('x', 'y')", { a: 'z' }, undefined, false, 'IN miss'],
  ["a IN ('x', 'y')", {}, undefined, false, 'IN on a missing property'],
  ["a NOT IN ('x', 'y')", { a: 'z' }, undefined, true, 'NOT IN miss matches'],
  ["a NOT IN ('x', 'y')", { a: 'x' }, undefined, false, 'NOT IN hit'],
  ["a NOT IN ('x', 'y')", {}, undefined, false, 'NOT IN on a missing property'],
  ["a IN ('1')", { a: '1.0' }, undefined, false, 'IN compares strings'],
  ["a IN ('a','b','c','d','e','f','g')", { a: 'g' }, undefined, true, 'longer IN list'],
  // ---- logic and precedence ----
  ['a = 1 OR b = 1 AND c = 1', { a: '1' }, undefined, true, 'AND binds tighter than OR'],
  ['(a = 1 OR b = 1) AND c = 1', { a: '1' }, undefined, false, 'parentheses override precedence'],
  ['a = 1 AND b = 1 OR c = 1', { c: '1' }, undefined, true, 'AND binds tighter than OR, other side'],
  ['NOT a = 1', { a: '2' }, undefined, true, 'NOT binds looser than a comparison'],
  ['NOT a = 1 AND b = 1', { a: '2', b: '1' }, undefined, true, 'NOT binds tighter than AND'],
  ['NOT NOT a = 1', { a: '1' }, undefined, true, 'double NOT'],
  ['TRUE', {}, undefined, true, 'TRUE literal'],
  ['FALSE', {}, undefined, false, 'FALSE literal'],
  ['NOT FALSE', {}, undefined, true, 'NOT FALSE'],
  ['TRUE AND a IS NULL', {}, undefined, true, 'literal inside AND'],
  ['((a = 1))', { a: '1' }, undefined, true, 'nested parentheses'],
  ['1 = 1', {}, undefined, true, 'constant comparison'],
  // ---- case-insensitive keywords ----
  ['a = 1 and b = 2', { a: '1', b: '2' }, undefined, true, 'lower-case and'],
  ['a Between 1 aNd 2', { a: '2' }, undefined, true, 'mixed-case BETWEEN/AND'],
  ['a is not null OR b is null', { a: '1' }, undefined, true, 'lower-case IS NOT NULL / OR'],
  ["a not in ('x') and a = true", { a: 'TRUE' }, undefined, true, 'lower-case NOT IN and true'],
  ['A = 1', { a: '1' }, undefined, false, 'property names are case-sensitive'],
  // ---- TAGS ----
  ["TAGS = 'TagA'", {}, 'TagA', true, 'TAGS is the message tag'],
  ["TAGS = 'TagA'", {}, undefined, false, 'no tag'],
  ['TAGS IS NULL', {}, undefined, true, 'TAGS IS NULL without a tag'],
  ["TAGS IN ('TagA', 'TagB') AND a > 1", { a: '2' }, 'TagB', true, 'TAGS with IN'],
  ["TAGS <> 'TagA'", {}, 'TagB', true, 'TAGS <>'],
  // ---- CONTAINS / STARTSWITH / ENDSWITH ----
  ["a CONTAINS 'bc'", { a: 'abcd' }, undefined, true, 'CONTAINS'],
  ["a CONTAINS 'bc'", { a: 'abd' }, undefined, false, 'CONTAINS miss'],
  ["a NOT CONTAINS 'bc'", { a: 'xyz' }, undefined, true, 'NOT CONTAINS'],
  ["a NOT CONTAINS 'bc'", {}, undefined, false, 'NOT CONTAINS needs the property (RocketMQ)'],
  ["NOT (a CONTAINS 'bc')", {}, undefined, true, 'CONTAINS on a missing property is FALSE, not UNKNOWN (RocketMQ)'],
  ["a CONTAINS ''", { a: 'x' }, undefined, false, 'empty search string never matches'],
  ["a NOT CONTAINS ''", { a: 'x' }, undefined, false, 'not even negated'],
  ["a STARTSWITH 'ab'", { a: 'abc' }, undefined, true, 'STARTSWITH'],
  ["a startswith 'bc'", { a: 'abc' }, undefined, false, 'STARTSWITH miss'],
  ["a NOT STARTSWITH 'bc'", { a: 'abc' }, undefined, true, 'NOT STARTSWITH'],
  ["a ENDSWITH 'bc'", { a: 'abc' }, undefined, true, 'ENDSWITH'],
  ["a NOT ENDSWITH 'bc'", { a: 'abc' }, undefined, false, 'NOT ENDSWITH'],
  ["TAGS STARTSWITH 'Tag'", {}, 'TagA', true, 'STARTSWITH on TAGS'],
  // ---- identifiers, comments, whitespace ----
  ["biz.type = 'order'", { 'biz.type': 'order' }, undefined, true, 'dots in property names'],
  ['$v_1 = 1', { $v_1: '1' }, undefined, true, '$ and _ in property names'],
  ['a = 1 /* note */ AND b = 2 -- trailing comment', { a: '1', b: '2' }, undefined, true, 'comments'],
  ['\ta\n=\r\n1 ', { a: '1' }, undefined, true, 'any whitespace'],
];

describe('SQL92 filter', () => {
  it('the table is big enough', () => assert.ok(cases.length >= 40));

  for (const [expression, properties, tag, expected, why] of cases) {
    const shown = tag === undefined ? JSON.stringify(properties) : `${JSON.stringify(properties)} tag=${tag}`;
    it(`${expression}  |  ${shown}  ->  ${expected}  (${why})`, () => {
      const f = compileFilter({ type: 'SQL', expression });
      assert.equal(f.type, 'SQL');
      assert.equal(f.expression, expression);
      const message: FilterableMessage = tag === undefined ? { properties } : { tag, properties };
      assert.equal(f.matches(message), expected);
      // Evaluation has no hidden state: same answer the second time.
      assert.equal(f.matches(message), expected);
    });
  }

  it('one compiled filter evaluates many messages independently', () => {
    const f = compileFilter({ type: 'SQL', expression: "a BETWEEN 10 AND 20 AND b IN ('x', 'y')" });
    const hits: number[] = [];
    for (let i = 0; i < 30; i++) {
      if (f.matches({ properties: { a: String(i), b: i % 2 === 0 ? 'x' : 'z' } })) hits.push(i);
    }
    assert.deepEqual(hits, [10, 12, 14, 16, 18, 20]);
  });

  it('accepts an expression at the length limit and deep-but-allowed nesting', () => {
    const clause = "a = 'x' OR ";
    let expression = clause.repeat(Math.floor((4096 - 5) / clause.length)) + 'a = 1';
    expression += ' '.repeat(4096 - expression.length);
    assert.equal(expression.length, 4096);
    assert.equal(compileFilter({ type: 'SQL', expression }).matches({ properties: { a: '1' } }), true);
    const nested = `${'('.repeat(63)}a = 1${')'.repeat(63)}`;
    assert.equal(compileFilter({ type: 'SQL', expression: nested }).matches({ properties: { a: '1' } }), true);
  });
});
