/**
 * A TransactionListener whose check-backs are answered from the application's own database, so the application
 * writes no checkLocalTransaction.
 *
 * executeLocalTransaction: BEGIN → the user's statements → INSERT barrier (producer group, transaction id, 'C') →
 * COMMIT → COMMIT_MESSAGE. The barrier row commits exactly when the business statements do.
 * checkLocalTransaction: insert a rollback marker under the same key unless a row exists; a 'C' row → COMMIT, the
 * marker (new or old) → ROLLBACK. A local transaction still open at check time then fails on the key when it
 * inserts its barrier row (or, if it got there first, the check-back waits for its outcome), so no message is ever
 * committed after the broker was told ROLLBACK, and none rolled back whose business statements committed.
 */
import { LocalTransactionState, type MessageExt, type TransactionListener, type TransactionMessage } from '../types.js';
import type { DatabaseDialect, DialectTransaction, IsolationLevel } from './dialect.js';
import { warnOnStderr, report, type HelperErrorHandler } from './report.js';
import { ensureTablesOnce } from './tables-once.js';

/**
 * The application's local transaction: its statements, run on `tx` inside the helper's database transaction.
 * Resolving commits them (with the barrier row); throwing, or returning ROLLBACK_MESSAGE, rolls them back.
 * Do not commit, roll back or swallow a database error on `tx` yourself.
 */
export type LocalTransactionFunction<Tx> = (
  tx: Tx,
  message: TransactionMessage,
  arg: unknown,
) => void | typeof LocalTransactionState.ROLLBACK_MESSAGE | Promise<void | typeof LocalTransactionState.ROLLBACK_MESSAGE>;

export interface DatabaseTransactionListenerOptions<Tx> {
  database: DatabaseDialect<Tx>;
  localTransaction: LocalTransactionFunction<Tx>;
  /**
   * The producer group keying the barrier rows. Default: the group the message carries
   * (TransactionMessage.producerGroup, and MessageExt.producerGroup in check-backs).
   */
  producerGroup?: string;
  /** Isolation of the local transaction (default: the database's). The check-back's own insert runs at READ COMMITTED. */
  isolationLevel?: IsolationLevel;
  /**
   * How long a check-back may wait for a local transaction still holding its barrier key (default 10 000 ms; MySQL
   * rounds up to whole seconds). Past it the check-back answers UNKNOW and the broker asks again later. A waiting
   * check-back holds a slot of the producer's check pool: give `checkConcurrency` some room.
   */
  checkLockTimeoutMs?: number;
  /** Create the tables on first use instead of by a migration (default false). */
  createTables?: boolean;
  /** Told about every failure turned into ROLLBACK or UNKNOW (default: a line on stderr). */
  onError?: HelperErrorHandler;
}

/** The barrier key was taken: a check-back had rolled this transaction back before it could commit. */
export class BarrierTakenError extends Error {
  constructor(
    readonly producerGroup: string,
    readonly transactionId: string,
  ) {
    super(`transaction ${transactionId} of ${producerGroup} was already rolled back by a check-back; its database transaction rolled back`);
    this.name = 'BarrierTakenError';
  }
}

export function databaseTransactionListener<Tx>(options: DatabaseTransactionListenerOptions<Tx>): TransactionListener {
  const { database, localTransaction, isolationLevel } = options;
  const checkLockTimeoutMs = options.checkLockTimeoutMs ?? 10_000;
  if (!Number.isFinite(checkLockTimeoutMs) || checkLockTimeoutMs < 1) throw new TypeError(`checkLockTimeoutMs must be at least 1, got ${checkLockTimeoutMs}`);
  if (typeof localTransaction !== 'function') throw new TypeError('databaseTransactionListener needs a localTransaction function');
  const onError = options.onError ?? warnOnStderr;
  const ensureTables = ensureTablesOnce(database, options.createTables === true);
  const groupOf = (carried: string | undefined): string | undefined => options.producerGroup ?? carried;

  async function executeLocalTransaction(message: TransactionMessage, arg: unknown): Promise<LocalTransactionState> {
    const group = groupOf(message.producerGroup) ?? '';
    const transactionId = message.transactionId ?? '';
    const context = { phase: 'execute', group, key: transactionId } as const;
    const rollback = (error: unknown): LocalTransactionState => {
      report(onError, error, context);
      return LocalTransactionState.ROLLBACK_MESSAGE;
    };
    // Up to COMMIT, every failure leaves nothing committed in the database: ROLLBACK is the true answer.
    if (!group) return rollback(new TypeError('no producer group: the message carries none and no producerGroup option is set'));
    if (!transactionId) return rollback(new TypeError('the message has no transactionId'));
    let transaction: DialectTransaction<Tx>;
    try {
      await ensureTables();
      transaction = await database.begin(isolationLevel);
    } catch (err) {
      return rollback(err);
    }
    try {
      const verdict = await localTransaction(transaction.tx, message, arg);
      if (verdict === LocalTransactionState.ROLLBACK_MESSAGE) {
        await transaction.rollback();
        return LocalTransactionState.ROLLBACK_MESSAGE;
      }
      if (!(await transaction.insertCommittedBarrier(group, transactionId))) throw new BarrierTakenError(group, transactionId);
    } catch (err) {
      await transaction.rollback();
      return rollback(err);
    }
    try {
      if (await transaction.commit()) return LocalTransactionState.COMMIT_MESSAGE;
      return rollback(new Error('the database rolled the transaction back at COMMIT (a statement had failed in it)'));
    } catch (err) {
      // The COMMIT may or may not have happened (connection lost during it): the check-back reads the barrier.
      report(onError, err, { ...context, phase: 'commit' });
      return LocalTransactionState.UNKNOW;
    }
  }

  async function checkLocalTransaction(message: MessageExt): Promise<LocalTransactionState> {
    const group = groupOf(message.producerGroup) ?? '';
    const transactionId = message.transactionId ?? message.msgId ?? '';
    const context = { phase: 'check', group, key: transactionId } as const;
    try {
      if (!group) throw new TypeError('no producer group: the check-back carries none and no producerGroup option is set');
      if (!transactionId) throw new TypeError('the check-back carries no transaction id');
      await ensureTables();
      const state = await database.settleBarrier(group, transactionId, checkLockTimeoutMs);
      return state === 'COMMITTED' ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.ROLLBACK_MESSAGE;
    } catch (err) {
      // Nothing decided (or the marker's COMMIT is in doubt): the broker asks again later.
      report(onError, err, context);
      return LocalTransactionState.UNKNOW;
    }
  }

  return { executeLocalTransaction, checkLocalTransaction };
}
