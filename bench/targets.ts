/**
 * The issue's targets (issue 12), each computed from one run's rows: measured value and met / missed / not
 * measured. Measured, not asserted — the bench prints them; nothing fails on a miss.
 */
import { apogeeBest, apogeeCounterpart } from './compare.js';
import type { BaselineRow, BenchRow } from './types.js';

export interface TargetResult {
  target: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

const f2 = (n: number): string => n.toFixed(2);
const none = (target: string, why = 'not measured in this run'): TargetResult => ({ target, measured: why, met: null });

function minRatio(target: string, pairs: { ratio: number; label: string }[], floor: number): TargetResult {
  if (pairs.length === 0) return none(target);
  const worst = pairs.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  const ok = pairs.filter((p) => p.ratio >= floor).length;
  return { target, measured: `min ${f2(worst.ratio)}× (${worst.label}); ${ok}/${pairs.length} rows ≥ ${floor}×`, met: ok === pairs.length };
}

function single(target: string, a: BenchRow | undefined, peer: BenchRow | undefined, floor: number): TargetResult {
  if (!a || !peer || !a.msgsPerSec || !peer.msgsPerSec) return none(target);
  const r = a.msgsPerSec / peer.msgsPerSec;
  return { target, measured: `${f2(r)}× (apogee ${a.client} ${Math.round(a.msgsPerSec)} ÷ ${peer.system} ${Math.round(peer.msgsPerSec)} msgs/s)`, met: r >= floor };
}

const label = (r: BenchRow): string => `${r.section} ${r.client} ${r.durability} ${r.inFlight} in flight${r.bodyBytes !== 1024 ? ` ${r.bodyBytes} B` : ''}`;

export function evaluateTargets(rows: readonly BenchRow[], baselines: readonly BaselineRow[] = []): TargetResult[] {
  const out: TargetResult[] = [];
  const find = (p: (r: BenchRow) => boolean): BenchRow | undefined => rows.find((r) => r.msgsPerSec !== null && p(r));

  const vsRocketmq = rows
    .filter((r) => r.system === 'rocketmq' && r.msgsPerSec && r.section !== 'latency')
    .flatMap((r) => {
      const a = apogeeCounterpart(rows, r);
      return a && a.client === r.client && a.msgsPerSec ? [{ ratio: a.msgsPerSec / r.msgsPerSec!, label: label(r) }] : [];
    });
  out.push(minRatio('Apogee ≥ 1× Apache RocketMQ 5, same client and flush mode, every row', vsRocketmq, 1));

  const sync16 = apogeeBest(rows, 'sync', 16);
  out.push(single('Sync, 1 KiB, 16 in flight, best client: ≥ 1.5× RabbitMQ quorum (confirms)', sync16, find((r) => r.system === 'rabbitmq-quorum' && r.section === 'send' && r.inFlight === 16 && r.bodyBytes === 1024), 1.5));
  out.push(single('Sync, 1 KiB, 16 in flight, best client: ≥ 1× Redis appendfsync always', sync16, find((r) => r.system === 'redis-always' && r.section === 'send' && r.inFlight === 16 && r.bodyBytes === 1024), 1));
  out.push(single('Async, 1 KiB, 256 in flight, best client: ≥ 1× NATS JetStream file', apogeeBest(rows, 'async', 256), find((r) => r.system === 'nats-jetstream' && r.section === 'send' && r.inFlight === 256 && r.bodyBytes === 1024), 1));

  const vsNoop = rows
    .filter((r) => r.system === 'apogee' && r.section === 'send' && r.client === 'official-node' && r.bodyBytes === 1024 && r.msgsPerSec)
    .flatMap((r) => {
      const b = baselines.find((x) => x.inFlight === r.inFlight && x.msgsPerSec);
      return b ? [{ ratio: r.msgsPerSec! / b.msgsPerSec!, label: label(r) }] : [];
    });
  out.push(minRatio('Official Node client against Apogee ≥ 0.9× against the no-op gRPC server, every window', vsNoop, 0.9));

  const txVsNormal = rows
    .filter((r) => r.system === 'apogee' && r.section === 'transactions' && r.msgsPerSec)
    .flatMap((t) => {
      const n = find((r) => r.system === 'apogee' && r.section === 'send' && r.client === t.client && r.durability === t.durability && r.inFlight === t.inFlight && r.bodyBytes === t.bodyBytes);
      return n ? [{ ratio: t.msgsPerSec! / n.msgsPerSec!, label: label(t) }] : [];
    });
  out.push(minRatio('Apogee transactional ≥ 0.5× normal sends, same client, every window', txVsNormal, 0.5));

  const e2eA = find((r) => r.system === 'apogee' && r.section === 'latency' && r.durability === 'async' && r.inFlight === 1);
  const e2eR = find((r) => r.system === 'rabbitmq-classic' && r.section === 'latency' && r.inFlight === 1);
  const e2eTarget = 'End-to-end p99 at 1 in flight, async flush ≤ RabbitMQ classic';
  out.push(
    e2eA?.p99Ms != null && e2eR?.p99Ms != null
      ? { target: e2eTarget, measured: `${e2eA.p99Ms.toFixed(2)} ms vs ${e2eR.p99Ms.toFixed(2)} ms`, met: e2eA.p99Ms <= e2eR.p99Ms }
      : none(e2eTarget),
  );

  const idle = rows.filter((r) => r.section === 'idle' && r.peakRssMb !== null);
  const idleTarget = 'Idle RSS ≤ 100 MB';
  out.push(idle.length ? { target: idleTarget, measured: idle.map((r) => `${r.durability} ${r.peakRssMb!.toFixed(0)} MB`).join(', '), met: idle.every((r) => r.peakRssMb! <= 100) } : none(idleTarget));

  const loaded = rows.filter((r) => r.system === 'apogee' && r.inFlight === 256 && r.client !== 'in-process' && r.peakRssMb !== null);
  const loadTarget = 'RSS under the 256-in-flight load ≤ 300 MB';
  const peak = loaded.reduce<BenchRow | undefined>((a, r) => (!a || r.peakRssMb! > a.peakRssMb! ? r : a), undefined);
  out.push(peak ? { target: loadTarget, measured: `max ${peak.peakRssMb!.toFixed(0)} MB (${label(peak)})`, met: peak.peakRssMb! <= 300 } : none(loadTarget));

  const recTarget = 'Recovery after kill -9 with a 1 GiB commit log ≤ 2 s';
  const rec = rows.filter((r) => r.section === 'recovery' && typeof r.readyMs === 'number' && ((r as { commitLogBytes?: number }).commitLogBytes ?? 0) >= 0.9 * 2 ** 30);
  out.push(rec.length ? { target: recTarget, measured: rec.map((r) => `${(r.readyMs! / 1000).toFixed(2)} s`).join(', '), met: rec.every((r) => r.readyMs! <= 2000) } : none(recTarget, 'not measured (the recovery section did not run, or ran with --quick: 256 MiB)'));
  return out;
}
