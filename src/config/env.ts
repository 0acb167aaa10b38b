/** Names of environment variables, kept free of the schema so light callers (CLI client commands) skip zod. */
export const ENV_PREFIX = 'APOGEE_';

/** APOGEE_* variables that are not config keys: the config file path and the CLI's admin URL. */
export const ENV_CONFIG_FILE = 'APOGEE_CONFIG';
export const ENV_ADMIN_URL = 'APOGEE_ADMIN';
export const NON_KEY_ENV: ReadonlySet<string> = new Set([ENV_CONFIG_FILE, ENV_ADMIN_URL]);

/**
 * APOGEE_* families that belong to the project's tools (bench, compatibility suites, examples, tests), not to the
 * broker: ignored by the config loader, so a shell that exports them can still start a broker. No config key may
 * derive an env name under them.
 */
export const TOOL_ENV_PREFIXES: readonly string[] = ['APOGEE_BENCH_', 'APOGEE_COMPAT_', 'APOGEE_EXAMPLE_', 'APOGEE_TEST_'];

/** True for APOGEE_* variables the config loader must not read nor refuse. */
export function isNonKeyEnv(name: string): boolean {
  return NON_KEY_ENV.has(name) || TOOL_ENV_PREFIXES.some((p) => name.startsWith(p));
}
