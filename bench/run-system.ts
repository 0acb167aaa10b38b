/**
 * Runs one system's plan: opens the session (a child broker, the reference, or a connection to a peer), runs
 * its rows, closes it on every path. When the system cannot be opened, every planned row is still reported,
 * with null figures and a note saying why.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup } from './cleanup.js';
import type { Sizes } from './options.js';
import { BODY, type PlanItem, type SystemPlan } from './plan.js';
import { rssMb } from './proc-sampler.js';
import { consumptionRow, failedRow, javaClassicRows, latencyRow, PipeHub, sendRows } from './rows.js';
import type { SystemSession } from './systems/session.js';
import type { BenchRow } from './types.js';

function placeholders(p: SystemPlan, item: PlanItem, note: string): BenchRow[] {
  const base = { system: p.system, durability: p.durability, bodyBytes: BODY };
  switch (item.kind) {
    case 'idle':
      return [failedRow({ ...base, section: 'idle', client: 'none', inFlight: 0 }, note)];
    case 'send':
      return item.windows.map((n) => failedRow({ ...base, section: item.section, client: item.client, inFlight: n, bodyBytes: item.bodyBytes }, note));
    case 'java-classic':
      return item.windows.map((n) => failedRow({ ...base, section: 'send', client: 'java-classic', inFlight: n }, note));
    case 'consumption':
      return [failedRow({ ...base, section: 'consumption', client: item.client, inFlight: item.client === 'official-node' ? 128 : 256 }, note)];
    case 'latency': {
      const r = failedRow({ ...base, section: 'latency', client: item.client, inFlight: item.offered === null ? 1 : 0 }, note);
      return [item.offered === null ? r : { ...r, offeredPerSec: item.offered }];
    }
  }
}

async function idleRow(s: SystemSession): Promise<BenchRow> {
  // Started, topics made, nothing sent: what the broker holds at rest after a second to settle.
  await sleep(1000);
  const rss = s.pids.length ? s.pids.map(rssMb).reduce<number>((a, b) => a + (b ?? 0), 0) : null;
  return {
    section: 'idle',
    system: s.system,
    client: 'none',
    durability: s.durability,
    inFlight: 0,
    bodyBytes: 0,
    msgsPerSec: null,
    p50Ms: null,
    p99Ms: null,
    cpuMsPer1k: null,
    peakRssMb: rss === null ? null : Math.round(rss * 10) / 10,
    note: 'VmRSS 1 s after ready, 2 topics created, no traffic',
  };
}

async function runItem(s: SystemSession, hub: PipeHub, item: PlanItem, sizes: Sizes): Promise<BenchRow[]> {
  switch (item.kind) {
    case 'idle':
      return [await idleRow(s)];
    case 'send':
      return sendRows(s, item.section, item.client, item.windows, item.bodyBytes, sizes);
    case 'java-classic':
      return javaClassicRows(s, item.windows, BODY, sizes);
    case 'consumption':
      return [await consumptionRow(s, hub, item.client, BODY, sizes)];
    case 'latency':
      return [await latencyRow(s, hub, item.client, item.offered, BODY, sizes)];
  }
}

export async function runSystem(p: SystemPlan, items: readonly PlanItem[], open: () => Promise<SystemSession>, sizes: Sizes, log: (s: string) => void): Promise<BenchRow[]> {
  let session: SystemSession;
  const t0 = Date.now();
  try {
    session = await open();
    log(`${p.system} ${p.durability}: open in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    const why = `not reachable: ${(err as Error).message.split('\n')[0]}`;
    log(`${p.system} (${p.durability}): ${why}`);
    return items.flatMap((i) => placeholders(p, i, why));
  }
  const hub = new PipeHub(() => session.openPipe('pipe'));
  const close = onCleanup(async () => {
    await hub.close();
    await session.close();
  });
  const rows: BenchRow[] = [];
  try {
    for (const item of items) {
      const started = Date.now();
      const got = await runItem(session, hub, item, sizes);
      rows.push(...got);
      const what = item.kind === 'send' ? `${item.section} ${item.client}${item.bodyBytes !== BODY ? ` ${item.bodyBytes} B` : ''}` : item.kind === 'latency' ? `latency ${item.offered ?? '1 in flight'}` : item.kind;
      const figures = got.map((r) => (r.msgsPerSec === null ? (r.section === 'idle' ? `${r.peakRssMb} MB` : `null (${r.note})`) : String(r.msgsPerSec))).join(' / ');
      log(`${p.system} ${p.durability} ${what}: ${figures} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    const t1 = Date.now();
    await close();
    log(`${p.system} ${p.durability}: closed in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }
  return rows;
}
