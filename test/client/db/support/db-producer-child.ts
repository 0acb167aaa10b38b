/**
 * A producer process for the database crash tests: sends one transactional message whose local transaction runs
 * through the database helper (business row + barrier row), prints `DB-DONE <transactionId> <state>` once the
 * database transaction has committed or rolled back, and then never answers the broker: the test SIGKILLs it
 * before END_TRANSACTION.
 * Usage: node db-producer-child.js <postgres|mysql> <tablePrefix> <namesrvAddr> <producerGroup> <topic> <commit|rollback>
 */
import { databaseTransactionListener } from '../../../../src/client/db/index.js';
import { LocalTransactionState, TransactionProducer } from '../../../../src/client/index.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { mysqlTarget } from './mysql-target.js';
import { postgresTarget } from './postgres-target.js';
import type { ConformanceTarget } from '../support.js';

const [kind, prefix, namesrvAddr, producerGroup, topic, outcome] = process.argv.slice(2);
if (!kind || !prefix || !namesrvAddr || !producerGroup || !topic || (outcome !== 'commit' && outcome !== 'rollback')) {
  process.stderr.write('usage: db-producer-child <postgres|mysql> <tablePrefix> <namesrvAddr> <producerGroup> <topic> <commit|rollback>\n');
  process.exit(2);
}

async function run<Tx>(target: ConformanceTarget<Tx>): Promise<void> {
  const db = target.dialect({ tablePrefix: prefix });
  const helper = databaseTransactionListener<Tx>({
    database: db,
    onError: () => undefined,
    localTransaction: async (tx, message) => {
      await target.insertBusinessRow(tx, `${prefix}orders`, message.transactionId);
      if (outcome === 'rollback') throw new Error('payment declined');
    },
  });
  const producer = new TransactionProducer({
    producerGroup: producerGroup!,
    namesrvAddr: namesrvAddr!,
    logger: silentLogger(),
    listener: {
      async executeLocalTransaction(message, arg) {
        const state = await helper.executeLocalTransaction(message, arg);
        process.stdout.write(`DB-DONE ${message.transactionId} ${state}\n`);
        return new Promise<LocalTransactionState>(() => undefined); // killed before END_TRANSACTION
      },
      // This process dies before any check-back could reach it; the survivor answers them.
      checkLocalTransaction: () => LocalTransactionState.UNKNOW,
    },
  });
  await producer.start();
  await producer.sendMessageInTransaction({ topic: topic!, body: Buffer.from(`order-${outcome}`) }, null);
}

if (kind === 'postgres') await run(postgresTarget());
else await run(mysqlTarget());
