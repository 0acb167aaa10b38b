import { performance } from 'node:perf_hooks';

/** A bounded latency sample (the newest 2^20 values) with percentiles, and a markdown table helper for sections. */
export class LatencySample {
  private readonly values = new Float64Array(1 << 20);
  count = 0;

  add(ms: number): void {
    this.values[this.count++ & (this.values.length - 1)] = ms;
  }

  /** p in [0, 1]; 0 when empty. */
  percentile(p: number): number {
    const n = Math.min(this.count, this.values.length);
    if (n === 0) return 0;
    const sorted = this.values.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor(p * n))] as number;
  }
}

export interface LoopResult {
  count: number;
  perSec: number;
  p50: number;
  p99: number;
  p999: number;
}

/**
 * Calls `one` from `inFlight` concurrent loops, each awaiting its call before the next, for `seconds` (after 20
 * warm-up calls: connections, JIT), and reports calls per second and latency percentiles in ms.
 */
export async function runLoops(inFlight: number, seconds: number, one: () => Promise<unknown>, warmUp = 20): Promise<LoopResult> {
  for (let i = 0; i < warmUp; i++) await one();
  const lat = new LatencySample();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let stop = false;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (!stop) {
        const s = performance.now();
        await one();
        const e = performance.now();
        lat.add(e - s);
        if (e >= deadline) stop = true;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { count: lat.count, perSec: lat.count / elapsed, p50: lat.percentile(0.5), p99: lat.percentile(0.99), p999: lat.percentile(0.999) };
}

/** Right-aligns every column but the first. */
export function markdownTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(head), rule, ...rows.map(line)].join('\n');
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
