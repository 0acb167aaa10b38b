/** Markdown tables of one run: one table per section, with the in-run ratio column, and the targets table. */
import { ratioFor } from './compare.js';
import { fmt, markdownTable } from './latency.js';
import type { TargetResult } from './targets.js';
import type { BaselineRow, BenchRow, Section } from './types.js';

const num = (n: number | null | undefined, digits = 0): string => (n === null || n === undefined ? '-' : fmt(n, digits));

const TITLES: Record<Section, string> = {
  idle: 'Idle RSS after start (MB)',
  store: 'Store appends in-process, 1 KiB (records/s)',
  send: 'Acknowledged sends, 1 KiB (msgs/s)',
  bodies: 'Acknowledged sends, 100 B and 64 KiB, best client (msgs/s)',
  transactions: 'Transactional sends: half message + COMMIT (transactions/s)',
  consumption: 'Consumption of a preloaded backlog: receive + ack (msgs/s)',
  latency: 'End-to-end latency, send call → consumer (ms); in flight 0 = open loop at the offered rate',
  ceiling: 'Official Node client against a no-op gRPC server (its own ceiling)',
  recovery: 'Recovery and cold start',
};

export function sectionTable(rows: readonly BenchRow[], all: readonly BenchRow[]): string {
  const latency = rows[0]?.section === 'latency';
  const head = ['system', 'client', 'flush', 'in flight', 'body B', 'msgs/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'CPU ms/1k', 'peak RSS MB', latency ? 'apogee p99 ÷ row' : 'apogee ÷ row', 'note'];
  const body = rows.map((r) => {
    const ratio = ratioFor(all, r);
    const offered = r.offeredPerSec ? `@${fmt(r.offeredPerSec)}/s` : String(r.inFlight);
    return [
      r.system,
      r.client,
      r.durability,
      offered,
      String(r.bodyBytes),
      num(r.msgsPerSec),
      num(r.p50Ms, 2),
      num(r.p99Ms, 2),
      num(r.p999Ms, 2),
      num(r.cpuMsPer1k, 1),
      num(r.peakRssMb, 0),
      ratio === null ? '-' : fmt(ratio, 2),
      r.msgsPerSec === null || r.section === 'idle' || r.section === 'recovery' ? (r.note ?? '') : '',
    ];
  });
  return markdownTable(head, body);
}

export function runTables(rows: readonly BenchRow[], baselines: readonly BaselineRow[]): string {
  const out: string[] = [];
  const sections = [...new Set(rows.map((r) => r.section))];
  for (const s of sections) {
    out.push(`### ${s}: ${TITLES[s]}`, '', sectionTable(rows.filter((r) => r.section === s), rows), '');
  }
  if (baselines.length > 0) {
    out.push(`### ceiling: ${TITLES.ceiling}`, '', sectionTable(baselines as unknown as BenchRow[], []), '');
  }
  return out.join('\n');
}

export function targetsTable(targets: readonly TargetResult[]): string {
  return markdownTable(
    ['target (issue 12)', 'measured', 'status'],
    targets.map((t) => [t.target, t.measured, t.met === null ? 'not measured' : t.met ? 'met' : 'missed']),
  );
}
