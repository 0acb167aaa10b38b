/**
 * Bodies written by RocketMQ's fastjson: standard JSON except that maps with integer keys (brokerAddrs:
 * `{0:"host:port"}`) leave the keys unquoted. This quotes such keys outside strings, then parses.
 */
import { MQClientError } from './errors.js';

export function parseFastjson(body: Buffer | undefined, what: string): Record<string, unknown> {
  const text = body ? body.toString('utf8') : '{}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoteBareKeys(text));
  } catch {
    throw new MQClientError('PROTOCOL', `${what} body is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new MQClientError('PROTOCOL', `${what} body is not a JSON object`);
  return parsed as Record<string, unknown>;
}

function quoteBareKeys(s: string): string {
  let out = '';
  let inString = false;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c === 123 /* { */ || c === 44 /* , */) {
      // A bare integer key: `{12:` or `,12:`
      let j = i + 1;
      while (j < s.length && (s[j] === ' ' || s[j] === '\n')) j++;
      let k = j;
      if (s[k] === '-') k++;
      while (k < s.length && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
      if (k > j && s[k] === ':') {
        out += s.slice(last, j) + '"' + s.slice(j, k) + '"';
        last = k;
        i = k - 1;
      }
    }
  }
  return out + s.slice(last);
}

export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asObject = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
export const asNumber = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback);
