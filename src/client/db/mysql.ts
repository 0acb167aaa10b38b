/**
 * The helpers' dialect for MySQL and MariaDB (InnoDB) through `mysql2/promise`. The user's statements get the
 * transaction's PoolConnection.
 *
 * Why the barrier works here: InnoDB's duplicate-key check takes a lock on an existing record, so an insert meeting
 * another transaction's uncommitted row with the same key waits for it, then fails with ER_DUP_ENTRY (it committed)
 * or proceeds (it rolled back). Uniqueness is checked against the latest rows, not the snapshot, so this holds at
 * REPEATABLE READ (InnoDB's default) as at READ COMMITTED. The check-back runs at READ COMMITTED so its SELECT
 * after a conflict sees the committed row.
 */
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import {
  checkKey,
  MAX_GROUP_LENGTH,
  MAX_MESSAGE_KEY_LENGTH,
  MAX_TRANSACTION_ID_LENGTH,
  resolveTables,
  stateFromCode,
  type BarrierState,
  type DatabaseDialect,
  type DialectTransaction,
  type HelperTables,
  type IsolationLevel,
  type TableOptions,
} from './dialect.js';
import { migrationSql } from './migration.js';

const ER_DUP_ENTRY = 1062;

function lockWaitSeconds(ms: number): number {
  if (!Number.isFinite(ms) || ms < 1) throw new TypeError(`lock timeout must be at least 1 ms, got ${ms}`);
  return Math.max(1, Math.ceil(ms / 1000));
}

function isDuplicateKey(err: unknown): boolean {
  const e = err as { errno?: unknown; code?: unknown } | null;
  return e?.errno === ER_DUP_ENTRY || e?.code === 'ER_DUP_ENTRY';
}

/** A connection dying while checked out would otherwise be an uncaught 'error' event; the next query rejects anyway. */
function ignoreIdleError(): void {}

async function checkout(pool: Pool): Promise<PoolConnection> {
  const conn = await pool.getConnection();
  conn.on('error', ignoreIdleError);
  return conn;
}

function release(conn: PoolConnection, discard: boolean): void {
  conn.off('error', ignoreIdleError);
  // A discarded connection is closed, which makes the server roll back whatever it had open.
  if (discard) conn.destroy();
  else conn.release();
}

async function beginOn(conn: PoolConnection, isolation: IsolationLevel | undefined): Promise<void> {
  // SET TRANSACTION (without SESSION) applies to the next transaction only.
  if (isolation) await conn.query(`SET TRANSACTION ISOLATION LEVEL ${isolation}`);
  await conn.query('START TRANSACTION');
}

class MysqlTransaction implements DialectTransaction<PoolConnection> {
  private open = true;

  constructor(
    readonly tx: PoolConnection,
    private readonly tables: HelperTables,
  ) {}

  async insertCommittedBarrier(producerGroup: string, transactionId: string): Promise<boolean> {
    checkKey('producer group', producerGroup, MAX_GROUP_LENGTH);
    checkKey('transaction id', transactionId, MAX_TRANSACTION_ID_LENGTH);
    return this.insertUnique(`INSERT INTO ${this.tables.barrier} (producer_group, transaction_id, state) VALUES (?, ?, 'C')`, [producerGroup, transactionId]);
  }

  async insertProcessed(consumerGroup: string, messageKey: string): Promise<boolean> {
    checkKey('consumer group', consumerGroup, MAX_GROUP_LENGTH);
    checkKey('message key', messageKey, MAX_MESSAGE_KEY_LENGTH);
    return this.insertUnique(`INSERT INTO ${this.tables.processed} (consumer_group, message_key) VALUES (?, ?)`, [consumerGroup, messageKey]);
  }

  /** A plain INSERT: INSERT IGNORE would also turn truncation into a warning, and a cut key could collide. */
  private async insertUnique(sql: string, params: string[]): Promise<boolean> {
    try {
      await this.tx.query<ResultSetHeader>(sql, params);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async commit(): Promise<boolean> {
    if (!this.open) throw new Error('this database transaction has ended');
    this.open = false;
    try {
      await this.tx.query('COMMIT');
    } catch (err) {
      release(this.tx, true);
      throw err;
    }
    release(this.tx, false);
    return true;
  }

  async rollback(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    try {
      await this.tx.query('ROLLBACK');
      release(this.tx, false);
    } catch {
      release(this.tx, true);
    }
  }
}

export type MysqlDialectOptions = TableOptions;

export class MysqlDialect implements DatabaseDialect<PoolConnection> {
  readonly kind = 'mysql' as const;
  readonly tables: HelperTables;

  constructor(
    private readonly pool: Pool,
    options: MysqlDialectOptions = {},
  ) {
    this.tables = resolveTables(options);
  }

  migrationSql(): string[] {
    return migrationSql('mysql', this.tables);
  }

  async migrate(): Promise<void> {
    // CREATE TABLE IF NOT EXISTS is atomic under InnoDB's dictionary lock: concurrent migrations just see the table.
    for (const sql of this.migrationSql()) await this.pool.query(sql);
  }

  async begin(isolation?: IsolationLevel): Promise<DialectTransaction<PoolConnection>> {
    const conn = await checkout(this.pool);
    try {
      await beginOn(conn, isolation);
    } catch (err) {
      release(conn, true);
      throw err;
    }
    return new MysqlTransaction(conn, this.tables);
  }

  async settleBarrier(producerGroup: string, transactionId: string, lockTimeoutMs?: number): Promise<BarrierState> {
    checkKey('producer group', producerGroup, MAX_GROUP_LENGTH);
    checkKey('transaction id', transactionId, MAX_TRANSACTION_ID_LENGTH);
    const seconds = lockTimeoutMs === undefined ? undefined : lockWaitSeconds(lockTimeoutMs);
    const conn = await checkout(this.pool);
    try {
      // InnoDB counts whole seconds; the session value is put back before the connection returns to the pool.
      if (seconds !== undefined) await conn.query(`SET SESSION innodb_lock_wait_timeout = ${seconds}`);
      await beginOn(conn, 'READ COMMITTED');
      let state: BarrierState = 'ROLLED_BACK';
      try {
        await conn.query<ResultSetHeader>(`INSERT INTO ${this.tables.barrier} (producer_group, transaction_id, state) VALUES (?, ?, 'R')`, [producerGroup, transactionId]);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const [rows] = await conn.query<RowDataPacket[]>(`SELECT state FROM ${this.tables.barrier} WHERE producer_group = ? AND transaction_id = ?`, [producerGroup, transactionId]);
        if (rows.length === 0) throw new Error(`barrier row ${producerGroup}/${transactionId} conflicted but is gone (deleted meanwhile?)`);
        state = stateFromCode(rows[0]!['state']);
      }
      // The marker must be durable before the broker hears ROLLBACK.
      await conn.query('COMMIT');
      if (seconds !== undefined) await conn.query('SET SESSION innodb_lock_wait_timeout = DEFAULT');
      release(conn, false);
      return state;
    } catch (err) {
      release(conn, true);
      throw err;
    }
  }

  async readBarrier(producerGroup: string, transactionId: string): Promise<BarrierState | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT state FROM ${this.tables.barrier} WHERE producer_group = ? AND transaction_id = ?`, [producerGroup, transactionId]);
    return rows.length === 0 ? undefined : stateFromCode(rows[0]!['state']);
  }

  async isProcessed(consumerGroup: string, messageKey: string): Promise<boolean> {
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT 1 FROM ${this.tables.processed} WHERE consumer_group = ? AND message_key = ?`, [consumerGroup, messageKey]);
    return rows.length > 0;
  }

  async dropTables(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.tables.barrier}, ${this.tables.processed}`);
  }
}
