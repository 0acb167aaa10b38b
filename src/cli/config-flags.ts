/**
 * `apogee start` / `apogee config show` flags, one per config key, derived from the schema: adding a key to the
 * schema adds its flag. `--set key=value` reaches any key too.
 */
import { Option, type Command } from 'commander';
import { CONFIG_KEYS, ENV_CONFIG_FILE, type ConfigKey } from '../config/keys.js';
import type { FlagValue } from '../config/load.js';
import { CliError, ExitCode } from './errors.js';

export interface ConfigFlagOptions {
  config?: string;
  set?: string[];
  [attribute: string]: unknown;
}

function optionFor(k: ConfigKey): Option {
  const arg = k.kind === 'boolean' ? '[bool]' : k.kind === 'enum' ? `<${k.choices!.join('|')}>` : k.kind === 'number' ? '<n>' : '<value>';
  return new Option(`${k.flag} ${arg}`, `${k.description} (default ${JSON.stringify(k.defaultValue)}; env ${k.env})`);
}

/** Commander's attribute name of each key's flag (`--grpc-port` → `grpcPort`) → the key. */
const flagAttributes: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [optionFor(k).attributeName(), k]));

export function withConfigFlags(cmd: Command): Command {
  for (const k of CONFIG_KEYS) cmd.addOption(optionFor(k));
  return cmd
    .option('--config <file>', `JSON config file (env ${ENV_CONFIG_FILE})`)
    .option('--set <key=value>', 'set any config key, e.g. --set retention.checkIntervalMs=0 (repeatable)', (v: string, prev: string[] = []) => [...prev, v]);
}

/** The flags actually given, in the config loader's terms. */
export function flagValues(opts: ConfigFlagOptions): FlagValue[] {
  const out: FlagValue[] = [];
  for (const [attr, k] of flagAttributes) {
    const v = opts[attr];
    if (v === undefined) continue;
    out.push({ key: k.key, flag: k.flag, value: typeof v === 'boolean' ? v : String(v) });
  }
  for (const s of opts.set ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new CliError(`--set expects key=value, got ${JSON.stringify(s)}`, ExitCode.USAGE);
    const key = s.slice(0, eq).trim();
    out.push({ key, flag: `--set ${key}`, value: s.slice(eq + 1) });
  }
  return out;
}
