/**
 * The PostgreSQL on this machine (127.0.0.1:5432, user postgres, db test) as a conformance target: business
 * statements, lock-wait and session-kill probes for the database helpers' tests.
 */
import pg from 'pg';
import { PostgresDialect } from '../../../../src/client/db/index.js';
import { waitFor, type ConformanceTarget } from '../support.js';

export const PG_CONFIG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;

/** A fresh pool per call (each test file closes its own). */
export function postgresTarget(): ConformanceTarget<pg.PoolClient> {
  const pool = new pg.Pool({ ...PG_CONFIG, max: 12, connectionTimeoutMillis: 5000 });
  // An idle client whose session a test terminated must not crash the run.
  pool.on('error', () => undefined);
  return {
    name: 'PostgreSQL',
    async connect() {
      try {
        await pool.query('SELECT 1');
      } catch (err) {
        throw new Error(`PostgreSQL at ${PG_CONFIG.host}:${PG_CONFIG.port} (user ${PG_CONFIG.user}, db ${PG_CONFIG.database}) is not reachable: ${(err as Error).message}. These tests need it and do not skip.`);
      }
    },
    dialect: (options) => new PostgresDialect(pool, options),
    async createBusinessTable(table) {
      // No key on purpose: a duplicated side effect must show up as two rows.
      await pool.query(`CREATE TABLE ${table} (id VARCHAR(255) NOT NULL)`);
    },
    async insertBusinessRow(tx, table, id) {
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, [id]);
    },
    async countBusinessRows(table, id) {
      const r = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id]);
      return r.rows[0]!.n;
    },
    async dropTable(table) {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
    },
    lockPollMs: 20,
    async lockWaiters(table) {
      const r = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`,
        [table],
      );
      return r.rows[0]!.n;
    },
    async killSession(tx) {
      const r = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const pid = r.rows[0]!.pid;
      await pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor(`backend ${pid} to exit`, async () => (await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rows.length === 0);
    },
    async close() {
      await pool.end();
    },
  };
}
