/**
 * The check-back helper end to end: the SDK's TransactionProducer against a real Apogee (in-process, short check
 * intervals) and the real PostgreSQL and MariaDB. A producer SIGKILLed right after its database COMMIT (before
 * END_TRANSACTION) is settled COMMIT by another producer of the group from the barrier table alone; one killed after
 * its database rollback is settled ROLLBACK; a local transaction that would commit after the broker was told
 * ROLLBACK fails on the barrier.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { databaseTransactionListener, type DatabaseDialect } from '../../../src/client/db/index.js';
import { LocalTransactionState, TransactionProducer, type TransactionListener } from '../../../src/client/index.js';
import { collect, type Collector } from '../support/collector.js';
import { fastClient, startTarget, unique, waitFor, type SdkTarget } from '../support/target.js';
import { mysqlTarget } from './support/mysql-target.js';
import { postgresTarget } from './support/postgres-target.js';
import { Gate, uniquePrefix, type ConformanceTarget } from './support.js';

const CHILD = fileURLToPath(new URL('./support/db-producer-child.js', import.meta.url));

function suite<Tx>(target: ConformanceTarget<Tx>): void {
  describe(`check-backs from ${target.name} through a real broker`, () => {
    const prefix = uniquePrefix();
    const orders = `${prefix}orders`;
    let db: DatabaseDialect<Tx>;
    let broker: SdkTarget;
    let topic: string;
    let collector: Collector;
    const producers: TransactionProducer[] = [];
    const children: ChildProcess[] = [];

    before(async () => {
      await target.connect();
      db = target.dialect({ tablePrefix: prefix });
      await db.migrate();
      await target.createBusinessTable(orders);
      broker = await startTarget();
      topic = await broker.topic('sdk-db-tx', { messageType: 'TRANSACTION' });
      collector = await collect(broker.namesrvAddr, topic);
    });
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      for (const p of producers) await p.shutdown();
      await collector?.consumer.shutdown();
      await broker?.close();
      try {
        await db?.dropTables();
        await target.dropTable(orders);
      } finally {
        await target.close();
      }
    });

    /** A producer of `group` whose listener is the database helper; records each check-back's answer. */
    async function producerOf(group: string, localTransaction: (tx: Tx, id: string) => Promise<void>) {
      const answers = new Map<string, LocalTransactionState>();
      const helper = databaseTransactionListener<Tx>({ database: db, onError: () => undefined, localTransaction: (tx, m) => localTransaction(tx, m.transactionId) });
      const listener: TransactionListener = {
        executeLocalTransaction: (m, arg) => helper.executeLocalTransaction(m, arg),
        async checkLocalTransaction(m) {
          const state = await helper.checkLocalTransaction(m);
          answers.set(m.transactionId ?? m.msgId, state);
          return state;
        },
      };
      const producer = new TransactionProducer({ producerGroup: group, namesrvAddr: broker.namesrvAddr, ...fastClient, listener });
      producers.push(producer);
      await producer.start();
      return { producer, answers };
    }

    /** Runs the child producer until its database transaction ended, then SIGKILLs it before END_TRANSACTION. */
    async function killAfterDatabase(group: string, outcome: 'commit' | 'rollback'): Promise<{ transactionId: string; state: string }> {
      const kind = target.name === 'PostgreSQL' ? 'postgres' : 'mysql';
      const proc = spawn(process.execPath, [CHILD, kind, prefix, broker.namesrvAddr, group, topic, outcome], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(proc);
      let out = '';
      let err = '';
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_c, s) => resolve(s)));
      const done = await waitFor(`the child's database transaction (stderr: ${err})`, () => /DB-DONE (\S+) (\S+)/.exec(out) ?? undefined, 30_000);
      proc.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      return { transactionId: done[1]!, state: done[2]! };
    }

    /** Sends a committed message and waits for its delivery: anything settled before it had its chance to arrive. */
    async function sentinel(producer: TransactionProducer, body: string): Promise<void> {
      const r = await producer.sendMessageInTransaction({ topic, body: Buffer.from(body) }, null);
      assert.equal(r.localTransactionState, LocalTransactionState.COMMIT_MESSAGE);
      await waitFor(`sentinel ${body}`, () => collector.count(body) === 1, 30_000);
    }

    test('a producer killed after its database COMMIT: the survivor answers COMMIT from the barrier table, delivered once', async () => {
      const group = unique('pg-db-commit');
      const survivor = await producerOf(group, async () => {
        throw new Error('the survivor sends nothing here');
      });
      const { transactionId, state } = await killAfterDatabase(group, 'commit');
      assert.equal(state, LocalTransactionState.COMMIT_MESSAGE);
      assert.equal(await db.readBarrier(group, transactionId), 'COMMITTED');
      await waitFor('delivery of the killed producer\'s message', () => collector.count('order-commit') === 1, 60_000);
      assert.equal(survivor.answers.get(transactionId), LocalTransactionState.COMMIT_MESSAGE);
      assert.equal(collector.messages.find((m) => m.body.toString() === 'order-commit')?.msgId, transactionId);
      assert.equal(await target.countBusinessRows(orders, transactionId), 1);
    });

    test('a producer killed after its database rollback: the survivor writes the marker and answers ROLLBACK, nothing delivered', async () => {
      const group = unique('pg-db-rollback');
      const survivor = await producerOf(group, (tx, id) => target.insertBusinessRow(tx, orders, id));
      const { transactionId, state } = await killAfterDatabase(group, 'rollback');
      assert.equal(state, LocalTransactionState.ROLLBACK_MESSAGE);
      await waitFor('the survivor\'s check-back answer', () => survivor.answers.get(transactionId), 60_000);
      assert.equal(survivor.answers.get(transactionId), LocalTransactionState.ROLLBACK_MESSAGE);
      assert.equal(await db.readBarrier(group, transactionId), 'ROLLED_BACK');
      assert.equal(await target.countBusinessRows(orders, transactionId), 0);
      await sentinel(survivor.producer, unique('after-rollback'));
      assert.equal(collector.count('order-rollback'), 0);
    });

    test('a local transaction still running when the broker checks back is rolled back; its late commit fails on the barrier', async () => {
      const group = unique('pg-db-late');
      const inside = new Gate();
      const proceed = new Gate();
      let lateId = '';
      const p = await producerOf(group, async (tx, id) => {
        await target.insertBusinessRow(tx, orders, id);
        if (lateId) return; // the sentinel
        lateId = id;
        inside.open();
        await proceed.opened;
      });
      try {
        const sending = p.producer.sendMessageInTransaction({ topic, body: Buffer.from('order-late') }, null);
        await inside.opened;
        await waitFor('the check-back during the local transaction', () => p.answers.get(lateId), 60_000);
        assert.equal(p.answers.get(lateId), LocalTransactionState.ROLLBACK_MESSAGE);
        assert.equal(await db.readBarrier(group, lateId), 'ROLLED_BACK');
        proceed.open();
        const result = await sending;
        assert.equal(result.localTransactionState, LocalTransactionState.ROLLBACK_MESSAGE, 'the late commit failed on the barrier');
        assert.equal(await target.countBusinessRows(orders, lateId), 0, 'its business row rolled back');
        await sentinel(p.producer, unique('after-late'));
        assert.equal(collector.count('order-late'), 0);
      } finally {
        proceed.open();
      }
    });
  });
}

suite(postgresTarget());
suite(mysqlTarget());
