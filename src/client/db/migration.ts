/**
 * The helpers' two tables, as SQL a team can put in its own migrations (docs/sdk.md prints the same text), or
 * that the helpers run on first use with `createTables: true`.
 */
import { DEFAULT_TABLES, MAX_GROUP_LENGTH, MAX_MESSAGE_KEY_LENGTH, MAX_TRANSACTION_ID_LENGTH, resolveTables, type HelperTables } from './dialect.js';

export type DatabaseKind = 'postgres' | 'mysql';

/** CREATE TABLE statements for `kind`, one statement per string (MySQL drivers run one at a time). */
export function migrationSql(kind: DatabaseKind, tables: HelperTables = DEFAULT_TABLES): string[] {
  const { barrier, processed } = resolveTables({ barrierTable: tables.barrier, processedTable: tables.processed });
  if (kind === 'postgres') {
    return [
      `CREATE TABLE IF NOT EXISTS ${barrier} (
  producer_group VARCHAR(${MAX_GROUP_LENGTH}) NOT NULL,
  transaction_id VARCHAR(${MAX_TRANSACTION_ID_LENGTH}) NOT NULL,
  state CHAR(1) NOT NULL CHECK (state IN ('C', 'R')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (producer_group, transaction_id)
)`,
      `CREATE TABLE IF NOT EXISTS ${processed} (
  consumer_group VARCHAR(${MAX_GROUP_LENGTH}) NOT NULL,
  message_key VARCHAR(${MAX_MESSAGE_KEY_LENGTH}) NOT NULL,
  processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, message_key)
)`,
    ];
  }
  // InnoDB for transactions and row locks; a binary collation so keys differing only in case stay distinct.
  return [
    `CREATE TABLE IF NOT EXISTS ${barrier} (
  producer_group VARCHAR(${MAX_GROUP_LENGTH}) NOT NULL,
  transaction_id VARCHAR(${MAX_TRANSACTION_ID_LENGTH}) NOT NULL,
  state CHAR(1) NOT NULL CHECK (state IN ('C', 'R')),
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (producer_group, transaction_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS ${processed} (
  consumer_group VARCHAR(${MAX_GROUP_LENGTH}) NOT NULL,
  message_key VARCHAR(${MAX_MESSAGE_KEY_LENGTH}) NOT NULL,
  processed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (consumer_group, message_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ];
}

/** The PostgreSQL migration with the default table names, as one script. */
export const POSTGRES_MIGRATION: string = migrationSql('postgres').map((s) => `${s};\n`).join('\n');

/** The MySQL / MariaDB migration with the default table names, as one script. */
export const MYSQL_MIGRATION: string = migrationSql('mysql').map((s) => `${s};\n`).join('\n');
