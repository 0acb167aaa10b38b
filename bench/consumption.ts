/**
 * Consumption bench: pop + ack throughput through the broker (1 KiB messages, 1/16/256 in flight), and how late
 * delayed messages arrive (the timer service's lateness after their delivery time).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../src/broker/broker.js';
import { timerBench } from '../src/broker/timer/bench.js';
import { openMessageStore } from '../src/store/index.js';
import type { FlushMode } from '../src/store/types.js';
import { silentLogger } from '../src/util/logger.js';

interface PopRow {
  flush: FlushMode;
  inFlight: number;
  messages: number;
  popAckPerSec: number;
}

async function popAck(flush: FlushMode, inFlight: number, messages: number): Promise<PopRow> {
  const dir = await mkdtemp(join(tmpdir(), 'apogee-pop-bench-'));
  const logger = silentLogger();
  const store = await openMessageStore({ dataDir: dir, flushMode: flush, logger });
  const broker = await Broker.open({ store, dataDir: dir, logger });
  try {
    await broker.createTopic({ name: 'Bench', queueNums: 8 });
    const body = Buffer.alloc(1024, 0x61);
    // Preload so the measurement is pop + ack only.
    let sent = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (sent < messages) {
          sent++;
          await broker.send({ topic: 'Bench', body, messageType: 'NORMAL' });
        }
      }),
    );
    await broker.receive({ group: 'bench', topic: 'Bench', maxMessages: 1, invisibleDurationMs: 60_000, pollTimeoutMs: 0 }).then((ms) =>
      Promise.all(ms.map((m) => broker.ack('bench', 'Bench', m.receiptHandle))),
    );
    let done = 1;
    const started = process.hrtime.bigint();
    const batch = Math.max(1, Math.min(32, Math.ceil(inFlight / 8)));
    const workers = Math.max(1, Math.ceil(inFlight / batch));
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (done < messages) {
          const got = await broker.receive({ group: 'bench', topic: 'Bench', maxMessages: batch, invisibleDurationMs: 60_000, pollTimeoutMs: 0 });
          if (got.length === 0) {
            if (done >= messages) break;
            await new Promise((r) => setImmediate(r));
            continue;
          }
          await Promise.all(got.map((m) => broker.ack('bench', 'Bench', m.receiptHandle)));
          done += got.length;
        }
      }),
    );
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    return { flush, inFlight, messages: done, popAckPerSec: Math.round(done / secs) };
  } finally {
    await broker.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function consumptionBench(): Promise<string> {
  const rows: PopRow[] = [];
  for (const flush of ['sync', 'async'] as const) {
    for (const inFlight of [1, 16, 256]) rows.push(await popAck(flush, inFlight, inFlight === 1 ? 2_000 : 10_000));
  }
  const lines = ['| flush | in flight | messages | pop+ack msgs/s |', '|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.flush} | ${r.inFlight} | ${r.messages} | ${r.popAckPerSec.toLocaleString('en-US')} |`);
  // Lateness two ways: a few messages scheduled one at a time (the promise "within 100 ms at normal load"), and a
  // burst of 5,000 due within the same second (bound by how fast due messages can be written durably).
  const light = await timerBench({ count: 20, delayMs: 300, concurrency: 1 });
  const burst = await timerBench({ count: 5_000, delayMs: 500 });
  lines.push('', '| delayed delivery | count | delay | schedules/s | p50 late | p99 late | max late | early |', '|---|---|---:|---:|---:|---:|---:|---:|');
  for (const [what, t] of [['one at a time', light], ['burst', burst]] as const) {
    lines.push(
      `| ${what}, ${t.flushMode} | ${t.count} | ${t.delayMs} ms | ${Math.round(t.scheduleRate).toLocaleString('en-US')} | ${t.p50LatenessMs.toFixed(1)} ms | ${t.p99LatenessMs.toFixed(1)} ms | ${t.maxLatenessMs.toFixed(1)} ms | ${t.early} |`,
    );
  }
  return lines.join('\n');
}
