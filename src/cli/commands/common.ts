/** Options and helpers shared by the commands that talk to a running broker's admin API. */
import { InvalidArgumentError, type Command } from 'commander';
import { ENV_ADMIN_URL } from '../../config/env.js';
import { AdminClient, DEFAULT_ADMIN_URL } from '../admin-client.js';
import { stdout, type Out } from '../output.js';

export interface ClientOptions {
  admin?: string;
  token?: string;
  json?: boolean;
}

/** The env variable of the broker's `auth.adminToken` key: the CLI reads the same one the broker was given. */
export const ENV_ADMIN_TOKEN = 'APOGEE_AUTH_ADMIN_TOKEN';

/** Everything a client command's action needs. */
export interface ClientContext {
  client: AdminClient;
  json: boolean;
  out: Out;
}

export function withClientOptions(cmd: Command): Command {
  return cmd
    .option('--admin <url>', `broker admin URL (env ${ENV_ADMIN_URL}, default ${DEFAULT_ADMIN_URL})`)
    .option('--token <token>', `admin token when the broker runs with auth on (env ${ENV_ADMIN_TOKEN})`)
    .option('--json', 'print the JSON answer instead of a table');
}

export function clientContext(opts: ClientOptions, env: Readonly<Record<string, string | undefined>>): ClientContext {
  const url = opts.admin ?? env[ENV_ADMIN_URL] ?? DEFAULT_ADMIN_URL;
  const token = opts.token ?? env[ENV_ADMIN_TOKEN];
  return { client: new AdminClient(url, token === '' ? undefined : token), json: opts.json === true, out: stdout };
}

/** A commander argument parser for integers in [min, max]. */
export function intArg(min: number, max: number): (value: string) => number {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`must be an integer, got ${JSON.stringify(value)}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** A commander argument parser for one of `choices`, case-insensitive, returned as written in `choices`. */
export function choiceArg<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string): T => {
    const found = choices.find((c) => c.toLowerCase() === value.trim().toLowerCase());
    if (!found) throw new InvalidArgumentError(`must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    return found;
  };
}
