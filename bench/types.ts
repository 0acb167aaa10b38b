/**
 * The results file's schema (bench/results/latest.json, issue 12): one object per run, one row per measurement.
 * The required row fields are exactly the issue's; the optional ones add what a row kind needs.
 */

export type SystemName =
  | 'apogee'
  | 'rocketmq'
  | 'rabbitmq-classic'
  | 'rabbitmq-quorum'
  | 'nats-jetstream'
  | 'redis-always'
  | 'redis-everysec';

/** sync: acknowledged after fdatasync (or the peer's equivalent); async: acknowledged before it. */
export type Durability = 'sync' | 'async';

/** Row kinds, used as the row's `section` and as `npm run bench -- <section>` words. */
export const SECTIONS = ['idle', 'store', 'send', 'bodies', 'transactions', 'consumption', 'latency', 'ceiling', 'recovery'] as const;
export type Section = (typeof SECTIONS)[number];

export type ClientName =
  | 'grpc-stubs' // plain @grpc/grpc-js SendMessage calls, one message each
  | 'official-node' // rocketmq-client-nodejs (the official gRPC Node client)
  | 'remoting' // the project's pipelining remoting client, JSON headers
  | 'sdk' // apogee-mq/client Producer.send over remoting
  | 'java-classic' // rocketmq-client 5.4.0 DefaultMQProducer, async sends
  | 'amqplib'
  | 'nats.js'
  | 'ioredis'
  | 'in-process' // the store itself, no network
  | 'none';

export interface BenchRow {
  section: Section;
  system: SystemName;
  client: ClientName;
  durability: Durability;
  inFlight: number;
  bodyBytes: number;
  /** null when the row could not be measured (see note). */
  msgsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Server process CPU (user + system) per 1,000 messages, from /proc/<pid>/stat over the row. */
  cpuMsPer1k: number | null;
  /** Highest VmRSS of the server process(es) sampled every ~100 ms during the row. */
  peakRssMb: number | null;
  p999Ms?: number | null;
  /** Latency rows at a fixed offered rate: messages/s the sender aimed for. */
  offeredPerSec?: number;
  messages?: number;
  note?: string;
  /** Recovery rows: ms from start to ready. */
  readyMs?: number;
}

/**
 * The shape `bench/recovery.ts` (written elsewhere) should return for the `recovery` section: one row per
 * measurement — time to ready after kill -9 with a 1 GiB commit log, and cold start of an empty broker.
 */
export interface RecoveryRow extends BenchRow {
  section: 'recovery';
  system: 'apogee';
  client: 'none';
  msgsPerSec: null;
  readyMs: number;
  /** Commit-log bytes present at start (0 for a cold start). */
  commitLogBytes: number;
}

/** A measurement that is not one of the compared systems: the official client against a no-op gRPC server. */
export interface BaselineRow extends Omit<BenchRow, 'system'> {
  system: 'noop-grpc';
}

export interface ResultsFile {
  date: string;
  node: string;
  cores: number;
  quick: boolean;
  rows: BenchRow[];
  /** Extra, outside the schema: reference points that are not systems (the no-op server). */
  baselines?: BaselineRow[];
  /** Extra: the 1-minute load average at start and end, and the run's seconds. */
  loadAvg?: { start: number; end: number };
  durationSec?: number;
}
