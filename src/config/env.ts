/** Names of environment variables, kept free of the schema so light callers (CLI client commands) skip zod. */
export const ENV_PREFIX = 'APOGEE_';

/** APOGEE_* variables that are not config keys: the config file path and the CLI's admin URL. */
export const ENV_CONFIG_FILE = 'APOGEE_CONFIG';
export const ENV_ADMIN_URL = 'APOGEE_ADMIN';
export const NON_KEY_ENV: ReadonlySet<string> = new Set([ENV_CONFIG_FILE, ENV_ADMIN_URL]);
