/** The checked syntax tree of an SQL92 filter, produced by the parser and turned into closures by the compiler. */

/** A numeric literal: `value` is exact unless the integer lies beyond 2^53, where `big` holds it exactly. */
export interface NumberLiteral {
  readonly kind: 'number';
  readonly value: number;
  readonly isInteger: boolean;
  readonly big: bigint | undefined;
}

export type Operand =
  | { readonly kind: 'property'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string }
  | NumberLiteral
  | { readonly kind: 'boolean'; readonly value: boolean };

export type EqualityOperator = '=' | '<>';
export type OrderingOperator = '<' | '<=' | '>' | '>=';
export type StringOperator = 'CONTAINS' | 'STARTSWITH' | 'ENDSWITH';

export type Condition =
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'and'; readonly items: readonly Condition[] }
  | { readonly kind: 'or'; readonly items: readonly Condition[] }
  | { readonly kind: 'not'; readonly item: Condition }
  | { readonly kind: 'equality'; readonly op: EqualityOperator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'ordering'; readonly op: OrderingOperator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'isNull'; readonly operand: Operand; readonly negated: boolean }
  | {
      readonly kind: 'in';
      readonly property: string;
      readonly values: readonly string[];
      readonly negated: boolean;
    }
  | {
      readonly kind: 'string';
      readonly op: StringOperator;
      readonly operand: Operand;
      readonly search: string;
      readonly negated: boolean;
    };
