/**
 * What the shared conformance suite needs from one real database, and small helpers: messages as the SDK builds
 * them, gates to order two connections, and condition waits with a deadline (no sleeps).
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseDialect, DialectTransaction, TableOptions } from '../../../src/client/db/index.js';
import type { MessageExt, TransactionMessage } from '../../../src/client/types.js';

export interface ConformanceTarget<Tx> {
  /** "PostgreSQL" / "MariaDB", in test names and errors. */
  readonly name: string;
  /** Fails with a clear message when the database is not reachable: these tests never skip. */
  connect(): Promise<void>;
  dialect(options: TableOptions): DatabaseDialect<Tx>;
  createBusinessTable(table: string): Promise<void>;
  /** One business statement on the helper's transaction. */
  insertBusinessRow(tx: Tx, table: string, id: string): Promise<void>;
  /** Committed business rows with this id. */
  countBusinessRows(table: string, id: string): Promise<number>;
  dropTable(table: string): Promise<void>;
  /** How often {@link lockWaiters} may be polled. */
  readonly lockPollMs: number;
  /** Sessions now waiting on a row lock in a statement naming `table` (the racing check-back or delivery). */
  lockWaiters(table: string): Promise<number>;
  /** Terminates the server session behind `tx`, as a lost connection would. */
  killSession(tx: Tx): Promise<void>;
  close(): Promise<void>;
}

/** A per-run table prefix: concurrent runs and test files never share a table. */
export function uniquePrefix(): string {
  return `t${process.pid}_${randomBytes(3).toString('hex')}_`;
}

export function uniqueId(label: string): string {
  return `${label}-${randomBytes(8).toString('hex').toUpperCase()}`;
}

export function transactionMessage(producerGroup: string, transactionId: string, body = 'order'): TransactionMessage {
  return { topic: 'Orders', body: Buffer.from(body), transactionId, msgId: transactionId, producerGroup };
}

export function messageExt(fields: Partial<MessageExt> & { msgId: string }): MessageExt {
  return {
    topic: 'Orders',
    body: Buffer.from('order'),
    keys: [],
    properties: {},
    offsetMsgId: '7F00000100002A9F0000000000000000',
    brokerName: 'broker-a',
    queueId: 0,
    queueOffset: 0,
    commitLogOffset: 0,
    bornTimestamp: Date.now(),
    bornHost: '127.0.0.1:1',
    storeTimestamp: Date.now(),
    storeHost: '127.0.0.1:10911',
    reconsumeTimes: 0,
    ...fields,
  };
}

/** A promise opened by the test: the code under test waits on it at a chosen point. */
export class Gate {
  private release!: () => void;
  readonly opened: Promise<void> = new Promise((resolve) => (this.release = resolve));
  open(): void {
    this.release();
  }
}

/** Polls `condition` until it holds; fails with `what` after the deadline. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export interface CommitHooks<Tx> {
  /** Runs in place of the transaction's commit: call `commit` (or not) and decide what the helper sees. */
  commit(transaction: DialectTransaction<Tx>, commit: () => Promise<boolean>): Promise<boolean>;
}

/** The dialect with every transaction's COMMIT replaced by the test's hook: lets a test hold a transaction open just before COMMIT. */
export function hookCommits<Tx>(dialect: DatabaseDialect<Tx>, hooks: CommitHooks<Tx>): DatabaseDialect<Tx> {
  return new Proxy(dialect, {
    get(target, property, receiver) {
      if (property !== 'begin') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<DatabaseDialect<Tx>['begin']>): Promise<DialectTransaction<Tx>> => {
        const transaction = await target.begin(...args);
        const realCommit = transaction.commit.bind(transaction);
        return new Proxy(transaction, {
          get(t, p, r) {
            if (p === 'commit') return () => hooks.commit(t, realCommit);
            const value = Reflect.get(t, p, r) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
          },
        });
      };
    },
  });
}
