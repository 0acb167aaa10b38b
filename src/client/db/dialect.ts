/**
 * The one small interface between the SDK's database helpers (check-backs answered from a barrier table,
 * exactly-once consumers) and a SQL database. PostgreSQL and MySQL/MariaDB implement it; the helpers' logic is
 * written once against it. Nothing here knows about the broker or the network.
 *
 * `Tx` is what the user's own statements run on inside the helper's database transaction: a `pg` PoolClient or a
 * `mysql2/promise` PoolConnection.
 */

/** The isolation level of the transactions the helpers open for the user's statements. */
export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export const ISOLATION_LEVELS: readonly IsolationLevel[] = ['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'];

/**
 * A barrier row's state. COMMITTED is written by the local transaction itself, in the same database transaction
 * as the business statements; ROLLED_BACK is the marker a check-back writes when it finds no row.
 */
export type BarrierState = 'COMMITTED' | 'ROLLED_BACK';

/** The two tables the helpers own. */
export interface HelperTables {
  /** (producer group, transaction id) → state; what check-backs read. */
  readonly barrier: string;
  /** (consumer group, message key): the messages a consumer group has processed. */
  readonly processed: string;
}

export const DEFAULT_TABLES: HelperTables = { barrier: 'apogee_transaction_barrier', processed: 'apogee_processed_message' };

export interface TableOptions {
  /** Barrier table name (default apogee_transaction_barrier); may be schema-qualified (`schema.table`). */
  barrierTable?: string;
  /** Processed-message table name (default apogee_processed_message). */
  processedTable?: string;
  /** Prefix put before both default names, e.g. `shop_` → shop_apogee_transaction_barrier. Ignored for a name given explicitly. */
  tablePrefix?: string;
}

/** One database transaction on a connection of its own, opened by {@link DatabaseDialect.begin}. */
export interface DialectTransaction<Tx> {
  /** The handle the user's statements run on. */
  readonly tx: Tx;
  /**
   * Inserts the COMMITTED barrier row of (producer group, transaction id). Resolves false when the key exists
   * already (a check-back wrote its rollback marker first): the transaction can then only be rolled back.
   */
  insertCommittedBarrier(producerGroup: string, transactionId: string): Promise<boolean>;
  /**
   * Inserts the processed row of (consumer group, message key). Resolves false when the key exists already
   * (processed before): the transaction can then only be rolled back.
   */
  insertProcessed(consumerGroup: string, messageKey: string): Promise<boolean>;
  /**
   * Commits and frees the connection. Resolves true when committed, false when the database answered that it rolled
   * back instead (PostgreSQL does so for a transaction already aborted by a failed statement). A rejection means the
   * outcome is unknown (the connection may have died after the server committed); the connection is discarded.
   */
  commit(): Promise<boolean>;
  /** Rolls back and frees the connection. Never rejects: a failed rollback discards the connection, and the server aborts the transaction. */
  rollback(): Promise<void>;
}

export interface DatabaseDialect<Tx> {
  /** `postgres` or `mysql` (MySQL and MariaDB). */
  readonly kind: 'postgres' | 'mysql';
  readonly tables: HelperTables;
  /** The statements that create both tables (idempotent: CREATE TABLE IF NOT EXISTS). */
  migrationSql(): string[];
  /** Runs {@link migrationSql}. Safe to run concurrently from several processes. */
  migrate(): Promise<void>;
  /** Opens a database transaction at `isolation` (default: the server's). */
  begin(isolation?: IsolationLevel): Promise<DialectTransaction<Tx>>;
  /**
   * The check-back's arbiter, in a READ COMMITTED transaction of its own: inserts a ROLLED_BACK marker for
   * (producer group, transaction id) unless a row exists, and returns the row's state afterwards. An insert, not a
   * read, decides: if a local transaction holding an uncommitted barrier row is still open, the insert waits for
   * it (PostgreSQL's unique-index wait, InnoDB's record lock) and then either conflicts with its committed row or
   * takes the key, so that transaction can no longer commit. `lockTimeoutMs` bounds that wait (a transaction left
   * open by a hung process would hold the check-back forever): past it the call rejects and nothing is written.
   */
  settleBarrier(producerGroup: string, transactionId: string, lockTimeoutMs?: number): Promise<BarrierState>;
  /** Reads a barrier row without writing anything (diagnostics and tests). */
  readBarrier(producerGroup: string, transactionId: string): Promise<BarrierState | undefined>;
  /** Whether (consumer group, message key) is in the processed table (diagnostics and tests). */
  isProcessed(consumerGroup: string, messageKey: string): Promise<boolean>;
  /** Drops both tables (tests, teardown). */
  dropTables(): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

/** Resolves the table names from the options, refusing anything that is not a plain (optionally qualified) identifier. */
export function resolveTables(options: TableOptions = {}): HelperTables {
  const prefix = options.tablePrefix ?? '';
  const barrier = options.barrierTable ?? `${prefix}${DEFAULT_TABLES.barrier}`;
  const processed = options.processedTable ?? `${prefix}${DEFAULT_TABLES.processed}`;
  for (const [what, name] of [['barrierTable', barrier], ['processedTable', processed]] as const) {
    if (!IDENTIFIER.test(name)) {
      throw new TypeError(`${what} ${JSON.stringify(name)} is not a plain SQL identifier (letters, digits, _; at most 63; optionally schema.table)`);
    }
  }
  if (barrier === processed) throw new TypeError(`barrierTable and processedTable must differ (both ${barrier})`);
  return { barrier, processed };
}

/** The one-letter state column value of a barrier row. */
export function stateCode(state: BarrierState): 'C' | 'R' {
  return state === 'COMMITTED' ? 'C' : 'R';
}

export function stateFromCode(code: unknown): BarrierState {
  if (code === 'C') return 'COMMITTED';
  if (code === 'R') return 'ROLLED_BACK';
  throw new Error(`barrier row with unknown state ${JSON.stringify(code)}`);
}

/** Keys longer than the columns would be cut or refused by the database; refuse them first with a clear message. */
export function checkKey(what: string, value: string, max: number): void {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${what} must be a non-empty string`);
  if (value.length > max) throw new TypeError(`${what} is ${value.length} characters; the table holds at most ${max}`);
}

export const MAX_GROUP_LENGTH = 255;
export const MAX_TRANSACTION_ID_LENGTH = 128;
export const MAX_MESSAGE_KEY_LENGTH = 255;
