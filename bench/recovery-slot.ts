/**
 * RECOVERY SLOT — the `recovery` section's rows. bench/recovery.ts (written by another change) measures time to
 * ready after kill -9 with a 1 GiB commit log and the cold start of an empty broker; wire it here: call its
 * functions and return their results as `RecoveryRow`s (types.ts). Until then the section reports its two rows
 * as not measured, so the results file always has them.
 */
import type { Options } from './options.js';
import type { BenchRow } from './types.js';

export async function recoveryRows(_opts: Options): Promise<BenchRow[]> {
  const row = (durability: 'sync' | 'async', note: string): BenchRow => ({
    section: 'recovery',
    system: 'apogee',
    client: 'none',
    durability,
    inFlight: 0,
    bodyBytes: 0,
    msgsPerSec: null,
    p50Ms: null,
    p99Ms: null,
    cpuMsPer1k: null,
    peakRssMb: null,
    note,
  });
  return [
    row('sync', 'not measured yet: time to ready after kill -9 with 1 GiB commit log (bench/recovery.ts, to be wired in bench/recovery-slot.ts)'),
    row('sync', 'not measured yet: cold start of an empty broker (bench/recovery.ts, to be wired in bench/recovery-slot.ts)'),
  ];
}
