/** The results file: its schema check, and what writeResults puts on disk (latest.json and a dated copy). */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { failedRow } from '../../bench/rows.js';
import { REQUIRED_ROW_KEYS, schemaProblems } from '../../bench/schema.js';
import { writeResults } from '../../bench/results.js';
import type { BenchRow, ResultsFile } from '../../bench/types.js';

const row = (over: Partial<BenchRow> = {}): BenchRow => ({
  section: 'send',
  system: 'apogee',
  client: 'remoting',
  durability: 'sync',
  inFlight: 16,
  bodyBytes: 1024,
  msgsPerSec: 5000,
  p50Ms: 1.5,
  p99Ms: 9.1,
  cpuMsPer1k: 120.5,
  peakRssMb: 95.2,
  ...over,
});

const file = (rows: BenchRow[]): ResultsFile => ({ date: '2026-12-07T05:30:00.123Z', node: 'v20.20.2', cores: 2, quick: true, rows });

it('accepts rows with every required key, including an unreachable peer as msgsPerSec null with a note', () => {
  const down = failedRow({ section: 'send', system: 'nats-jetstream', client: 'nats.js', durability: 'async', inFlight: 1, bodyBytes: 1024 }, new Error('not reachable: ECONNREFUSED\nstack'));
  assert.equal(down.msgsPerSec, null);
  assert.equal(down.note, 'not reachable: ECONNREFUSED');
  assert.deepEqual(schemaProblems(file([row(), down])), []);
  for (const k of REQUIRED_ROW_KEYS) assert.ok(k in down, k);
});

it('names what does not match: unknown system, bad durability, missing key, null without note', () => {
  const bad = row({ system: 'kafka' as BenchRow['system'], durability: 'fsync' as BenchRow['durability'] });
  const missing = row() as Partial<BenchRow>;
  delete missing.peakRssMb;
  const silent = row({ msgsPerSec: null });
  const problems = schemaProblems({ ...file([bad, missing as BenchRow, silent]), quick: 'yes' });
  assert.ok(problems.some((p) => p.startsWith('rows[0].system')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('rows[0].durability')));
  assert.ok(problems.includes('rows[1].peakRssMb: missing'));
  assert.ok(problems.includes('rows[2]: msgsPerSec null without a note'));
  assert.ok(problems.includes('quick: not a boolean'));
});

it('writes latest.json and a dated copy with the same content', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'apogee-bench-results-'));
  try {
    const written = await writeResults(file([row()]), dir);
    assert.deepEqual((await readdir(dir)).sort(), ['2026-12-07T05-30-00Z.json', 'latest.json']);
    const latest = JSON.parse(await readFile(written.latest, 'utf8')) as ResultsFile;
    assert.deepEqual(latest, JSON.parse(await readFile(written.dated, 'utf8')));
    assert.deepEqual(schemaProblems(latest), []);
    assert.equal(latest.rows[0]!.msgsPerSec, 5000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
