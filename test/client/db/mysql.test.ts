/**
 * The database helpers' conformance suite against the real MariaDB on this machine. It fails, never skips, when
 * the database is not there.
 */
import { conformance } from './conformance.js';
import { mysqlTarget } from './support/mysql-target.js';

conformance(mysqlTarget());
