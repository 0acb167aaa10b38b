/**
 * Measured rows for one system session: closed-loop sends (normal or transactional) at a number in flight,
 * the classic Java client's windows, consumption of a preloaded backlog, and end-to-end latency at 1 in flight
 * and at a fixed offered rate. Each row samples the session's server processes (proc-sampler.ts) over exactly
 * its measured interval. A row that fails becomes a row with null figures and a note, never an exception.
 */
import { performance } from 'node:perf_hooks';
import { runJavaClassic } from './clients/java-classic.js';
import { LatencySample, runLoops } from './latency.js';
import type { Sizes } from './options.js';
import { perThousand, startSampler, type Sampler } from './proc-sampler.js';
import { bodyWithId, type Pipe, type Sender, type SystemSession } from './systems/session.js';
import type { BenchRow, ClientName, Section } from './types.js';

type Base = Pick<BenchRow, 'section' | 'system' | 'client' | 'durability' | 'inFlight' | 'bodyBytes'>;

export function failedRow(base: Base, why: unknown): BenchRow {
  const note = (why instanceof Error ? why.message : String(why)).split('\n')[0]!.slice(0, 300);
  return { ...base, msgsPerSec: null, p50Ms: null, p99Ms: null, cpuMsPer1k: null, peakRssMb: null, note };
}

function round(n: number | null, digits: number): number | null {
  if (n === null || !Number.isFinite(n)) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function finish(base: Base, sampler: Sampler, messages: number, perSec: number, lat: { p50: number; p99: number; p999: number }, note?: string): BenchRow {
  const usage = sampler.stop();
  return {
    ...base,
    msgsPerSec: round(perSec, 0),
    p50Ms: round(lat.p50, 3),
    p99Ms: round(lat.p99, 3),
    p999Ms: round(lat.p999, 3),
    cpuMsPer1k: round(perThousand(usage.cpuMs, messages), 1),
    peakRssMb: round(usage.peakRssMb, 1),
    messages,
    ...(note ? { note } : {}),
  };
}

/** Send rows through one client at each window (one sender for all windows: connections and JIT are warm). */
export async function sendRows(s: SystemSession, section: Section, client: ClientName, windows: readonly number[], bodyBytes: number, sizes: Sizes): Promise<BenchRow[]> {
  const base = (inFlight: number): Base => ({ section, system: s.system, client, durability: s.durability, inFlight, bodyBytes });
  let sender: Sender;
  const open = (): Promise<Sender> => s.openSender(client, { bodyBytes, transactional: section === 'transactions' });
  try {
    // One retry: on a loaded machine a client's start-up (route fetch, settings) can time out once.
    sender = await open().catch(() => new Promise<void>((r) => setTimeout(r, 1000)).then(open));
  } catch (err) {
    return windows.map((n) => failedRow(base(n), err));
  }
  const rows: BenchRow[] = [];
  try {
    for (const n of windows) {
      try {
        for (let i = 0; i < sizes.warmUp; i++) await sender.send();
        const sampler = startSampler(s.pids);
        const r = await runLoops(n, sizes.seconds, () => sender.send(), 0);
        rows.push(finish(base(n), sampler, r.count, r.perSec, r));
      } catch (err) {
        rows.push(failedRow(base(n), err));
      }
    }
  } finally {
    await sender.close();
  }
  return rows;
}

/** The classic Java client's windows in one JVM; server sampling starts when the JVM says a window starts. */
export async function javaClassicRows(s: SystemSession, windows: readonly number[], bodyBytes: number, sizes: Sizes): Promise<BenchRow[]> {
  const base = (inFlight: number): Base => ({ section: 'send', system: s.system, client: 'java-classic', durability: s.durability, inFlight, bodyBytes });
  if (!s.javaClassic) return windows.map((n) => failedRow(base(n), `${s.system} does not speak remoting`));
  const rows: BenchRow[] = [];
  let sampler: Sampler | undefined;
  const why = await runJavaClassic(s.javaClassic.namesrv, s.javaClassic.topic, windows, sizes.seconds, bodyBytes, {
    onStart: () => {
      sampler = startSampler(s.pids);
    },
    onResult: (w) => {
      const sm = sampler ?? startSampler([]);
      sampler = undefined;
      if (w.errors > 0) {
        sm.stop();
        rows.push(failedRow(base(w.inFlight), `${w.errors} failed sends, first: ${w.firstError ?? '?'}`));
      } else rows.push(finish(base(w.inFlight), sm, w.count, w.perSec, w));
    },
  });
  sampler?.stop();
  for (const n of windows) if (!rows.some((r) => r.inFlight === n)) rows.push(failedRow(base(n), why ?? 'no result from the JVM'));
  return rows;
}

/**
 * One pipe per system for its consumption and latency rows (opening a consumer costs seconds with some clients):
 * opened on first use; its consumer starts when a row calls start() (the consumption row first preloads a
 * backlog) and runs until close(); each row sets the handler for what arrives.
 */
export class PipeHub {
  private pipe: Promise<Pipe> | undefined;
  private consuming: Promise<void> | undefined;
  private handler: (id: string) => void = () => {};

  constructor(private readonly open: () => Promise<Pipe>) {}

  async get(): Promise<{ send(body: Buffer): Promise<void>; onMessage(h: (id: string) => void): void; start(): Promise<void> }> {
    const p = await (this.pipe ??= this.open());
    return {
      send: (b) => p.send(b),
      onMessage: (h) => (this.handler = h),
      start: () => (this.consuming ??= p.consume((id) => this.handler(id))),
    };
  }

  async close(): Promise<void> {
    const p = await this.pipe?.catch(() => undefined);
    await p?.close();
  }
}

/** Sends `count` messages with `concurrency` in flight. */
async function preload(send: (body: Buffer) => Promise<void>, count: number, bodyBytes: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await send(bodyWithId(bodyBytes, `pre-${next++}`));
    }),
  );
}

/** A backlog of `consumeMessages` is sent first; the row is how fast the consumer receives and acks all of it. */
export async function consumptionRow(s: SystemSession, hub: PipeHub, client: ClientName, bodyBytes: number, sizes: Sizes): Promise<BenchRow> {
  // inFlight: what the consumer asks for at once (4 × 32 receives, a prefetch of 256, XREADGROUP COUNT 256).
  const inFlight = client === 'official-node' ? 128 : 256;
  const base: Base = { section: 'consumption', system: s.system, client, durability: s.durability, inFlight, bodyBytes };
  try {
    const pipe = await hub.get();
    const total = sizes.consumeMessages;
    await preload((b) => pipe.send(b), total, bodyBytes, 128);
    let got = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    let sampler: Sampler | undefined;
    let t0 = 0;
    pipe.onMessage((id) => {
      if (!id.startsWith('pre-')) return;
      if (++got === total) done();
    });
    sampler = startSampler(s.pids);
    t0 = performance.now();
    await pipe.start();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000).unref());
    const outcome = await Promise.race([all, timeout]);
    const secs = (performance.now() - t0) / 1000;
    if (outcome === 'timeout' || !sampler) {
      sampler?.stop();
      return failedRow(base, `only ${got} of ${total} messages consumed within 60 s`);
    }
    return finish(base, sampler, got, got / secs, { p50: NaN, p99: NaN, p999: NaN });
  } catch (err) {
    return failedRow(base, err);
  }
}

/**
 * End to end: from the send call to the consumer's callback, on one pipe. `offered` null: one message in the
 * system at a time (the next is sent once the previous one arrived); a number: open-loop sends at that rate.
 */
export async function latencyRow(s: SystemSession, hub: PipeHub, client: ClientName, offered: number | null, bodyBytes: number, sizes: Sizes): Promise<BenchRow> {
  const base: Base = { section: 'latency', system: s.system, client, durability: s.durability, inFlight: offered === null ? 1 : 0, bodyBytes };
  const withRate = (r: BenchRow): BenchRow => (offered === null ? r : { ...r, offeredPerSec: offered });
  // Ids unique per row, so a late message of an earlier row is never taken for one of this row.
  const tag = offered === null ? 'l1' : 'lr';
  const started = new Map<string, number>();
  const lat = new LatencySample();
  let arrived: (() => void) | undefined;
  try {
    const pipe = await hub.get();
    await pipe.start();
    pipe.onMessage((id) => {
      const t = started.get(id);
      if (t === undefined) return;
      started.delete(id);
      if (!id.includes('warm')) lat.add(performance.now() - t);
      arrived?.();
    });
    const one = async (id: string): Promise<void> => {
      const got = new Promise<void>((r) => (arrived = r));
      started.set(id, performance.now());
      await pipe.send(bodyWithId(bodyBytes, id));
      await Promise.race([got, new Promise((r) => setTimeout(r, 5_000))]);
    };
    for (let i = 0; i < sizes.warmUp; i++) await one(`${tag}-warm-${i}`);
    const sampler = startSampler(s.pids);
    const t0 = performance.now();
    const end = t0 + sizes.latencySeconds * 1000;
    let sent = 0;
    if (offered === null) {
      while (performance.now() < end) await one(`${tag}-${sent++}`);
    } else {
      // Open loop: each tick sends what the schedule says is due, without waiting for earlier sends.
      const errors: unknown[] = [];
      const pending = new Set<Promise<void>>();
      while (performance.now() < end) {
        const due = Math.floor(((performance.now() - t0) / 1000) * offered);
        while (sent < due) {
          const id = `${tag}-${sent++}`;
          started.set(id, performance.now());
          const p = pipe.send(bodyWithId(bodyBytes, id)).catch((e: unknown) => void errors.push(e));
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(pending);
      if (errors.length > 0) throw errors[0];
    }
    // Whatever is still on its way gets up to 5 s; a message that never arrives counts as missing.
    const drainUntil = performance.now() + 5_000;
    while (lat.count < sent && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
    const secs = (performance.now() - t0) / 1000;
    const missing = sent - lat.count;
    const row = finish(base, sampler, lat.count, lat.count / secs, { p50: lat.percentile(0.5), p99: lat.percentile(0.99), p999: lat.percentile(0.999) }, missing > 0 ? `${missing} of ${sent} messages did not arrive within 5 s` : undefined);
    return withRate(row);
  } catch (err) {
    return withRate(failedRow(base, err));
  }
}
