/**
 * Crash-test helper (not a test file): opens the store in sync mode and appends continuously from several
 * concurrent writers, printing one line per acknowledged append, until the parent kills it with SIGKILL.
 *   node build/test/store/crash-child.js <dataDir> <seed>
 * Output: `READY <recovery report JSON>` once open, then
 *   `ACK <topic> <queueId> <queueOffset> <commitLogOffset> <size> <bodyCrc32> <uniqKey>` per acknowledged append.
 * stdout to a pipe is synchronous on Linux, so a printed line means the ack was seen by the parent's pipe.
 */
import { crc32 } from 'node:zlib';
import { openMessageStore } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { bodyOf, input, rng } from './helpers.js';
import { CRASH_STORE_OPTIONS } from './crash-options.js';

const [dataDir, seedArg] = process.argv.slice(2);
if (!dataDir || !seedArg) {
  process.stderr.write('usage: crash-child <dataDir> <seed>\n');
  process.exit(2);
}
const seed = Number(seedArg);
const store = await openMessageStore({ ...CRASH_STORE_OPTIONS, dataDir, logger: silentLogger() });
process.stdout.write(`READY ${JSON.stringify(store.recovery)}\n`);

let n = 0;
async function writer(w: number): Promise<void> {
  const r = rng(seed * 100 + w);
  for (;;) {
    const i = n++;
    const topic = `Crash${Math.floor(r() * 3)}`;
    const queueId = Math.floor(r() * 4);
    const body = bodyOf(Math.floor(r() * 600), seed * 1_000_000 + i);
    const uniq = `s${seed}-${i}`;
    const res = await store.append(input(topic, queueId, body, { UNIQ_KEY: uniq, KEYS: `k${i % 7}` }));
    process.stdout.write(`ACK ${topic} ${queueId} ${res.queueOffset} ${res.commitLogOffset} ${res.size} ${crc32(body)} ${uniq}\n`);
  }
}
await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
