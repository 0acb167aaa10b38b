/** `apogee config show` (effective config and where each value came from) and `apogee config keys` (reference). */
import type { Command } from 'commander';
import { CONFIG_KEYS } from '../../config/keys.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { flagValues, withConfigFlags, type ConfigFlagOptions } from '../config-flags.js';
import { CliError, ExitCode } from '../errors.js';
import { json, stdout, table } from '../output.js';
import { CONFIG_DESCRIPTION } from '../descriptions.js';

type Env = Readonly<Record<string, string | undefined>>;

export function registerConfigCommands(program: Command, env: Env): void {
  const config = program.command('config').description(CONFIG_DESCRIPTION);

  withConfigFlags(config.command('show').description('print the effective config `apogee start` would use with the same flags'))
    .option('--json', 'print JSON')
    .action(async (opts: ConfigFlagOptions & { json?: boolean }) => {
      let loaded;
      try {
        loaded = await loadConfig({ ...(opts.config !== undefined ? { configFile: opts.config } : {}), env, flags: flagValues(opts) });
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message, ExitCode.USAGE);
        throw err;
      }
      // The admin token is a secret: shown as set or not, never printed.
      if (loaded.config.auth.adminToken !== '') loaded.config = { ...loaded.config, auth: { ...loaded.config.auth, adminToken: '(set)' } };
      if (opts.json) return stdout.write(json(loaded));
      const value = (path: readonly string[]): unknown => path.reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], loaded.config);
      stdout.write(table(['KEY', 'VALUE', 'FROM'], CONFIG_KEYS.map((k) => [k.key, JSON.stringify(value(k.path)), loaded.origins[k.key] ?? 'default'])));
    });

  config
    .command('keys')
    .description('list every config key with its env variable, flag and default')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      if (opts.json) return stdout.write(json(CONFIG_KEYS));
      stdout.write(table(['KEY', 'ENV', 'FLAG', 'DEFAULT', 'DESCRIPTION'], CONFIG_KEYS.map((k) => [k.key, k.env, k.flag, JSON.stringify(k.defaultValue), k.description])));
    });
}
