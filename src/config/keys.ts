/**
 * Walks the config schema once and derives, for every leaf key, its path, kind, env variable and flag, so
 * env and flag parsing, help text and error messages never need a second list of keys.
 */
import { z } from 'zod';
import { ENV_PREFIX, isNonKeyEnv } from './env.js';
import { configSchema } from './schema.js';

export type LeafKind = 'string' | 'number' | 'boolean' | 'enum';

export interface ConfigKey {
  /** Dotted path as written in messages: `retention.fileReservedHours`. */
  readonly key: string;
  readonly path: readonly string[];
  readonly kind: LeafKind;
  /** Allowed values of an enum key. */
  readonly choices?: readonly string[];
  readonly defaultValue: unknown;
  readonly description: string;
  /** `APOGEE_RETENTION_FILE_RESERVED_HOURS`. */
  readonly env: string;
  /** `--retention-file-reserved-hours`. */
  readonly flag: string;
}

export { ENV_ADMIN_URL, ENV_CONFIG_FILE, ENV_PREFIX, NON_KEY_ENV, TOOL_ENV_PREFIXES, isNonKeyEnv } from './env.js';

const words = (s: string): string[] => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(' ');

function unwrap(schema: z.ZodType): { inner: z.ZodType; description: string | undefined } {
  let s: z.ZodType = schema;
  const description = schema.description;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else return { inner: s, description };
  }
}

function walk(shape: Record<string, z.ZodType>, defaults: Record<string, unknown>, prefix: string[], out: ConfigKey[]): void {
  for (const [name, field] of Object.entries(shape)) {
    const path = [...prefix, name];
    const { inner, description } = unwrap(field);
    const defaultValue = defaults[name];
    if (inner instanceof z.ZodObject) {
      walk(inner.shape as Record<string, z.ZodType>, defaultValue as Record<string, unknown>, path, out);
      continue;
    }
    let kind: LeafKind;
    let choices: readonly string[] | undefined;
    if (inner instanceof z.ZodString) kind = 'string';
    else if (inner instanceof z.ZodNumber) kind = 'number';
    else if (inner instanceof z.ZodBoolean) kind = 'boolean';
    else if (inner instanceof z.ZodEnum) {
      kind = 'enum';
      choices = inner.options.map(String);
    } else throw new Error(`config schema: key ${path.join('.')} has an unsupported type`);
    const w = path.flatMap(words);
    out.push({
      key: path.join('.'),
      path,
      kind,
      ...(choices ? { choices } : {}),
      defaultValue,
      description: description ?? '',
      env: ENV_PREFIX + w.join('_').toUpperCase(),
      flag: '--' + w.join('-'),
    });
  }
}

function collectKeys(): ConfigKey[] {
  const out: ConfigKey[] = [];
  walk(configSchema.shape as Record<string, z.ZodType>, configSchema.parse({}) as Record<string, unknown>, [], out);
  const seen = new Set<string>();
  for (const k of out) {
    for (const name of [k.env, k.flag]) {
      if (seen.has(name)) throw new Error(`config schema: ${name} derived twice (rename a key)`);
      seen.add(name);
    }
    if (isNonKeyEnv(k.env)) throw new Error(`config schema: ${k.env} is reserved for tools or the CLI`);
  }
  return out;
}

/** Every leaf key of the schema, in schema order. */
export const CONFIG_KEYS: readonly ConfigKey[] = collectKeys();

export const keyByEnv: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [k.env, k]));
export const keyByPath: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [k.key, k]));

/**
 * Turns an env/flag string into the key's type. A string that does not parse is returned unchanged so the
 * schema reports it with the key's own rule.
 */
export function coerce(key: ConfigKey, raw: string): unknown {
  const s = raw.trim();
  switch (key.kind) {
    case 'number': {
      if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return raw;
      return Number(s);
    }
    case 'boolean': {
      const l = s.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(l)) return true;
      if (['false', '0', 'no', 'off'].includes(l)) return false;
      return raw;
    }
    default:
      return raw;
  }
}
