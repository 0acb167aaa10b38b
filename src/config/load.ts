/**
 * Builds the effective config: defaults → config file → environment (`APOGEE_*`) → flags. Each source is
 * validated on its own first, so an unknown key or a bad value is reported with the source it came from.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { configSchema, type ApogeeConfig } from './schema.js';
import { CONFIG_KEYS, ENV_CONFIG_FILE, ENV_PREFIX, coerce, isNonKeyEnv, keyByEnv, keyByPath, type ConfigKey } from './keys.js';

export interface ConfigProblem {
  /** Dotted key (or the variable/flag name when it maps to no key). */
  key: string;
  /** `file apogee.json`, `env APOGEE_GRPC_PORT`, `flag --grpc-port`, `options`. */
  source: string;
  message: string;
}

/** Refused configuration; `message` has one line per problem, each naming the key and its source. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `config: ${p.message}`).join('\n'));
  }
}

/** One value given on the command line. */
export interface FlagValue {
  /** Dotted config key, e.g. `grpcPort` or `retention.checkIntervalMs`. */
  key: string;
  /** The flag as typed, for messages (`--grpc-port`, `--set retention.checkIntervalMs`). */
  flag: string;
  /** A string is coerced to the key's type; `true` is what a bare boolean flag gives. */
  value: string | boolean;
}

export interface LoadConfigInput {
  /** Path of a JSON config file; when absent, `APOGEE_CONFIG` from `env` is used if set. */
  configFile?: string;
  /** Usually `process.env`; only `APOGEE_*` entries are read. */
  env?: Readonly<Record<string, string | undefined>>;
  flags?: readonly FlagValue[];
}

export interface LoadedConfig {
  config: ApogeeConfig;
  /** Where each key not left at its default came from (`flag --grpc-port`, ...). */
  origins: Record<string, string>;
  /** Absolute path of the config file read, if any. */
  configFile?: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function setPath(target: Obj, path: readonly string[], value: unknown): void {
  let o = target;
  for (const p of path.slice(0, -1)) {
    if (!isObj(o[p])) o[p] = {};
    o = o[p] as Obj;
  }
  o[path[path.length - 1]!] = value;
}

function deepMerge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  return out;
}

/** Leaf paths present in a (validated) partial source. */
function leafPaths(o: Obj, prefix: string[] = []): string[][] {
  return Object.entries(o).flatMap(([k, v]) => (isObj(v) ? leafPaths(v, [...prefix, k]) : [[...prefix, k]]));
}

/** Validates one source's partial object; `labelOf` names the source of a key for messages. */
function validateSource(values: Obj, labelOf: (key: string) => string, raws?: Map<string, string>): ConfigProblem[] {
  const result = configSchema.safeParse(values);
  if (result.success) return [];
  return result.error.issues.flatMap((issue: z.core.$ZodIssue): ConfigProblem[] => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => {
        const key = [...at, k].join('.');
        return { key, source: labelOf(key), message: `unknown key "${key}" in ${labelOf(key)}` };
      });
    }
    const key = at.join('.') || '(root)';
    const raw = raws?.get(key);
    const shown = raw !== undefined ? ` (got ${JSON.stringify(raw)})` : '';
    return [{ key, source: labelOf(key), message: `bad value for "${key}" in ${labelOf(key)}: ${issue.message}${shown}` }];
  });
}

async function readConfigFile(path: string): Promise<{ values: Obj; problems: ConfigProblem[] }> {
  const source = `file ${path}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message;
    return { values: {}, problems: [{ key: '(file)', source, message: `cannot read config ${source}: ${reason}` }] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { values: {}, problems: [{ key: '(file)', source, message: `config ${source} is not valid JSON: ${(err as Error).message}` }] };
  }
  if (!isObj(parsed)) {
    return { values: {}, problems: [{ key: '(file)', source, message: `config ${source} must hold a JSON object` }] };
  }
  return { values: parsed, problems: validateSource(parsed, () => source) };
}

function readEnv(env: Readonly<Record<string, string | undefined>>): { values: Obj; origins: Map<string, string>; problems: ConfigProblem[] } {
  const values: Obj = {};
  const origins = new Map<string, string>();
  const raws = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || isNonKeyEnv(name)) continue;
    const key = keyByEnv.get(name);
    if (!key) {
      problems.push({ key: name, source: `env ${name}`, message: `unknown environment variable ${name} (no config key maps to it)` });
      continue;
    }
    setPath(values, key.path, coerce(key, raw));
    origins.set(key.key, `env ${name}`);
    raws.set(key.key, raw);
  }
  problems.push(...validateSource(values, (k) => origins.get(k) ?? 'env', raws));
  return { values, origins, problems };
}

function readFlags(flags: readonly FlagValue[]): { values: Obj; origins: Map<string, string>; problems: ConfigProblem[] } {
  const values: Obj = {};
  const origins = new Map<string, string>();
  const raws = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const f of flags) {
    const key: ConfigKey | undefined = keyByPath.get(f.key);
    if (!key) {
      problems.push({ key: f.key, source: `flag ${f.flag}`, message: `unknown key "${f.key}" in flag ${f.flag}` });
      continue;
    }
    setPath(values, key.path, typeof f.value === 'string' ? coerce(key, f.value) : f.value);
    origins.set(key.key, `flag ${f.flag}`);
    if (typeof f.value === 'string') raws.set(key.key, f.value);
  }
  problems.push(...validateSource(values, (k) => origins.get(k) ?? 'flags', raws));
  return { values, origins, problems };
}

/** Loads and validates the effective config; throws `ConfigError` listing every problem found. */
export async function loadConfig(input: LoadConfigInput = {}): Promise<LoadedConfig> {
  const env = input.env ?? {};
  const problems: ConfigProblem[] = [];
  const origins: Record<string, string> = {};
  let merged: Obj = {};

  const filePath = input.configFile ?? env[ENV_CONFIG_FILE];
  let configFile: string | undefined;
  if (filePath !== undefined && filePath !== '') {
    configFile = resolve(filePath);
    const file = await readConfigFile(configFile);
    problems.push(...file.problems);
    if (file.problems.length === 0) {
      merged = deepMerge(merged, file.values);
      for (const p of leafPaths(file.values)) origins[p.join('.')] = `file ${configFile}`;
    }
  }
  for (const source of [readEnv(env), readFlags(input.flags ?? [])]) {
    problems.push(...source.problems);
    if (source.problems.length === 0) {
      merged = deepMerge(merged, source.values);
      for (const [k, o] of source.origins) origins[k] = o;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: parseConfig(merged, 'merged config'), origins, ...(configFile ? { configFile } : {}) };
}

/** Validates a whole config object from one source (e.g. `startBroker` options); throws `ConfigError`. */
export function parseConfig(values: unknown, source: string): ApogeeConfig {
  if (!isObj(values)) throw new ConfigError([{ key: '(root)', source, message: `${source} must be an object` }]);
  const problems = validateSource(values, () => source);
  if (problems.length > 0) throw new ConfigError(problems);
  return configSchema.parse(values);
}

/** The keys of the schema, for help text and docs. */
export { CONFIG_KEYS };
