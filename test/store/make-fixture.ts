/**
 * Generates test/fixtures/store-v1 (run after `npm run build`):
 *   node build/test/store/make-fixture.js test/fixtures/store-v1
 * Writes the records of fixture-records.ts with a fixed clock into a fresh data dir (1 KiB segments, so they span
 * two segments), closes it cleanly, and writes expected.json with every field of every record as read back.
 * Regenerate only when the on-disk format version changes; the old fixture must keep passing its test.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openMessageStore } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { FIXTURE_CLOCK_START, FIXTURE_OPTIONS, fixtureInputs } from './fixture-records.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: make-fixture <outDir>\n');
  process.exit(2);
}
const dataDir = resolve(out, 'data');
await rm(resolve(out), { recursive: true, force: true });
await mkdir(resolve(out), { recursive: true });
let t = FIXTURE_CLOCK_START;
const clock = { now: (): number => t };
const store = await openMessageStore({ ...FIXTURE_OPTIONS, dataDir, clock, logger: silentLogger() });
const expected = [];
for (const inp of fixtureInputs()) {
  const r = await store.append(inp);
  t += 1000;
  const m = await store.read(r.commitLogOffset);
  if (!m) throw new Error('fixture record not readable');
  expected.push({ ...m, body: m.body.toString('base64') });
}
await store.close();
await writeFile(join(resolve(out), 'expected.json'), JSON.stringify({ formatVersion: 1, options: FIXTURE_OPTIONS, records: expected }, null, 2) + '\n');
process.stdout.write(`wrote ${expected.length} records to ${dataDir}\n`);
