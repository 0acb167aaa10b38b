/**
 * Exactly-once side effects for a consumer whose effects live in its own database: per message, one database
 * transaction inserts (consumer group, message key) into the processed table and runs the handler on the same
 * transaction. A key already there means an earlier delivery committed: the handler is skipped and the message
 * acknowledged. A concurrent second delivery waits on the key (unique-index wait / InnoDB record lock) and then
 * skips or, if the first rolled back, processes.
 */
import { ConsumeConcurrentlyStatus, type MessageExt, type MessageListenerConcurrently } from '../types.js';
import type { DatabaseDialect, IsolationLevel } from './dialect.js';
import { report, warnOnStderr, type HelperErrorHandler } from './report.js';
import { ensureTablesOnce } from './tables-once.js';

/** The application's side effects for one message, as statements on `tx`. Throwing rolls them back. */
export type ExactlyOnceHandler<Tx> = (tx: Tx, message: MessageExt) => void | Promise<void>;

export interface ExactlyOnceOptions<Tx> {
  database: DatabaseDialect<Tx>;
  /** The consumer group whose processed messages are recorded (each group processes each message once). */
  consumerGroup: string;
  handler: ExactlyOnceHandler<Tx>;
  /** The message's unique key (default: msgId, RocketMQ's UNIQ_KEY, the same on every redelivery and producer retry). */
  messageKey?: (message: MessageExt) => string;
  isolationLevel?: IsolationLevel;
  /** Create the tables on first use instead of by a migration (default false). */
  createTables?: boolean;
  /** Told about every failure that sends the message back (default: a line on stderr). */
  onError?: HelperErrorHandler;
  /** Told when a redelivered message is acknowledged without running the handler. */
  onDuplicate?: (message: MessageExt) => void;
}

/** What happened to one message: handled and committed now, or found processed before. */
export type ExactlyOnceOutcome = 'PROCESSED' | 'DUPLICATE';

/** The per-message unit, for any consumer style (push listener below, orderly, or a LitePullConsumer poll loop). */
export class ExactlyOnceProcessor<Tx> {
  private readonly ensureTables: () => Promise<void>;
  private readonly messageKey: (message: MessageExt) => string;

  constructor(private readonly options: ExactlyOnceOptions<Tx>) {
    if (typeof options.handler !== 'function') throw new TypeError('exactly-once needs a handler function');
    if (typeof options.consumerGroup !== 'string' || options.consumerGroup.length === 0) throw new TypeError('exactly-once needs a consumerGroup');
    this.ensureTables = ensureTablesOnce(options.database, options.createTables === true);
    this.messageKey = options.messageKey ?? ((m) => m.msgId);
  }

  /**
   * Processes one message in one database transaction. Rejects when it did not commit (handler error, database
   * error, or a COMMIT of unknown outcome): the message must then be redelivered, and the redelivery settles it.
   */
  async process(message: MessageExt): Promise<ExactlyOnceOutcome> {
    const { database, consumerGroup, handler, isolationLevel } = this.options;
    const key = this.messageKey(message);
    await this.ensureTables();
    const transaction = await database.begin(isolationLevel);
    try {
      if (!(await transaction.insertProcessed(consumerGroup, key))) {
        await transaction.rollback();
        try {
          this.options.onDuplicate?.(message);
        } catch {
          // A throwing hook must not turn an acknowledged duplicate into a redelivery loop.
        }
        return 'DUPLICATE';
      }
      await handler(transaction.tx, message);
    } catch (err) {
      await transaction.rollback();
      throw err;
    }
    if (!(await transaction.commit())) throw new Error('the database rolled the transaction back at COMMIT (a statement had failed in it)');
    return 'PROCESSED';
  }

  /** The key a message is recorded under. */
  keyOf(message: MessageExt): string {
    return this.messageKey(message);
  }
}

/**
 * A concurrent listener processing each message exactly once. Messages of a batch are processed one by one; the
 * first failure answers RECONSUME_LATER for the batch, and on redelivery the ones already committed are skipped.
 */
export function exactlyOnceListener<Tx>(options: ExactlyOnceOptions<Tx>): MessageListenerConcurrently {
  const processor = new ExactlyOnceProcessor(options);
  const onError = options.onError ?? warnOnStderr;
  return async (messages) => {
    for (const message of messages) {
      try {
        await processor.process(message);
      } catch (err) {
        report(onError, err, { phase: 'consume', group: options.consumerGroup, key: safeKey(processor, message) });
        return ConsumeConcurrentlyStatus.RECONSUME_LATER;
      }
    }
    return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
  };
}

function safeKey<Tx>(processor: ExactlyOnceProcessor<Tx>, message: MessageExt): string {
  try {
    return processor.keyOf(message);
  } catch {
    return '?';
  }
}
