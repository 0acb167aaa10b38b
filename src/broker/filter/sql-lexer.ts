import { filterError } from './errors.js';

/**
 * Tokenizer for RocketMQ's SQL92 filter dialect (the JMS-selector grammar RocketMQ took from ActiveMQ):
 * keywords are case-insensitive, strings are single-quoted with '' as an escaped quote, numbers are decimal
 * integers (optional L suffix) or decimals with optional exponent, comments are `-- ...` and `/* ... *\/`.
 *
 * Identifiers: RocketMQ allows [A-Za-z_$][A-Za-z0-9_$]*; we also allow '.' after the first character because
 * property keys such as "biz.type" are common. Non-ASCII letters are not identifier characters (as RocketMQ).
 */

export type Keyword =
  | 'NOT'
  | 'AND'
  | 'OR'
  | 'BETWEEN'
  | 'IN'
  | 'TRUE'
  | 'FALSE'
  | 'NULL'
  | 'IS'
  | 'CONTAINS'
  | 'STARTSWITH'
  | 'ENDSWITH';

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  'NOT',
  'AND',
  'OR',
  'BETWEEN',
  'IN',
  'TRUE',
  'FALSE',
  'NULL',
  'IS',
  'CONTAINS',
  'STARTSWITH',
  'ENDSWITH',
]);

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Token =
  | { kind: 'keyword'; keyword: Keyword; text: string; pos: number }
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; value: string; text: string; pos: number }
  | { kind: 'number'; text: string; isInteger: boolean; pos: number }
  | { kind: 'op'; op: ComparisonOperator; text: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | '+' | '-'; pos: number }
  | { kind: 'eof'; text: ''; pos: number };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 36 /* $ */;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 46 /* . */;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const n = src.length;
  let i = 0;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    // Comments. Note "--5" is therefore a comment, not a double negation (as in RocketMQ).
    if (c === 45 /* - */ && src.charCodeAt(i + 1) === 45) {
      while (i < n && src.charCodeAt(i) !== 10 && src.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c === 47 /* / */ && src.charCodeAt(i + 1) === 42 /* * */) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw filterError('SQL', "expected '*/' closing the comment", start, src.slice(start));
      i = end + 2;
      continue;
    }
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(src.charCodeAt(i))) i++;
      const text = src.slice(start, i);
      const upper = text.toUpperCase();
      if (KEYWORDS.has(upper)) tokens.push({ kind: 'keyword', keyword: upper as Keyword, text, pos: start });
      else tokens.push({ kind: 'ident', text, pos: start });
      continue;
    }
    if (isDigit(c) || (c === 46 /* . */ && isDigit(src.charCodeAt(i + 1)))) {
      tokens.push(lexNumber(src, start));
      i = start + tokens[tokens.length - 1]!.text.length;
      continue;
    }
    if (c === 39 /* ' */) {
      let value = '';
      let from = i + 1;
      i++;
      for (;;) {
        if (i >= n) throw filterError('SQL', 'expected a closing quote for the string', start, src.slice(start));
        if (src.charCodeAt(i) === 39) {
          if (src.charCodeAt(i + 1) === 39) {
            value += src.slice(from, i + 1); // keep one quote of the '' pair
            i += 2;
            from = i;
            continue;
          }
          value += src.slice(from, i);
          i++;
          break;
        }
        i++;
      }
      tokens.push({ kind: 'string', value, text: src.slice(start, i), pos: start });
      continue;
    }
    const next = src.charCodeAt(i + 1);
    switch (c) {
      case 61 /* = */:
        tokens.push({ kind: 'op', op: '=', text: '=', pos: start });
        i++;
        continue;
      case 60 /* < */:
        if (next === 62) tokens.push({ kind: 'op', op: '<>', text: '<>', pos: start });
        else if (next === 61) tokens.push({ kind: 'op', op: '<=', text: '<=', pos: start });
        else tokens.push({ kind: 'op', op: '<', text: '<', pos: start });
        i += next === 62 || next === 61 ? 2 : 1;
        continue;
      case 62 /* > */:
        if (next === 61) tokens.push({ kind: 'op', op: '>=', text: '>=', pos: start });
        else tokens.push({ kind: 'op', op: '>', text: '>', pos: start });
        i += next === 61 ? 2 : 1;
        continue;
      case 33 /* ! */:
        // '!=' is not in RocketMQ's grammar; accepted as a synonym of '<>' for convenience.
        if (next === 61) {
          tokens.push({ kind: 'op', op: '<>', text: '!=', pos: start });
          i += 2;
          continue;
        }
        break;
      case 40:
        tokens.push({ kind: 'punct', text: '(', pos: start });
        i++;
        continue;
      case 41:
        tokens.push({ kind: 'punct', text: ')', pos: start });
        i++;
        continue;
      case 44:
        tokens.push({ kind: 'punct', text: ',', pos: start });
        i++;
        continue;
      case 43:
        tokens.push({ kind: 'punct', text: '+', pos: start });
        i++;
        continue;
      case 45:
        tokens.push({ kind: 'punct', text: '-', pos: start });
        i++;
        continue;
      default:
        break;
    }
    const ch = String.fromCodePoint(src.codePointAt(i)!);
    if (c === 34 /* " */) {
      throw filterError('SQL', 'unexpected \'"\' (string literals use single quotes)', start, ch);
    }
    throw filterError('SQL', `unexpected character '${ch}'`, start, ch);
  }
  tokens.push({ kind: 'eof', text: '', pos: n });
  return tokens;
}

/** digits ['.' digits*] [exponent] [L]  |  '.' digits [exponent] */
function lexNumber(src: string, start: number): Token {
  const n = src.length;
  let i = start;
  let isInteger = true;
  while (i < n && isDigit(src.charCodeAt(i))) i++;
  if (i < n && src.charCodeAt(i) === 46 /* . */) {
    isInteger = false;
    i++;
    while (i < n && isDigit(src.charCodeAt(i))) i++;
  }
  const e = src.charCodeAt(i);
  if (e === 69 || e === 101 /* E e */) {
    let j = i + 1;
    const s = src.charCodeAt(j);
    if (s === 43 || s === 45) j++;
    if (isDigit(src.charCodeAt(j))) {
      isInteger = false;
      while (j < n && isDigit(src.charCodeAt(j))) j++;
      i = j;
    }
  }
  const l = src.charCodeAt(i);
  if (isInteger && (l === 76 || l === 108) /* L l */) i++;
  // "5abc" or "1.2.3": refuse rather than silently splitting into two tokens.
  if (i < n && (isIdentPart(src.charCodeAt(i)) || src.charCodeAt(i) === 46)) {
    let j = i;
    while (j < n && isIdentPart(src.charCodeAt(j))) j++;
    throw filterError('SQL', 'expected a number', start, src.slice(start, Math.max(j, i + 1)));
  }
  return { kind: 'number', text: src.slice(start, i), isInteger, pos: start };
}
