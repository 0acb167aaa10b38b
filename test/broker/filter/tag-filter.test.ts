import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFilter, type FilterableMessage } from '../../../src/broker/filter/index.js';
import type { FilterSpec } from '../../../src/broker/types.js';
import { javaStringHashCode } from '../../../src/util/hash.js';

/** A message as the receive path sees it, plus its consume-queue tag code (0 = no tag). */
function msg(tag: string | undefined): { message: FilterableMessage; code: number } {
  return {
    message: tag === undefined ? { properties: {} } : { tag, properties: {} },
    code: tag === undefined || tag === '' ? 0 : javaStringHashCode(tag),
  };
}

interface TagCase {
  expression: string | undefined; // undefined = no filter spec at all
  tag: string | undefined;
  /** Expected matchesTagsCode(code of the tag). */
  maybe: boolean;
  /** Expected matches(message). */
  exact: boolean;
}

const cases: TagCase[] = [
  { expression: undefined, tag: 'TagA', maybe: true, exact: true },
  { expression: undefined, tag: undefined, maybe: true, exact: true },
  { expression: '*', tag: 'TagA', maybe: true, exact: true },
  { expression: '*', tag: undefined, maybe: true, exact: true },
  { expression: ' * ', tag: undefined, maybe: true, exact: true },
  { expression: '', tag: 'TagA', maybe: true, exact: true },
  { expression: '   ', tag: undefined, maybe: true, exact: true },
  { expression: 'TagA', tag: 'TagA', maybe: true, exact: true },
  { expression: 'TagA', tag: 'TagB', maybe: false, exact: false },
  { expression: 'TagA', tag: undefined, maybe: false, exact: false },
  { expression: 'TagA', tag: '', maybe: false, exact: false },
  { expression: 'TagA', tag: 'taga', maybe: false, exact: false },
  { expression: 'TagA||TagB', tag: 'TagB', maybe: true, exact: true },
  { expression: 'TagA||TagB', tag: 'TagC', maybe: false, exact: false },
  { expression: '  TagA  ||   TagB ', tag: 'TagA', maybe: true, exact: true },
  { expression: '  TagA  ||   TagB ', tag: 'TagB', maybe: true, exact: true },
  { expression: 'TagA || || TagB ||', tag: 'TagB', maybe: true, exact: true },
  { expression: 'TagA || TagB', tag: 'TagA || TagB', maybe: false, exact: false },
  { expression: 'Tag A', tag: 'Tag A', maybe: true, exact: true }, // inner spaces are part of the tag
  // '*' inside a list is a literal tag, as in RocketMQ.
  { expression: 'TagA || *', tag: 'TagB', maybe: false, exact: false },
  { expression: 'TagA || *', tag: '*', maybe: true, exact: true },
  // "Aa" and "BB" share a Java hashCode: the code check says maybe, the exact check says no.
  { expression: 'Aa', tag: 'BB', maybe: true, exact: false },
  { expression: 'Aa', tag: 'Aa', maybe: true, exact: true },
  { expression: 'BB || X', tag: 'Aa', maybe: true, exact: false },
  { expression: 'AaAa', tag: 'BBBB', maybe: true, exact: false },
];

describe('TAG filter', () => {
  it('the collision strings really collide (guards the table below)', () => {
    assert.equal(javaStringHashCode('Aa'), javaStringHashCode('BB'));
    assert.equal(javaStringHashCode('AaAa'), javaStringHashCode('BBBB'));
    assert.notEqual(javaStringHashCode('TagA'), javaStringHashCode('TagB'));
  });

  for (const c of cases) {
    it(`${JSON.stringify(c.expression)} vs tag ${JSON.stringify(c.tag)} -> maybe=${c.maybe} exact=${c.exact}`, () => {
      const spec: FilterSpec | undefined =
        c.expression === undefined ? undefined : { type: 'TAG', expression: c.expression };
      const f = compileFilter(spec);
      assert.equal(f.type, 'TAG');
      const { message, code } = msg(c.tag);
      assert.equal(f.matchesTagsCode(code), c.maybe, 'matchesTagsCode');
      assert.equal(f.matches(message), c.exact, 'matches');
      // The pre-check may only say "maybe" for something that matches; never "no" for a match.
      if (c.exact) assert.equal(f.matchesTagsCode(code), true);
    });
  }

  it('an SQL filter never rejects on the tag code', () => {
    const f = compileFilter({ type: 'SQL', expression: "TAGS = 'TagA'" });
    for (const code of [0, 1, -1, javaStringHashCode('TagB')]) assert.equal(f.matchesTagsCode(code), true);
  });

  it('match-all keeps its type and reports expression *', () => {
    assert.equal(compileFilter({ type: 'SQL', expression: '' }).type, 'SQL');
    assert.equal(compileFilter({ type: 'SQL', expression: '*' }).matches({ properties: {} }), true);
    assert.equal(compileFilter({ type: 'TAG', expression: '' }).expression, '*');
  });

  it('an expression with only separators is refused', () => {
    for (const expression of ['||', ' || || ']) {
      assert.throws(
        () => compileFilter({ type: 'TAG', expression }),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.equal((err as { code?: string }).code, 'ILLEGAL_FILTER_EXPRESSION');
          assert.match(err.message, /^TAG filter: .* at position 0 /);
          return true;
        },
      );
    }
  });

  it('an expression over 4 KiB is refused before parsing', () => {
    const expression = Array.from({ length: 600 }, (_, i) => `Tag${i}`).join('||');
    assert.ok(expression.length > 4096);
    assert.throws(() => compileFilter({ type: 'TAG', expression }), {
      code: 'ILLEGAL_FILTER_EXPRESSION',
      message: /^TAG filter: expected at most 4096 characters \(got \d+\) at position 4096 near '/,
    });
  });
});
