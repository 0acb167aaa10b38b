/**
 * The `recovery` section's rows: time to ready after a kill -9 of a broker writing a large commit log (the crash
 * recovery path), and the cold start of an empty broker, both measured by bench/recovery.ts. The full run fills
 * 1 GiB (the size); --quick fills 256 MiB so the run stays short, and says so in the row's note.
 */
import { measureColdStart, measureRecovery, type RecoveryFigures } from './recovery.js';
import type { Options } from './options.js';
import type { RecoveryRow } from './types.js';

const MiB = 1024 * 1024;

function toRow(f: RecoveryFigures, what: string): RecoveryRow {
  const parts = [what, `store recovery ${f.storeRecoveryMs ?? '?'} ms`, `broker CPU to ready ${Math.round(f.cpuMsToReady)} ms`];
  if (f.scannedBytes !== null) parts.push(`verified ${(f.scannedBytes / MiB).toFixed(0)} MiB`);
  parts.push(`idle RSS ${f.idleRssMb.toFixed(0)} MB`, `load ${f.loadAverage.toFixed(1)}`);
  if (f.note) parts.push(f.note);
  return {
    section: 'recovery',
    system: 'apogee',
    client: 'none',
    durability: f.durability,
    inFlight: 0,
    bodyBytes: f.kind === 'cold-start' ? 0 : 1024,
    msgsPerSec: null,
    p50Ms: null,
    p99Ms: null,
    cpuMsPer1k: null,
    peakRssMb: Math.round(f.peakRssMb * 10) / 10,
    readyMs: Math.round(f.readyMs),
    commitLogBytes: f.commitLogBytes,
    messages: f.messages,
    note: parts.join('; '),
  };
}

export async function recoveryRows(opts: Options): Promise<RecoveryRow[]> {
  const bytes = opts.quick ? 256 * MiB : 1024 * MiB;
  const label = opts.quick ? 'kill -9 with 256 MiB commit log (quick; the full run uses 1 GiB)' : 'kill -9 with 1 GiB commit log';
  const crash = await measureRecovery({ commitLogBytes: bytes, flush: 'sync' });
  const cold = await measureColdStart({ flush: 'sync' });
  return [toRow(crash, `time to ready after ${label}`), toRow(cold, 'cold start of an empty broker')];
}
