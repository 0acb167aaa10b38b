/**
 * The database helpers' conformance suite against the real PostgreSQL on this machine. It fails, never skips, when
 * the database is not there.
 */
import { conformance } from './conformance.js';
import { postgresTarget } from './support/postgres-target.js';

conformance(postgresTarget());
