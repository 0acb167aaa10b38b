/**
 * Metadata crash helper (not a test file): opens a broker on a data dir and creates topics and groups without
 * pause, each with a padding-heavy name so the metadata files grow and every write takes a while, printing one line
 * per acknowledged create, until the parent kills it with SIGKILL.
 *   node build/test/broker/metadata-crash-child.js <dataDir> <round>
 * Output: `READY` once open, then `TOPIC <name>` / `GROUP <name>` per acknowledged create.
 */
import { Broker } from '../../src/broker/broker.js';
import { openMessageStore } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';

const [dataDir, roundArg] = process.argv.slice(2);
if (!dataDir || !roundArg) {
  process.stderr.write('usage: metadata-crash-child <dataDir> <round>\n');
  process.exit(2);
}
const logger = silentLogger();
const store = await openMessageStore({ dataDir, flushMode: 'sync', logger });
const broker = await Broker.open({ store, dataDir, logger });
process.stdout.write('READY\n');

const pad = 'x'.repeat(100);
async function topics(): Promise<void> {
  for (let i = 0; ; i++) {
    const name = `T${roundArg}_${i}_${pad}`;
    await broker.createTopic({ name, messageType: i % 2 === 0 ? 'NORMAL' : 'FIFO', queueNums: 1 + (i % 8) });
    process.stdout.write(`TOPIC ${name}\n`);
  }
}
async function groups(): Promise<void> {
  for (let i = 0; ; i++) {
    const name = `G${roundArg}_${i}_${pad}`;
    await broker.createGroup({ name, maxDeliveryAttempts: 1 + (i % 16) });
    process.stdout.write(`GROUP ${name}\n`);
  }
}
await Promise.all([topics(), groups()]);
