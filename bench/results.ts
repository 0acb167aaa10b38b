/**
 * Writes a run's results: bench/results/latest.json and a dated copy bench/results/<ISO date>.json (the dated
 * copies are git-ignored; latest.json is committed from a real run).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultsFile } from './types.js';

/** bench/results in the source tree (the compiled file lives in build/bench/). */
export const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

export async function writeResults(results: ResultsFile, dir = RESULTS_DIR): Promise<{ latest: string; dated: string }> {
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const latest = join(dir, 'latest.json');
  // Colons are not welcome in file names everywhere: 2026-12-07T05-30-00Z.
  const dated = join(dir, `${results.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  await writeFile(latest, text);
  await writeFile(dated, text);
  return { latest, dated };
}
