/**
 * Child process of the transaction crash tests: opens a store (sync flush) and a broker on argv[2], sends
 * half messages on topic Tx, and stops at the point argv[3] names, printing where it is; the parent SIGKILLs it.
 *
 * - `half`: sends two half messages, prints `ready <json [{messageId, transactionId}]>`.
 * - `between`: sends one half message and commits it, but op records never reach the store: prints
 *   `copied <json {messageId, transactionId}>` once the real-topic copy is durable, and hangs there.
 */
import { Broker } from '../../src/broker/broker.js';
import { OP_TOPIC } from '../../src/broker/transaction/constants.js';
import { openMessageStore } from '../../src/store/index.js';
import type { AppendInput } from '../../src/store/types.js';
import { silentLogger } from '../../src/util/logger.js';

const [dir, mode] = process.argv.slice(2) as [string, string];
const say = (line: string): void => void process.stdout.write(line + '\n');

const logger = silentLogger();
const store = await openMessageStore({ dataDir: dir, flushMode: 'sync', logger });
const broker = await Broker.open({ store, dataDir: dir, logger, transaction: { scanIntervalMs: 3_600_000 } });
await broker.createTopic({ name: 'Tx', messageType: 'TRANSACTION', queueNums: 1 });
const half = async (body: string): Promise<{ messageId: string; transactionId: string }> => {
  const r = await broker.send({ topic: 'Tx', body: Buffer.from(body), messageType: 'TRANSACTION' });
  return { messageId: r.messageId, transactionId: r.transactionId };
};

if (mode === 'half') {
  say(`ready ${JSON.stringify([await half('a'), await half('b')])}`);
} else if (mode === 'between') {
  const sent = await half('committed before the crash');
  // The crash point: the commit's real-topic copy is durable, its op record never gets written.
  const append = store.append.bind(store);
  store.append = async (input: AppendInput) => {
    if (input.topic === OP_TOPIC) return new Promise<never>(() => {});
    const r = await append(input);
    if (input.topic === 'Tx') say(`copied ${JSON.stringify(sent)}`);
    return r;
  };
  void broker.endTransaction({ transactionId: sent.transactionId, topic: 'Tx', resolution: 'COMMIT', source: 'client' });
} else {
  throw new Error(`unknown mode ${mode}`);
}
setInterval(() => {}, 60_000);
