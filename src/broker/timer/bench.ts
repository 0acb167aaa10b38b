/**
 * Delay of delayed delivery: schedules `count` messages, each due `delayMs` after its own schedule call, on a
 * real store in a temp dir, and measures lateness = time the real copy is durable on its topic − due time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMessageStore } from '../../store/index.js';
import type { AppendInput, FlushMode } from '../../store/types.js';
import { silentLogger } from '../../util/logger.js';
import { Prop } from '../properties.js';
import { toRealAppendInput } from './timer-record.js';
import { TimerService } from './timer-service.js';

export interface TimerBenchOptions {
  /** Messages scheduled (default 10,000). */
  count?: number;
  /** Delay of each message after its schedule call (default 500 ms). */
  delayMs?: number;
  /** Schedules in flight at once (default 256). */
  concurrency?: number;
  bodyBytes?: number;
  flushMode?: FlushMode;
  /** Passed to the service (default: the service's default). */
  maxConcurrentDeliveries?: number;
}

export interface TimerBenchResult {
  name: string;
  count: number;
  delayMs: number;
  flushMode: FlushMode;
  /** Schedules per second (durable timer appends). */
  scheduleRate: number;
  p50LatenessMs: number;
  p99LatenessMs: number;
  maxLatenessMs: number;
  /** Deliveries that started before their time (must be 0). */
  early: number;
}

export async function timerBench(options: TimerBenchOptions = {}): Promise<TimerBenchResult> {
  const count = options.count ?? 10_000;
  const delayMs = options.delayMs ?? 500;
  const concurrency = options.concurrency ?? 256;
  const flushMode = options.flushMode ?? 'sync';
  const body = Buffer.alloc(options.bodyBytes ?? 1024, 0x61);
  const dir = await mkdtemp(join(tmpdir(), 'apogee-timer-bench-'));
  const store = await openMessageStore({ dataDir: dir, flushMode, logger: silentLogger() });
  const lateness = new Float64Array(count);
  let delivered = 0;
  let early = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  const svc = new TimerService({
    store,
    logger: silentLogger(),
    ...(options.maxConcurrentDeliveries !== undefined ? { maxConcurrentDeliveries: options.maxConcurrentDeliveries } : {}),
    deliver: async (rec) => {
      const due = Number(rec.properties[Prop.TIMER_DELIVER_MS]);
      if (Date.now() < due) early++;
      await store.append(toRealAppendInput(rec));
      lateness[delivered++] = Date.now() - due;
      if (delivered === count) allDone();
    },
  });
  try {
    await svc.start();
    const t0 = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const input: AppendInput = {
          topic: 'BenchDelay',
          queueId: i % 8,
          flag: 0,
          sysFlag: 0,
          bornTimestamp: Date.now(),
          bornHost: '127.0.0.1:0',
          storeHost: '127.0.0.1:0',
          reconsumeTimes: 0,
          preparedTransactionOffset: 0,
          properties: { [Prop.UNIQ_KEY]: `BENCH${i}` },
          body,
        };
        await svc.schedule(input, Date.now() + delayMs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    const scheduleSecs = (performance.now() - t0) / 1000;
    await done;
    const sorted = Array.from(lateness).sort((a, b) => a - b);
    const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
    return {
      name: `delay delivery lateness (${count} msgs due +${delayMs} ms, ${flushMode} flush)`,
      count,
      delayMs,
      flushMode,
      scheduleRate: Math.round(count / scheduleSecs),
      p50LatenessMs: pct(50),
      p99LatenessMs: pct(99),
      maxLatenessMs: sorted[sorted.length - 1] as number,
      early,
    };
  } finally {
    await svc.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
