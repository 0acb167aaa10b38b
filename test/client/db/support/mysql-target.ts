/**
 * The MariaDB on this machine (127.0.0.1:3306, root, db test), through mysql2 as for MySQL, as a conformance
 * target: business statements, lock-wait and session-kill probes for the database helpers' tests.
 */
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { MysqlDialect } from '../../../../src/client/db/index.js';
import { waitFor, type ConformanceTarget } from '../support.js';

export const MYSQL_CONFIG = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' } as const;

/** A fresh pool per call (each test file closes its own). */
export function mysqlTarget(): ConformanceTarget<mysql.PoolConnection> {
  const pool = mysql.createPool({ ...MYSQL_CONFIG, connectionLimit: 12, connectTimeout: 5000 });
  return {
    name: 'MariaDB',
    async connect() {
      try {
        await pool.query('SELECT 1');
      } catch (err) {
        throw new Error(`MariaDB at ${MYSQL_CONFIG.host}:${MYSQL_CONFIG.port} (user ${MYSQL_CONFIG.user}, db ${MYSQL_CONFIG.database}) is not reachable: ${(err as Error).message}. These tests need it and do not skip.`);
      }
    },
    dialect: (options) => new MysqlDialect(pool, options),
    async createBusinessTable(table) {
      // No key on purpose: a duplicated side effect must show up as two rows.
      await pool.query(`CREATE TABLE ${table} (id VARCHAR(255) NOT NULL) ENGINE=InnoDB`);
    },
    async insertBusinessRow(tx, table, id) {
      await tx.query(`INSERT INTO ${table} (id) VALUES (?)`, [id]);
    },
    async countBusinessRows(table, id) {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table} WHERE id = ?`, [id]);
      return Number(rows[0]!['n']);
    },
    async dropTable(table) {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
    },
    // MariaDB refreshes its INNODB_TRX cache only when the last read is 100 ms old: poll slower than that.
    lockPollMs: 150,
    async lockWaiters(table) {
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' AND trx_query LIKE CONCAT('%', ?, '%')`,
        [table],
      );
      return Number(rows[0]!['n']);
    },
    async killSession(tx) {
      const id = tx.connection.threadId;
      await pool.query(`KILL CONNECTION ${Number(id)}`);
      await waitFor(`connection ${id} to end`, async () => (await pool.query<RowDataPacket[]>('SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?', [id]))[0].length === 0);
    },
    async close() {
      await pool.end();
    },
  };
}
