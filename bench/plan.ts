/**
 * The matrix: which systems are measured, through which clients, and which rows each gets. The same rows in a
 * full and a quick run (only the windows' lengths and message counts differ), so runs compare row by row.
 */
import { wanted, type Selection } from './options.js';
import type { ClientName, Durability, Section, SystemName } from './types.js';

export const WINDOWS = [1, 16, 256] as const;
export const BODY = 1024;
/** Bodies rows: each system's best client at 16 in flight. */
export const OTHER_BODIES = [100, 64 * 1024] as const;
export const BODIES_IN_FLIGHT = 16;

export interface SystemPlan {
  system: SystemName;
  durability: Durability;
  /** Send clients, the best (fastest expected) first: bodies rows use the first. */
  send: readonly ClientName[];
  /** Also measured through the classic Java client (one JVM for all windows). */
  javaClassic: boolean;
  tx: readonly ClientName[];
  /** Consumption and latency rows go through this client. */
  pipe: ClientName;
}

const ROCKETMQ_CLIENTS = { send: ['remoting', 'sdk', 'grpc-stubs', 'official-node'], javaClassic: true, tx: ['grpc-stubs', 'official-node'], pipe: 'official-node' } as const;

/** In run order: Apogee in both flush modes, the reference in both, then the peers already on this machine. */
export const SYSTEMS: readonly SystemPlan[] = [
  { system: 'apogee', durability: 'sync', ...ROCKETMQ_CLIENTS },
  { system: 'apogee', durability: 'async', ...ROCKETMQ_CLIENTS },
  { system: 'rocketmq', durability: 'sync', ...ROCKETMQ_CLIENTS },
  { system: 'rocketmq', durability: 'async', ...ROCKETMQ_CLIENTS },
  { system: 'rabbitmq-classic', durability: 'sync', send: ['amqplib'], javaClassic: false, tx: [], pipe: 'amqplib' },
  { system: 'rabbitmq-quorum', durability: 'sync', send: ['amqplib'], javaClassic: false, tx: [], pipe: 'amqplib' },
  { system: 'nats-jetstream', durability: 'async', send: ['nats.js'], javaClassic: false, tx: [], pipe: 'nats.js' },
  { system: 'redis-always', durability: 'sync', send: ['ioredis'], javaClassic: false, tx: [], pipe: 'ioredis' },
  { system: 'redis-everysec', durability: 'async', send: ['ioredis'], javaClassic: false, tx: [], pipe: 'ioredis' },
];

/** One planned group of rows (a sender is opened once per group). */
export type PlanItem =
  | { kind: 'idle' }
  | { kind: 'send'; section: 'send' | 'bodies' | 'transactions'; client: ClientName; windows: readonly number[]; bodyBytes: number }
  | { kind: 'java-classic'; windows: readonly number[] }
  | { kind: 'consumption'; client: ClientName }
  | { kind: 'latency'; client: ClientName; offered: number | null };

export function planFor(p: SystemPlan, sel: Selection, offeredPerSec: number): PlanItem[] {
  const want = (section: Section, client: ClientName): boolean => wanted(sel, section, p.system, client);
  const items: PlanItem[] = [];
  if (p.system === 'apogee' && want('idle', 'none')) items.push({ kind: 'idle' });
  for (const client of p.send) if (want('send', client)) items.push({ kind: 'send', section: 'send', client, windows: WINDOWS, bodyBytes: BODY });
  if (p.javaClassic && want('send', 'java-classic')) items.push({ kind: 'java-classic', windows: WINDOWS });
  const best = p.send[0]!;
  for (const bodyBytes of OTHER_BODIES) if (want('bodies', best)) items.push({ kind: 'send', section: 'bodies', client: best, windows: [BODIES_IN_FLIGHT], bodyBytes });
  for (const client of p.tx) if (want('transactions', client)) items.push({ kind: 'send', section: 'transactions', client, windows: WINDOWS, bodyBytes: BODY });
  if (want('consumption', p.pipe)) items.push({ kind: 'consumption', client: p.pipe });
  if (want('latency', p.pipe)) {
    items.push({ kind: 'latency', client: p.pipe, offered: null });
    items.push({ kind: 'latency', client: p.pipe, offered: offeredPerSec });
  }
  return items;
}
