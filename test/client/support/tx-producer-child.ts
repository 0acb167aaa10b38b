/**
 * A producer process for crash tests: sends one transactional message whose local transaction never ends,
 * prints `EXECUTING <transactionId>` from inside executeLocalTransaction, and waits to be killed.
 * Usage: node tx-producer-child.js <namesrvAddr> <producerGroup> <topic> <body>
 */
import { LocalTransactionState, TransactionProducer } from '../../../src/client/index.js';
import { silentLogger } from '../../../src/util/logger.js';

const [namesrvAddr, producerGroup, topic, body] = process.argv.slice(2);
if (!namesrvAddr || !producerGroup || !topic || !body) {
  process.stderr.write('usage: tx-producer-child <namesrvAddr> <producerGroup> <topic> <body>\n');
  process.exit(2);
}
const producer = new TransactionProducer({
  producerGroup,
  namesrvAddr,
  logger: silentLogger(),
  listener: {
    executeLocalTransaction(message) {
      process.stdout.write(`EXECUTING ${message.transactionId}\n`);
      return new Promise<LocalTransactionState>(() => undefined); // the process dies before this ends
    },
    checkLocalTransaction: () => LocalTransactionState.UNKNOW,
  },
});
await producer.start();
await producer.sendMessageInTransaction({ topic, body: Buffer.from(body) }, null);
