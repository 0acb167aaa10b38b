/**
 * Where the database helpers tell the application about failures they turned into an answer (ROLLBACK, UNKNOW,
 * RECONSUME_LATER). The answer alone keeps the message safe; this says why, for logs.
 */

export interface HelperErrorContext {
  /** execute: the local transaction; commit: its COMMIT (outcome unknown); check: a check-back; consume: an exactly-once delivery. */
  readonly phase: 'execute' | 'commit' | 'check' | 'consume';
  /** Producer group (execute, commit, check) or consumer group (consume). */
  readonly group: string;
  /** Transaction id (execute, commit, check) or message key (consume). */
  readonly key: string;
}

export type HelperErrorHandler = (error: unknown, context: HelperErrorContext) => void;

/** The default: one line on stderr per failure. */
export const warnOnStderr: HelperErrorHandler = (error, context) => {
  const why = error instanceof Error ? error.message : String(error);
  console.warn(`apogee-mq/client/db: ${context.phase} ${context.group}/${context.key}: ${why}`);
};

/** Calls the application's handler without letting it break the helper's answer. */
export function report(handler: HelperErrorHandler, error: unknown, context: HelperErrorContext): void {
  try {
    handler(error, context);
  } catch {
    // A throwing log hook must not turn a decided answer into UNKNOW.
  }
}
