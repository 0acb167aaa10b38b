/**
 * The helpers' dialect for PostgreSQL through `pg`. The user's statements get the transaction's PoolClient.
 *
 * Why the barrier works here: a unique-index insert that meets an uncommitted row with the same key waits for that
 * transaction to end, then fails (it committed) or proceeds (it rolled back). The check-back's
 * INSERT … ON CONFLICT DO NOTHING runs at READ COMMITTED so the SELECT after a conflict sees the committed row.
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
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

const UNIQUE_VIOLATION = '23505';

function lockTimeoutMillis(ms: number): number {
  if (!Number.isFinite(ms) || ms < 1) throw new TypeError(`lock timeout must be at least 1 ms, got ${ms}`);
  return Math.ceil(ms);
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A checked-out pg client has no 'error' listener of the pool's; a connection dying between two queries would
 * then be an uncaught 'error' event. This one swallows it: the next query on the client rejects anyway.
 */
function ignoreIdleError(): void {}

async function checkout(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect();
  client.on('error', ignoreIdleError);
  return client;
}

function release(client: PoolClient, discard: boolean): void {
  client.off('error', ignoreIdleError);
  client.release(discard ? true : undefined);
}

class PostgresTransaction implements DialectTransaction<PoolClient> {
  private open = true;

  constructor(
    readonly tx: PoolClient,
    private readonly tables: HelperTables,
  ) {}

  async insertCommittedBarrier(producerGroup: string, transactionId: string): Promise<boolean> {
    checkKey('producer group', producerGroup, MAX_GROUP_LENGTH);
    checkKey('transaction id', transactionId, MAX_TRANSACTION_ID_LENGTH);
    return this.insertUnique(`INSERT INTO ${this.tables.barrier} (producer_group, transaction_id, state) VALUES ($1, $2, 'C')`, [producerGroup, transactionId]);
  }

  async insertProcessed(consumerGroup: string, messageKey: string): Promise<boolean> {
    checkKey('consumer group', consumerGroup, MAX_GROUP_LENGTH);
    checkKey('message key', messageKey, MAX_MESSAGE_KEY_LENGTH);
    return this.insertUnique(`INSERT INTO ${this.tables.processed} (consumer_group, message_key) VALUES ($1, $2)`, [consumerGroup, messageKey]);
  }

  /** A plain INSERT (not ON CONFLICT): at REPEATABLE READ and above, ON CONFLICT against a row committed after the snapshot is a serialization failure, a plain insert a clean unique violation. */
  private async insertUnique(sql: string, params: string[]): Promise<boolean> {
    try {
      await this.tx.query(sql, params);
      return true;
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) return false;
      throw err;
    }
  }

  async commit(): Promise<boolean> {
    this.assertOpen();
    this.open = false;
    let result: QueryResult;
    try {
      result = await this.tx.query('COMMIT');
    } catch (err) {
      release(this.tx, true);
      throw err;
    }
    release(this.tx, false);
    // COMMIT of an aborted transaction is not an error in PostgreSQL: it rolls back and says so in the command tag.
    return result.command === 'COMMIT';
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

  private assertOpen(): void {
    if (!this.open) throw new Error('this database transaction has ended');
  }
}

export type PostgresDialectOptions = TableOptions;

export class PostgresDialect implements DatabaseDialect<PoolClient> {
  readonly kind = 'postgres' as const;
  readonly tables: HelperTables;

  constructor(
    private readonly pool: Pool,
    options: PostgresDialectOptions = {},
  ) {
    this.tables = resolveTables(options);
  }

  migrationSql(): string[] {
    return migrationSql('postgres', this.tables);
  }

  async migrate(): Promise<void> {
    // Concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog (on the table's name, or on
    // its row type: 42P07, 23505, 42710), so migrations take a transaction-scoped advisory lock and run one at a
    // time; whoever comes second finds the tables there.
    const client = await checkout(this.pool);
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`apogee-mq migrate ${this.tables.barrier} ${this.tables.processed}`]);
      for (const sql of this.migrationSql()) await client.query(sql);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      release(client, true);
      throw err;
    }
    release(client, false);
  }

  async begin(isolation?: IsolationLevel): Promise<DialectTransaction<PoolClient>> {
    const client = await checkout(this.pool);
    try {
      await client.query(isolation ? `BEGIN ISOLATION LEVEL ${isolation}` : 'BEGIN');
    } catch (err) {
      release(client, true);
      throw err;
    }
    return new PostgresTransaction(client, this.tables);
  }

  async settleBarrier(producerGroup: string, transactionId: string, lockTimeoutMs?: number): Promise<BarrierState> {
    checkKey('producer group', producerGroup, MAX_GROUP_LENGTH);
    checkKey('transaction id', transactionId, MAX_TRANSACTION_ID_LENGTH);
    const client = await checkout(this.pool);
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      // SET LOCAL: for this transaction only, the pooled connection keeps its own setting.
      if (lockTimeoutMs !== undefined) await client.query(`SET LOCAL lock_timeout = ${lockTimeoutMillis(lockTimeoutMs)}`);
      const inserted = await client.query(
        `INSERT INTO ${this.tables.barrier} (producer_group, transaction_id, state) VALUES ($1, $2, 'R') ON CONFLICT (producer_group, transaction_id) DO NOTHING`,
        [producerGroup, transactionId],
      );
      let state: BarrierState = 'ROLLED_BACK';
      if (inserted.rowCount !== 1) {
        const found = await client.query<{ state: string }>(`SELECT state FROM ${this.tables.barrier} WHERE producer_group = $1 AND transaction_id = $2`, [producerGroup, transactionId]);
        if (found.rows.length === 0) throw new Error(`barrier row ${producerGroup}/${transactionId} conflicted but is gone (deleted meanwhile?)`);
        state = stateFromCode(found.rows[0]!.state);
      }
      // The marker must be durable before the broker hears ROLLBACK.
      const committed = await client.query('COMMIT');
      if (committed.command !== 'COMMIT') throw new Error('the check-back transaction rolled back');
      release(client, false);
      return state;
    } catch (err) {
      release(client, true);
      throw err;
    }
  }

  async readBarrier(producerGroup: string, transactionId: string): Promise<BarrierState | undefined> {
    const r = await this.pool.query<{ state: string }>(`SELECT state FROM ${this.tables.barrier} WHERE producer_group = $1 AND transaction_id = $2`, [producerGroup, transactionId]);
    return r.rows.length === 0 ? undefined : stateFromCode(r.rows[0]!.state);
  }

  async isProcessed(consumerGroup: string, messageKey: string): Promise<boolean> {
    const r = await this.pool.query(`SELECT 1 FROM ${this.tables.processed} WHERE consumer_group = $1 AND message_key = $2`, [consumerGroup, messageKey]);
    return r.rows.length > 0;
  }

  async dropTables(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${this.tables.barrier}, ${this.tables.processed}`);
  }
}
