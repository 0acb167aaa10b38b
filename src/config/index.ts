/** Configuration: one schema (schema.ts), keys derived from it (keys.ts), sources merged and checked (load.ts). */
export { configSchema, LOG_LEVELS, type ApogeeConfig, type ApogeeConfigInput } from './schema.js';
export { CONFIG_KEYS, ENV_ADMIN_URL, ENV_CONFIG_FILE, coerce, keyByPath, type ConfigKey, type LeafKind } from './keys.js';
export { ConfigError, loadConfig, parseConfig, type ConfigProblem, type FlagValue, type LoadConfigInput, type LoadedConfig } from './load.js';
