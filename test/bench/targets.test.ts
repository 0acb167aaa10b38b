/** Ratios within a run and the targets, from hand-made rows. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { apogeeCounterpart, ratioFor } from '../../bench/compare.js';
import { parseArgs, wanted } from '../../bench/options.js';
import { evaluateTargets } from '../../bench/targets.js';
import type { BaselineRow, BenchRow } from '../../bench/types.js';

const row = (over: Partial<BenchRow>): BenchRow => ({
  section: 'send',
  system: 'apogee',
  client: 'remoting',
  durability: 'sync',
  inFlight: 16,
  bodyBytes: 1024,
  msgsPerSec: 1000,
  p50Ms: 1,
  p99Ms: 5,
  cpuMsPer1k: 100,
  peakRssMb: 90,
  ...over,
});

const rows: BenchRow[] = [
  row({ client: 'remoting', msgsPerSec: 6000 }),
  row({ client: 'official-node', msgsPerSec: 900 }),
  row({ system: 'rocketmq', client: 'official-node', msgsPerSec: 1200 }),
  row({ system: 'rocketmq', client: 'remoting', msgsPerSec: 3000 }),
  row({ system: 'rabbitmq-quorum', client: 'amqplib', msgsPerSec: 3000 }),
  row({ system: 'redis-always', client: 'ioredis', msgsPerSec: 7000 }),
  row({ durability: 'async', inFlight: 256, msgsPerSec: 20000, peakRssMb: 310 }),
  row({ system: 'nats-jetstream', client: 'nats.js', durability: 'async', inFlight: 256, msgsPerSec: 16000 }),
  row({ section: 'transactions', client: 'official-node', msgsPerSec: 400 }),
  row({ section: 'latency', client: 'official-node', durability: 'async', inFlight: 1, p99Ms: 4 }),
  row({ section: 'latency', system: 'rabbitmq-classic', client: 'amqplib', durability: 'async', inFlight: 1, p99Ms: 8 }),
  row({ section: 'idle', client: 'none', inFlight: 0, msgsPerSec: null, peakRssMb: 82 }),
];
const baselines: BaselineRow[] = [{ ...row({ client: 'official-node', msgsPerSec: 1200 }), system: 'noop-grpc' }];

it('compares RocketMQ with Apogee through the same client, other peers with Apogee\'s best client', () => {
  assert.equal(apogeeCounterpart(rows, rows[2]!)?.client, 'official-node');
  assert.equal(ratioFor(rows, rows[2]!), 0.75);
  assert.equal(ratioFor(rows, rows[3]!), 2);
  assert.equal(ratioFor(rows, rows[4]!), 2); // best client (remoting, 6000) ÷ 3000
  assert.equal(ratioFor(rows, rows[0]!), null); // Apogee's own rows have no ratio
  assert.equal(ratioFor(rows, rows[10]!), 0.5); // latency: Apogee p99 ÷ peer p99
});

it('evaluates every target: met, missed and not measured', () => {
  const all = evaluateTargets(rows, baselines);
  assert.equal(all.length, 10);
  const get = (prefix: string) => all.find((x) => x.target.startsWith(prefix))!;
  assert.equal(get('Apogee ≥ 1× Apache RocketMQ').met, false); // official-node 0.75×
  assert.match(get('Apogee ≥ 1× Apache RocketMQ').measured, /min 0\.75× .*1\/2 rows/);
  assert.equal(all[1]!.met, true); // RabbitMQ quorum: 6000 ÷ 3000 = 2 ≥ 1.5
  assert.match(all[1]!.target, /RabbitMQ quorum/);
  assert.equal(all[2]!.met, false); // Redis always: 6000 ÷ 7000 < 1
  assert.equal(get('Async').met, true); // 20000 ÷ 16000
  assert.equal(get('Official Node client').met, false); // 900 ÷ 1200 = 0.75
  assert.equal(get('Apogee transactional').met, false); // 400 ÷ 900 < 0.5
  assert.equal(get('End-to-end').met, true); // 4 ms ≤ 8 ms
  assert.equal(get('Idle RSS').met, true);
  assert.equal(get('RSS under').met, false); // 310 MB
  assert.equal(get('Recovery').met, null);
});

it('parses --quick and section, protocol and system words', () => {
  const q = parseArgs(['--quick', 'grpc'], {});
  assert.equal(q.quick, true);
  assert.ok(q.sizes.seconds < 1);
  assert.ok(wanted(q.selection, 'send', 'apogee', 'official-node'));
  assert.ok(!wanted(q.selection, 'send', 'apogee', 'remoting'));
  assert.ok(!wanted(q.selection, 'send', 'rabbitmq-classic', 'amqplib'));
  const s = parseArgs(['latency', 'redis'], { APOGEE_BENCH_SECONDS: '2' });
  assert.equal(s.sizes.seconds, 2);
  assert.ok(wanted(s.selection, 'latency', 'redis-always', 'ioredis'));
  assert.ok(!wanted(s.selection, 'send', 'redis-always', 'ioredis'));
  assert.throws(() => parseArgs(['nope'], {}), /unknown word/);
});
