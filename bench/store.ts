/**
 * Store append throughput: 1 KiB records with 1/16/256 concurrent writers in sync and async flush mode, next to
 * this machine's raw serial fdatasync rate (write 1 KiB + fdatasync, one at a time) measured the same way, in the
 * same temp directory. Group commit is what lets sync mode beat the raw rate many times over.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openMessageStore, type AppendInput, type FlushMode } from '../src/store/index.js';
import { silentLogger } from '../src/util/logger.js';
import { perThousand, startSampler } from './proc-sampler.js';
import type { BenchRow } from './types.js';

export interface StoreBenchRow {
  mode: FlushMode;
  writers: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  fsyncs: number;
  p50Ms: number;
  p99Ms: number;
}

const RECORD_BODY = 1024;

/** Serial write(1 KiB) + fdatasync for `seconds`. */
async function rawFsyncRate(dir: string, seconds: number): Promise<number> {
  const h = await open(join(dir, 'raw-fsync'), 'w+');
  const buf = Buffer.alloc(RECORD_BODY, 7);
  let n = 0;
  let pos = 0;
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      await h.write(buf, 0, buf.length, pos);
      pos += buf.length;
      await h.datasync();
      n++;
    }
  } finally {
    await h.close();
  }
  return n / seconds;
}

async function runStore(base: string, mode: FlushMode, writers: number, seconds: number): Promise<StoreBenchRow> {
  const dataDir = await mkdtemp(join(base, `${mode}-${writers}-`));
  const store = await openMessageStore({ dataDir, flushMode: mode, logger: silentLogger(), retention: { checkIntervalMs: 0 } });
  const body = Buffer.alloc(RECORD_BODY, 0x61);
  const lat = new Float64Array(1 << 20);
  let records = 0;
  let stop = false;
  const fsync0 = store.stats().fsyncCount;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const writer = async (w: number): Promise<void> => {
    const inp: AppendInput = {
      topic: 'BenchTopic',
      queueId: w % 8,
      flag: 0,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: '127.0.0.1:50000',
      storeHost: '127.0.0.1:10911',
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      properties: { TAGS: 'bench', UNIQ_KEY: '' },
      body,
    };
    let i = 0;
    while (!stop) {
      // Fresh properties per append, as a broker would pass them (the store keeps a reference until written).
      const m: AppendInput = { ...inp, properties: { TAGS: 'bench', UNIQ_KEY: `B${w}-${i++}` } };
      const s = performance.now();
      await store.append(m);
      const e = performance.now();
      lat[records++ & (lat.length - 1)] = e - s;
      if (e >= deadline) stop = true;
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const elapsed = (performance.now() - t0) / 1000;
  const fsyncs = store.stats().fsyncCount - fsync0;
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  const sample = Array.from(lat.subarray(0, Math.min(records, lat.length))).sort((a, b) => a - b);
  const pct = (p: number): number => sample[Math.min(sample.length - 1, Math.floor(p * sample.length))] ?? 0;
  return {
    mode,
    writers,
    records,
    seconds: elapsed,
    recordsPerSec: records / elapsed,
    mbPerSec: (records * RECORD_BODY) / elapsed / (1024 * 1024),
    fsyncs,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
}

/**
 * Section "store": the store alone, in this process (no network, no protocol): 1 KiB appends from 1/16/256
 * concurrent writers in sync and async flush mode, with this process's CPU and RSS. The raw serial fdatasync
 * rate of the same disk is in each row's note.
 */
export async function storeRows(seconds: number): Promise<BenchRow[]> {
  const base = await mkdtemp(join(tmpdir(), 'apogee-bench-'));
  try {
    const raw = await rawFsyncRate(base, Math.min(2, seconds));
    const rows: BenchRow[] = [];
    for (const mode of ['sync', 'async'] as const) {
      for (const writers of [1, 16, 256]) {
        const sampler = startSampler([process.pid]);
        const r = await runStore(base, mode, writers, seconds);
        const usage = sampler.stop();
        const cpu = perThousand(usage.cpuMs, r.records);
        rows.push({
          section: 'store',
          system: 'apogee',
          client: 'in-process',
          durability: mode,
          inFlight: writers,
          bodyBytes: RECORD_BODY,
          msgsPerSec: Math.round(r.recordsPerSec),
          p50Ms: Math.round(r.p50Ms * 1000) / 1000,
          p99Ms: Math.round(r.p99Ms * 1000) / 1000,
          cpuMsPer1k: cpu === null ? null : Math.round(cpu * 10) / 10,
          peakRssMb: usage.peakRssMb === null ? null : Math.round(usage.peakRssMb * 10) / 10,
          messages: r.records,
          note: `store.append() in the bench process; ${r.fsyncs} fdatasyncs (${r.fsyncs > 0 ? (r.records / r.fsyncs).toFixed(1) : '-'} records each); raw serial write+fdatasync ${Math.round(raw)}/s`,
        });
      }
    }
    return rows;
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
