/**
 * Child process for the crash tests: opens the store and the timer service on argv[2], does what argv[3] says,
 * reports on stdout line by line and then idles until the parent kills it with SIGKILL.
 *
 * - `schedule <json [{body, delayMs}]> <json [body to recall]>`: schedules, recalls, prints `ready <json>`.
 * - `hang`: schedules one past-due message whose delivery writes the real copy, prints `copied` and never
 *   finishes (so the op record is never written).
 * - `burst <count> <spreadMs>`: schedules one message due in a minute and `count` messages due over the next
 *   `spreadMs`, prints `ready` and `delivered <body>` per delivery.
 */
import { silentLogger } from '../../../src/util/logger.js';
import { TimerService, toRealAppendInput } from '../../../src/broker/timer/index.js';
import type { StoredMessage } from '../../../src/store/types.js';
import { message, openTestStore } from './harness.js';

const [dir, mode, a1, a2] = process.argv.slice(2) as [string, string, string | undefined, string | undefined];

function say(line: string): void {
  process.stdout.write(line + '\n');
}

async function main(): Promise<void> {
  const store = await openTestStore(dir);
  let deliver = async (rec: StoredMessage): Promise<void> => {
    await store.append(toRealAppendInput(rec));
    say(`delivered ${rec.body.toString()}`);
  };
  if (mode === 'hang') {
    deliver = async (rec) => {
      await store.append(toRealAppendInput(rec));
      say('copied');
      await new Promise<never>(() => {});
    };
  }
  // burst: tiny snapshot bar and frequent checkpoints, so the crash lands among snapshot writes.
  const tuning = mode === 'burst' ? { snapshotMinWindow: 16, checkpointIntervalMs: 5 } : {};
  const svc = new TimerService({ store, logger: silentLogger(), deliver, ...tuning });
  await svc.start();
  const now = Date.now();
  if (mode === 'schedule') {
    const plan = JSON.parse(a1 ?? '[]') as Array<{ body: string; delayMs: number }>;
    const toRecall = new Set(JSON.parse(a2 ?? '[]') as string[]);
    const out: Array<{ body: string; deliverAt: number; recallHandle: string }> = [];
    for (const p of plan) {
      const r = await svc.schedule(message('K', p.body), now + p.delayMs);
      out.push({ body: p.body, deliverAt: now + p.delayMs, recallHandle: r.recallHandle });
      if (toRecall.has(p.body)) await svc.recall('K', r.recallHandle);
    }
    say(`ready ${JSON.stringify(out)}`);
  } else if (mode === 'hang') {
    await svc.schedule(message('K', 'once'), now - 1);
  } else if (mode === 'burst') {
    const count = Number(a1);
    const spread = Number(a2);
    await svc.schedule(message('K', 'long'), now + 60_000); // pins a plain checkpoint: snapshots take over
    await Promise.all(Array.from({ length: count }, (_, i) => svc.schedule(message('K', `m${i}`), now + Math.floor((i * spread) / count))));
    say('ready');
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  setInterval(() => {}, 1 << 30);
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-child failed: ${String((err as Error).stack ?? err)}\n`);
  process.exit(2);
});
