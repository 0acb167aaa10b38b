/**
 * `createTables: true`: the helpers run the migration before their first statement, once per process. A failed
 * attempt is forgotten so the next message tries again instead of failing forever.
 */
import type { DatabaseDialect } from './dialect.js';

export type EnsureTables = () => Promise<void>;

export function ensureTablesOnce(database: DatabaseDialect<unknown>, enabled: boolean): EnsureTables {
  if (!enabled) return () => Promise.resolve();
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= database.migrate().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
