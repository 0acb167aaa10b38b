/**
 * The one conformance suite of the database helpers, run against each real database (postgres.test.ts,
 * mysql.test.ts): the transaction listener's commit and rollback paths, check-backs answered from the barrier table,
 * the races between a check-back and a local transaction still open, COMMITs that fail or whose outcome is lost,
 * and the exactly-once consumer under redelivery, failure and concurrent duplicate delivery.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BarrierTakenError,
  databaseTransactionListener,
  exactlyOnceListener,
  migrationSql,
  resolveTables,
  type DatabaseDialect,
  type DatabaseTransactionListenerOptions,
  type HelperErrorContext,
  type IsolationLevel,
} from '../../../src/client/db/index.js';
import { ConsumeConcurrentlyStatus, LocalTransactionState, type MessageExt } from '../../../src/client/types.js';
import { Gate, hookCommits, messageExt, transactionMessage, uniqueId, uniquePrefix, waitFor, type ConformanceTarget } from './support.js';

const RACE_ISOLATIONS: readonly IsolationLevel[] = ['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'];

interface Reported {
  error: unknown;
  context: HelperErrorContext;
}

export function conformance<Tx>(target: ConformanceTarget<Tx>): void {
  describe(`database helpers on ${target.name}`, () => {
    const prefix = uniquePrefix();
    const orders = `${prefix}orders`;
    const effects = `${prefix}effects`;
    let db: DatabaseDialect<Tx>;
    const extraTables: string[] = [];

    before(async () => {
      await target.connect();
      db = target.dialect({ tablePrefix: prefix });
      await db.migrate();
      await target.createBusinessTable(orders);
      await target.createBusinessTable(effects);
    });

    after(async () => {
      try {
        if (db) await db.dropTables();
        for (const t of [orders, effects, ...extraTables]) await target.dropTable(t);
      } finally {
        await target.close();
      }
    });

    /** A listener whose local transaction inserts the order row; errors are collected instead of printed. */
    function listener(overrides: Partial<DatabaseTransactionListenerOptions<Tx>> = {}) {
      const reported: Reported[] = [];
      const l = databaseTransactionListener<Tx>({
        database: db,
        localTransaction: async (tx, message) => {
          await target.insertBusinessRow(tx, orders, message.transactionId);
        },
        onError: (error, context) => reported.push({ error, context }),
        ...overrides,
      });
      return { listener: l, reported };
    }

    describe('transaction listener', () => {
      it('commits the business row and the barrier row together; the check-back answers COMMIT from the barrier', async () => {
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const { listener: l, reported } = listener();
        assert.equal(await l.executeLocalTransaction(transactionMessage(group, txId), null), LocalTransactionState.COMMIT_MESSAGE);
        assert.equal(await target.countBusinessRows(orders, txId), 1);
        assert.equal(await db.readBarrier(group, txId), 'COMMITTED');
        // Another producer of the group (a fresh listener) knows nothing but the table.
        const other = listener().listener;
        assert.equal(await other.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: group })), LocalTransactionState.COMMIT_MESSAGE);
        assert.equal(await db.readBarrier(group, txId), 'COMMITTED', 'a check-back never overwrites a committed row');
        assert.deepEqual(reported, []);
      });

      it('rolls back when the local transaction throws; the check-back writes a rollback marker and answers ROLLBACK', async () => {
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const { listener: l, reported } = listener({
          localTransaction: async (tx, message) => {
            await target.insertBusinessRow(tx, orders, message.transactionId);
            throw new Error('payment declined');
          },
        });
        assert.equal(await l.executeLocalTransaction(transactionMessage(group, txId), null), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(reported.length, 1);
        assert.match(String((reported[0]!.error as Error).message), /payment declined/);
        assert.equal(await target.countBusinessRows(orders, txId), 0, 'the business row rolled back');
        assert.equal(await db.readBarrier(group, txId), undefined, 'no barrier row');
        const check = messageExt({ msgId: txId, transactionId: txId, producerGroup: group });
        assert.equal(await l.checkLocalTransaction(check), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(await db.readBarrier(group, txId), 'ROLLED_BACK', 'the check-back left its marker');
        assert.equal(await l.checkLocalTransaction(check), LocalTransactionState.ROLLBACK_MESSAGE, 'asked again: same answer');
      });

      it('rolls back without an error when the local transaction returns ROLLBACK_MESSAGE', async () => {
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const { listener: l, reported } = listener({
          localTransaction: async (tx, message) => {
            await target.insertBusinessRow(tx, orders, message.transactionId);
            return LocalTransactionState.ROLLBACK_MESSAGE;
          },
        });
        assert.equal(await l.executeLocalTransaction(transactionMessage(group, txId), null), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(await target.countBusinessRows(orders, txId), 0);
        assert.equal(await db.readBarrier(group, txId), undefined);
        assert.deepEqual(reported, []);
      });

      it('a local transaction that commits after the check-back answered ROLLBACK fails on the barrier and answers ROLLBACK', async () => {
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const { listener: l, reported } = listener();
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: group })), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(await l.executeLocalTransaction(transactionMessage(group, txId), null), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(await target.countBusinessRows(orders, txId), 0, 'the late business statements rolled back');
        assert.equal(await db.readBarrier(group, txId), 'ROLLED_BACK');
        assert.equal(reported.length, 1);
        assert.ok(reported[0]!.error instanceof BarrierTakenError, `got ${String(reported[0]!.error)}`);
      });

      for (const isolation of RACE_ISOLATIONS) {
        it(`${isolation}: a check-back during the business statements rolls the transaction back; its later commit fails on the key`, async (t) => {
          const group = uniqueId('pg');
          const txId = uniqueId('tx');
          const inside = new Gate();
          const proceed = new Gate();
          t.after(() => proceed.open()); // a failed assertion must not leave a transaction open (teardown would wait on its locks)
          const { listener: l } = listener({
            isolationLevel: isolation,
            localTransaction: async (tx, message) => {
              await target.insertBusinessRow(tx, orders, message.transactionId);
              inside.open();
              await proceed.opened;
            },
          });
          const executing = l.executeLocalTransaction(transactionMessage(group, txId), null);
          await inside.opened;
          assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: group })), LocalTransactionState.ROLLBACK_MESSAGE);
          proceed.open();
          assert.equal(await executing, LocalTransactionState.ROLLBACK_MESSAGE);
          assert.equal(await target.countBusinessRows(orders, txId), 0);
          assert.equal(await db.readBarrier(group, txId), 'ROLLED_BACK');
        });

        it(`${isolation}: a check-back meeting an uncommitted barrier row waits for it and answers COMMIT once it commits`, async (t) => {
          const group = uniqueId('pg');
          const txId = uniqueId('tx');
          const atCommit = new Gate();
          const proceed = new Gate();
          t.after(() => proceed.open()); // a failed assertion must not leave a transaction open (teardown would wait on its locks)
          const gated = hookCommits(db, {
            async commit(_t, commit) {
              atCommit.open();
              await proceed.opened;
              return commit();
            },
          });
          const { listener: l } = listener({ database: gated, isolationLevel: isolation });
          const checker = listener().listener;
          const executing = l.executeLocalTransaction(transactionMessage(group, txId), null);
          await atCommit.opened; // business row and barrier row inserted, not committed
          const checking = checker.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: group }));
          await waitFor('the check-back to block on the barrier key', async () => (await target.lockWaiters(db.tables.barrier)) >= 1, 10_000, target.lockPollMs);
          proceed.open();
          assert.equal(await executing, LocalTransactionState.COMMIT_MESSAGE);
          assert.equal(await checking, LocalTransactionState.COMMIT_MESSAGE);
          assert.equal(await target.countBusinessRows(orders, txId), 1);
          assert.equal(await db.readBarrier(group, txId), 'COMMITTED');
        });

        it(`${isolation}: a check-back waiting on a transaction that then rolls back takes the key and answers ROLLBACK`, async (t) => {
          const group = uniqueId('pg');
          const txId = uniqueId('tx');
          const atCommit = new Gate();
          const proceed = new Gate();
          t.after(() => proceed.open()); // a failed assertion must not leave a transaction open (teardown would wait on its locks)
          const gated = hookCommits(db, {
            async commit(t) {
              atCommit.open();
              await proceed.opened;
              await t.rollback();
              throw new Error('connection lost during COMMIT');
            },
          });
          const { listener: l, reported } = listener({ database: gated, isolationLevel: isolation });
          const executing = l.executeLocalTransaction(transactionMessage(group, txId), null);
          await atCommit.opened;
          const checking = listener().listener.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: group }));
          await waitFor('the check-back to block on the barrier key', async () => (await target.lockWaiters(db.tables.barrier)) >= 1, 10_000, target.lockPollMs);
          proceed.open();
          assert.equal(await executing, LocalTransactionState.UNKNOW, 'a failed COMMIT is UNKNOW: the check-back decides');
          assert.equal(reported[0]?.context.phase, 'commit');
          assert.equal(await checking, LocalTransactionState.ROLLBACK_MESSAGE);
          assert.equal(await target.countBusinessRows(orders, txId), 0);
          assert.equal(await db.readBarrier(group, txId), 'ROLLED_BACK');
        });
      }

      it('a check-back that cannot get the barrier key within checkLockTimeoutMs answers UNKNOW and writes nothing', async (t) => {
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const atCommit = new Gate();
        const proceed = new Gate();
        t.after(() => proceed.open());
        const gated = hookCommits(db, {
          async commit(_t, commit) {
            atCommit.open();
            await proceed.opened;
            return commit();
          },
        });
        const executing = listener({ database: gated }).listener.executeLocalTransaction(transactionMessage(group, txId), null);
        await atCommit.opened;
        const { listener: impatient, reported } = listener({ checkLockTimeoutMs: 300 });
        const check = messageExt({ msgId: txId, transactionId: txId, producerGroup: group });
        assert.equal(await impatient.checkLocalTransaction(check), LocalTransactionState.UNKNOW);
        assert.equal(reported[0]?.context.phase, 'check');
        proceed.open();
        assert.equal(await executing, LocalTransactionState.COMMIT_MESSAGE);
        assert.equal(await impatient.checkLocalTransaction(check), LocalTransactionState.COMMIT_MESSAGE, 'asked again later: COMMIT');
        assert.throws(() => listener({ checkLockTimeoutMs: 0 }), /checkLockTimeoutMs must be at least 1/);
      });

      it('the connection lost before COMMIT reached the server: UNKNOW, and the check-back answers ROLLBACK', async () => {
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const gated = hookCommits(db, {
          async commit(t, commit) {
            await target.killSession(t.tx);
            return commit();
          },
        });
        const { listener: l, reported } = listener({ database: gated });
        assert.equal(await l.executeLocalTransaction(transactionMessage(group, txId), null), LocalTransactionState.UNKNOW);
        assert.equal(reported.length, 1);
        assert.equal(reported[0]!.context.phase, 'commit');
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: group })), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(await target.countBusinessRows(orders, txId), 0);
      });

      it('the COMMIT happened but its answer was lost: UNKNOW, and the check-back answers COMMIT', async () => {
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const gated = hookCommits(db, {
          async commit(_t, commit) {
            assert.equal(await commit(), true);
            throw new Error('connection reset after COMMIT');
          },
        });
        const { listener: l } = listener({ database: gated });
        assert.equal(await l.executeLocalTransaction(transactionMessage(group, txId), null), LocalTransactionState.UNKNOW);
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: group })), LocalTransactionState.COMMIT_MESSAGE);
        assert.equal(await target.countBusinessRows(orders, txId), 1);
      });

      it('keys barrier rows by producer group: the same transaction id in two groups is two transactions', async () => {
        const txId = uniqueId('tx');
        const a = uniqueId('pg-a');
        const b = uniqueId('pg-b');
        const { listener: l } = listener({ localTransaction: () => undefined });
        assert.equal(await l.executeLocalTransaction(transactionMessage(a, txId), null), LocalTransactionState.COMMIT_MESSAGE);
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: b })), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: a })), LocalTransactionState.COMMIT_MESSAGE);
      });

      it('the producerGroup option keys both paths, whatever group the message carries', async () => {
        const fixed = uniqueId('pg-fixed');
        const txId = uniqueId('tx');
        const { listener: l } = listener({ producerGroup: fixed });
        assert.equal(await l.executeLocalTransaction(transactionMessage('carried-group', txId), null), LocalTransactionState.COMMIT_MESSAGE);
        assert.equal(await db.readBarrier(fixed, txId), 'COMMITTED');
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId })), LocalTransactionState.COMMIT_MESSAGE);
      });

      it('a check-back without transactionId uses msgId (the unique key the transaction id equals)', async () => {
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const { listener: l } = listener();
        assert.equal(await l.executeLocalTransaction(transactionMessage(group, txId), null), LocalTransactionState.COMMIT_MESSAGE);
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, producerGroup: group })), LocalTransactionState.COMMIT_MESSAGE);
      });

      it('bad input: no producer group → execute ROLLBACK before touching the database, check-back UNKNOW; oversized ids are refused', async () => {
        const txId = uniqueId('tx');
        let ran = false;
        const { listener: l, reported } = listener({ localTransaction: () => void (ran = true) });
        const noGroup = { ...transactionMessage('x', txId), producerGroup: '' };
        assert.equal(await l.executeLocalTransaction(noGroup, null), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(ran, false);
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId })), LocalTransactionState.UNKNOW);
        assert.match(String(reported[1]!.error), /no producer group/);
        const long = 'X'.repeat(200);
        assert.equal(await l.checkLocalTransaction(messageExt({ msgId: long, transactionId: long, producerGroup: 'g' })), LocalTransactionState.UNKNOW);
        assert.match(String(reported[2]!.error), /transaction id is 200 characters/);
      });

      it('without tables and without createTables the listener answers ROLLBACK / UNKNOW and says why; createTables makes them on first use', async () => {
        const p = uniquePrefix();
        const bare = target.dialect({ tablePrefix: p });
        extraTables.push(bare.tables.barrier, bare.tables.processed);
        const group = uniqueId('pg');
        const txId = uniqueId('tx');
        const { listener: without, reported } = listener({ database: bare, localTransaction: () => undefined });
        assert.equal(await without.executeLocalTransaction(transactionMessage(group, txId), null), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(await without.checkLocalTransaction(messageExt({ msgId: txId, transactionId: txId, producerGroup: group })), LocalTransactionState.UNKNOW);
        assert.equal(reported.length, 2);
        const { listener: withCreate } = listener({ database: bare, createTables: true, localTransaction: () => undefined });
        const tx2 = uniqueId('tx');
        assert.equal(await withCreate.executeLocalTransaction(transactionMessage(group, tx2), null), LocalTransactionState.COMMIT_MESSAGE);
        assert.equal(await bare.readBarrier(group, tx2), 'COMMITTED');
      });
    });

    describe('migration', () => {
      it('is idempotent and safe to run concurrently', async () => {
        await Promise.all([db.migrate(), db.migrate(), db.migrate()]);
        const fresh = target.dialect({ tablePrefix: uniquePrefix() });
        extraTables.push(fresh.tables.barrier, fresh.tables.processed);
        await Promise.all([fresh.migrate(), fresh.migrate(), fresh.migrate()]);
        assert.equal(await fresh.readBarrier('g', 't'), undefined);
      });

      it('prints CREATE TABLE IF NOT EXISTS for both tables and refuses names that are not identifiers', () => {
        const sql = migrationSql(db.kind, db.tables);
        assert.equal(sql.length, 2);
        assert.match(sql[0]!, new RegExp(`CREATE TABLE IF NOT EXISTS ${db.tables.barrier} `));
        assert.match(sql[1]!, new RegExp(`CREATE TABLE IF NOT EXISTS ${db.tables.processed} `));
        assert.throws(() => resolveTables({ barrierTable: 'x; DROP TABLE y' }), /not a plain SQL identifier/);
        assert.throws(() => target.dialect({ tablePrefix: 'bad-prefix' }), /not a plain SQL identifier/);
      });
    });

    describe('exactly-once consumer', () => {
      function consumer(group: string, handler: (tx: Tx, m: MessageExt) => Promise<void>) {
        const reported: Reported[] = [];
        const duplicates: string[] = [];
        const l = exactlyOnceListener<Tx>({
          database: db,
          consumerGroup: group,
          handler,
          onError: (error, context) => reported.push({ error, context }),
          onDuplicate: (m) => duplicates.push(m.msgId),
        });
        return { listener: l, reported, duplicates };
      }
      const ctx = { queue: { topic: 'Orders', brokerName: 'broker-a', queueId: 0 }, delayLevelWhenNextConsume: 0 };

      it('runs the handler once; a redelivered message is acknowledged without running it again', async () => {
        const group = uniqueId('cg');
        const msgId = uniqueId('msg');
        let calls = 0;
        const { listener: l, duplicates } = consumer(group, async (tx, m) => {
          calls++;
          await target.insertBusinessRow(tx, effects, m.msgId);
        });
        assert.equal(await l([messageExt({ msgId })], ctx), ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
        assert.equal(await l([messageExt({ msgId, reconsumeTimes: 1 })], ctx), ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
        assert.equal(await l([messageExt({ msgId, reconsumeTimes: 2, queueOffset: 9 })], ctx), ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
        assert.equal(calls, 1);
        assert.deepEqual(duplicates, [msgId, msgId]);
        assert.equal(await target.countBusinessRows(effects, msgId), 1);
        assert.equal(await db.isProcessed(group, msgId), true);
      });

      it('a failing handler leaves no processed row and no side effect, answers RECONSUME_LATER, and the redelivery processes it', async () => {
        const group = uniqueId('cg');
        const msgId = uniqueId('msg');
        let fail = true;
        const { listener: l, reported } = consumer(group, async (tx, m) => {
          await target.insertBusinessRow(tx, effects, m.msgId);
          if (fail) throw new Error('warehouse API down');
        });
        assert.equal(await l([messageExt({ msgId })], ctx), ConsumeConcurrentlyStatus.RECONSUME_LATER);
        assert.equal(await db.isProcessed(group, msgId), false);
        assert.equal(await target.countBusinessRows(effects, msgId), 0);
        assert.equal(reported[0]?.context.phase, 'consume');
        assert.equal(reported[0]?.context.key, msgId);
        fail = false;
        assert.equal(await l([messageExt({ msgId, reconsumeTimes: 1 })], ctx), ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
        assert.equal(await target.countBusinessRows(effects, msgId), 1);
      });

      it('each consumer group processes the message once', async () => {
        const msgId = uniqueId('msg');
        const seen: string[] = [];
        for (const group of [uniqueId('cg-logistics'), uniqueId('cg-points')]) {
          const { listener: l } = consumer(group, async () => void seen.push(group));
          assert.equal(await l([messageExt({ msgId })], ctx), ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
          assert.equal(await l([messageExt({ msgId })], ctx), ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
        }
        assert.equal(seen.length, 2);
      });

      it('a batch stops at the first failure; its redelivery skips the messages already committed', async () => {
        const group = uniqueId('cg');
        const ids = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
        let failB = true;
        const handled: string[] = [];
        const { listener: l, duplicates } = consumer(group, async (tx, m) => {
          if (failB && m.msgId === ids[1]) throw new Error('b fails once');
          handled.push(m.msgId);
          await target.insertBusinessRow(tx, effects, m.msgId);
        });
        const batch = ids.map((msgId) => messageExt({ msgId }));
        assert.equal(await l(batch, ctx), ConsumeConcurrentlyStatus.RECONSUME_LATER);
        failB = false;
        assert.equal(await l(batch, ctx), ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
        assert.deepEqual(handled, ids);
        assert.deepEqual(duplicates, [ids[0]]);
        for (const id of ids) assert.equal(await target.countBusinessRows(effects, id), 1);
      });

      for (const isolation of RACE_ISOLATIONS) {
        for (const firstOutcome of ['commits', 'fails'] as const) {
          it(`${isolation}: two deliveries of one message at once — the second waits on the key, then ${firstOutcome === 'commits' ? 'skips' : 'processes it'}`, async (t) => {
            const group = uniqueId('cg');
            const msgId = uniqueId('msg');
            const inside = new Gate();
            const proceed = new Gate();
            t.after(() => proceed.open()); // a failed assertion must not leave a transaction open (teardown would wait on its locks)
            let calls = 0;
            const l = exactlyOnceListener<Tx>({
              database: db,
              consumerGroup: group,
              isolationLevel: isolation,
              onError: () => undefined,
              handler: async (tx, m) => {
                calls++;
                await target.insertBusinessRow(tx, effects, m.msgId);
                if (calls === 1) {
                  inside.open();
                  await proceed.opened;
                  if (firstOutcome === 'fails') throw new Error('first delivery fails');
                }
              },
            });
            const first = l([messageExt({ msgId })], ctx);
            await inside.opened;
            const second = l([messageExt({ msgId, reconsumeTimes: 1 })], ctx);
            await waitFor('the second delivery to block on the processed key', async () => (await target.lockWaiters(db.tables.processed)) >= 1, 10_000, target.lockPollMs);
            assert.equal(calls, 1, 'the second delivery has not run the handler while waiting');
            proceed.open();
            if (firstOutcome === 'commits') {
              assert.equal(await first, ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
              assert.equal(await second, ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
              assert.equal(calls, 1);
            } else {
              assert.equal(await first, ConsumeConcurrentlyStatus.RECONSUME_LATER);
              assert.equal(await second, ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
              assert.equal(calls, 2);
            }
            assert.equal(await target.countBusinessRows(effects, msgId), 1);
            assert.equal(await db.isProcessed(group, msgId), true);
          });
        }
      }
    });
  });
}
