/**
 * The `apogee-mq` package: start a broker in your own process (`startBroker`) and the public broker and store
 * types. See README.md for the command line.
 */
export { apogeeVersion, startBroker, type RunningBroker, type StartBrokerOptions } from './app.js';

export { configSchema, ConfigError, loadConfig, CONFIG_KEYS } from './config/index.js';
export type { ApogeeConfig, ApogeeConfigInput, ConfigKey, ConfigProblem, FlagValue, LoadConfigInput, LoadedConfig } from './config/index.js';

export { HTTP_STATUS_BY_BROKER_CODE } from './admin/index.js';
export type { BrokerMetrics, Endpoint, ErrorBody, LifecycleState, StatusReport } from './admin/index.js';

export { Broker } from './broker/broker.js';
export type { BrokerApi } from './broker/api.js';
export type { BrokerOptions } from './broker/options.js';
export { BrokerError, BrokerErrorCode, isBrokerError } from './broker/errors.js';
export * from './broker/types.js';

export { openMessageStore, StoreError, StoreErrorCode, isStoreError } from './store/index.js';
export type {
  AppendInput,
  AppendResult,
  ConsumeQueueEntry,
  DispatchEvent,
  FlushMode,
  MessageStore,
  QueueId,
  RecoveryReport,
  RetentionOptions,
  RetentionReport,
  StoreMetricsSink,
  StoreOptions,
  StoreStats,
  StoredMessage,
} from './store/types.js';

export { createLogger, silentLogger, type Logger, type LoggerOptions } from './util/logger.js';
export { systemClock, type Clock } from './util/clock.js';
