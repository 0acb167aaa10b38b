/**
 * Pop-consumption crash helper (not a test file): opens a broker (sync flush) on a data dir and receives and acks
 * messages of topic `Crash` for group `gCrash` without pause, leaving about one in ten unacked (300 ms invisible),
 * until the parent kills it with SIGKILL.
 *   node build/test/broker/pop-crash-child.js <dataDir> <seed>
 * Output: `READY`, then `ACKING <body>` before each ack and `ACK <body>` once it is acknowledged (a kill between
 * the two leaves the ack in doubt).
 */
import { Broker } from '../../src/broker/broker.js';
import { openMessageStore } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { rng } from '../store/helpers.js';

const [dataDir, seedArg] = process.argv.slice(2);
if (!dataDir || !seedArg) {
  process.stderr.write('usage: pop-crash-child <dataDir> <seed>\n');
  process.exit(2);
}
const random = rng(Number(seedArg));
const logger = silentLogger();
const store = await openMessageStore({ dataDir, flushMode: 'sync', logger });
const broker = await Broker.open({ store, dataDir, logger });
process.stdout.write('READY\n');

async function worker(): Promise<void> {
  for (;;) {
    const got = await broker.receive({ group: 'gCrash', topic: 'Crash', maxMessages: 4, invisibleDurationMs: 300, pollTimeoutMs: 100 });
    await Promise.all(
      got.map(async (m) => {
        if (random() < 0.1) return; // left unacked: it must come back
        process.stdout.write(`ACKING ${m.body.toString()}\n`);
        await broker.ack('gCrash', 'Crash', m.receiptHandle);
        process.stdout.write(`ACK ${m.body.toString()}\n`);
      }),
    );
  }
}
await Promise.all([worker(), worker(), worker()]);
