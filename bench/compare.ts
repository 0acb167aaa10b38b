/**
 * Ratios within one run: each peer row against the Apogee row it should be read against — Apache RocketMQ rows
 * against Apogee through the same client, other peers against Apogee's best client — always at the same section,
 * durability, in-flight count, body size (and offered rate). Throughput ratios are Apogee ÷ peer (> 1: Apogee
 * ahead); latency ratios are Apogee p99 ÷ peer p99 (< 1: Apogee ahead).
 */
import type { BenchRow } from './types.js';

function sameShape(a: BenchRow, b: BenchRow): boolean {
  return a.section === b.section && a.durability === b.durability && a.inFlight === b.inFlight && a.bodyBytes === b.bodyBytes && (a.offeredPerSec ?? 0) === (b.offeredPerSec ?? 0);
}

/** The best (highest msgs/s) Apogee row of `row`'s shape, through `row`'s client when the peer is RocketMQ. */
export function apogeeCounterpart(rows: readonly BenchRow[], row: BenchRow): BenchRow | undefined {
  if (row.system === 'apogee') return undefined;
  const candidates = rows.filter((a) => a.system === 'apogee' && a.msgsPerSec !== null && sameShape(a, row) && (row.system !== 'rocketmq' || a.client === row.client));
  return candidates.reduce<BenchRow | undefined>((best, a) => (!best || (a.msgsPerSec ?? 0) > (best.msgsPerSec ?? 0) ? a : best), undefined);
}

/** Apogee ÷ peer msgs/s (or, for latency rows, Apogee p99 ÷ peer p99); null when either side is missing. */
export function ratioFor(rows: readonly BenchRow[], row: BenchRow): number | null {
  const a = apogeeCounterpart(rows, row);
  if (!a) return null;
  if (row.section === 'latency') return a.p99Ms !== null && row.p99Ms ? a.p99Ms / row.p99Ms : null;
  return a.msgsPerSec !== null && row.msgsPerSec ? a.msgsPerSec / row.msgsPerSec : null;
}

/** Apogee's best msgs/s row of a shape (section send, 1 KiB unless said). */
export function apogeeBest(rows: readonly BenchRow[], durability: BenchRow['durability'], inFlight: number, section: BenchRow['section'] = 'send', bodyBytes = 1024): BenchRow | undefined {
  return rows
    .filter((r) => r.system === 'apogee' && r.section === section && r.durability === durability && r.inFlight === inFlight && r.bodyBytes === bodyBytes && r.msgsPerSec !== null)
    .reduce<BenchRow | undefined>((best, r) => (!best || (r.msgsPerSec ?? 0) > (best.msgsPerSec ?? 0) ? r : best), undefined);
}
