/**
 * `npm run bench [--quick] [word ...]`: Apogee (sync and async flush) side by side with Apache RocketMQ 5 (the
 * reference launcher, SYNC_FLUSH and ASYNC_FLUSH), RabbitMQ (classic and quorum), NATS JetStream and Redis
 * Streams (appendfsync always and everysec), through the clients each serves. Writes bench/results/latest.json
 * and a dated copy, and prints one markdown table per section plus the targets. See docs/performance.md.
 *
 * Environment: APOGEE_BENCH_SECONDS (seconds per window; default 3, quick 0.4), APOGEE_BENCH_NO_REFERENCE=1
 * (skip Apache RocketMQ), APOGEE_BENCH_AMQP_URL, APOGEE_BENCH_NATS_URL, APOGEE_BENCH_REDIS_URL.
 */
import { cpus, loadavg } from 'node:os';
import { ceilingRows } from './ceiling.js';
import { cleanupAll, cleanupOnSignals } from './cleanup.js';
import { parseArgs, wanted, type Options } from './options.js';
import { planFor, SYSTEMS, WINDOWS, type SystemPlan } from './plan.js';
import { recoveryRows } from './recovery-rows.js';
import { runTables, targetsTable } from './report.js';
import { writeResults } from './results.js';
import { runSystem } from './run-system.js';
import { schemaProblems } from './schema.js';
import { storeRows } from './store.js';
import { openApogee } from './systems/apogee.js';
import { openNats } from './systems/nats.js';
import { openRabbitmq } from './systems/rabbitmq.js';
import { openRedis } from './systems/redis.js';
import { openReference } from './systems/reference.js';
import type { SystemSession } from './systems/session.js';
import { evaluateTargets } from './targets.js';
import type { BaselineRow, BenchRow, ResultsFile } from './types.js';

const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

function opener(p: SystemPlan, opts: Options): () => Promise<SystemSession> {
  switch (p.system) {
    case 'apogee':
      return () => openApogee(p.durability);
    case 'rocketmq':
      return opts.noReference ? () => Promise.reject(new Error('skipped (APOGEE_BENCH_NO_REFERENCE=1)')) : () => openReference(p.durability);
    case 'rabbitmq-classic':
      return () => openRabbitmq('classic');
    case 'rabbitmq-quorum':
      return () => openRabbitmq('quorum');
    case 'nats-jetstream':
      return openNats;
    case 'redis-always':
      return () => openRedis('always');
    case 'redis-everysec':
      return () => openRedis('everysec');
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  cleanupOnSignals();
  const startedAt = new Date();
  const load0 = loadavg()[0]!;
  log(`${opts.quick ? 'quick' : 'full'} run, ${opts.sizes.seconds} s per window, load ${load0.toFixed(2)}`);
  const rows: BenchRow[] = [];
  let baselines: BaselineRow[] = [];
  const sel = opts.selection;
  if (wanted(sel, 'store', 'apogee', 'in-process')) {
    rows.push(...(await storeRows(opts.sizes.seconds)));
    log('store done');
  }
  if (wanted(sel, 'ceiling', 'apogee', 'official-node')) {
    baselines = await ceilingRows(WINDOWS, opts.sizes);
    log(`ceiling: ${baselines.map((b) => b.msgsPerSec).join(' / ')}`);
  }
  for (const p of SYSTEMS) {
    const items = planFor(p, sel, opts.sizes.offeredPerSec);
    if (items.length === 0) continue;
    rows.push(...(await runSystem(p, items, opener(p, opts), opts.sizes, log)));
  }
  if (wanted(sel, 'recovery', 'apogee', 'none')) rows.push(...(await recoveryRows(opts)));

  const results: ResultsFile = {
    date: startedAt.toISOString(),
    node: process.version,
    cores: cpus().length,
    quick: opts.quick,
    rows,
    ...(baselines.length ? { baselines } : {}),
    loadAvg: { start: load0, end: loadavg()[0]! },
    durationSec: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
  };
  const problems = schemaProblems(results);
  if (problems.length > 0) log(`results do not match the schema (written anyway): ${problems.slice(0, 5).join('; ')}`);
  const files = await writeResults(results);
  const head = `${opts.quick ? 'Quick' : 'Full'} run ${results.date}, Node ${results.node}, ${results.cores} cores, load ${load0.toFixed(1)} → ${results.loadAvg!.end.toFixed(1)}, ${results.durationSec} s`;
  process.stdout.write(`## Bench results\n\n${head}\n\n${runTables(rows, baselines)}\n### Targets\n\n${targetsTable(evaluateTargets(rows, baselines))}\n\nwritten: ${files.latest}, ${files.dated}\n`);
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    await cleanupAll();
    process.exit(1);
  },
);
