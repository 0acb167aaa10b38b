/**
 * `apogee-mq/client/db`: check-backs answered from the application's database, and exactly-once consumers, for
 * PostgreSQL (`pg`) and MySQL/MariaDB (`mysql2`). The application passes its own pool; this layer opens no
 * network connection of its own and does not load either driver.
 */
export {
  DEFAULT_TABLES,
  ISOLATION_LEVELS,
  resolveTables,
  type BarrierState,
  type DatabaseDialect,
  type DialectTransaction,
  type HelperTables,
  type IsolationLevel,
  type TableOptions,
} from './dialect.js';
export { migrationSql, MYSQL_MIGRATION, POSTGRES_MIGRATION, type DatabaseKind } from './migration.js';
export { PostgresDialect, type PostgresDialectOptions } from './postgres.js';
export { MysqlDialect, type MysqlDialectOptions } from './mysql.js';
export {
  BarrierTakenError,
  databaseTransactionListener,
  type DatabaseTransactionListenerOptions,
  type LocalTransactionFunction,
} from './transaction-listener.js';
export { ExactlyOnceProcessor, exactlyOnceListener, type ExactlyOnceHandler, type ExactlyOnceOptions, type ExactlyOnceOutcome } from './exactly-once.js';
export type { HelperErrorContext, HelperErrorHandler } from './report.js';
