/**
 * Command line of `npm run bench [--quick] [word ...]` and the run's sizes. Words select rows: a section name
 * (types.ts SECTIONS) keeps those row kinds; `grpc` / `remoting` keep rows through those protocols' clients (and
 * the peers' own clients are dropped); a system name (apogee, rocketmq, rabbitmq, nats, redis) keeps that system.
 * Kinds, protocols and systems combine with AND; words of one group with OR. No word: everything.
 */
import { SECTIONS, type ClientName, type Section, type SystemName } from './types.js';

export interface Sizes {
  /** Seconds per measured window (closed-loop sends). */
  seconds: number;
  /** Messages preloaded then consumed per consumption row. */
  consumeMessages: number;
  /** Seconds per latency row; the fixed-rate rows offer `offeredPerSec`. */
  latencySeconds: number;
  offeredPerSec: number;
  warmUp: number;
}

export const FULL: Sizes = { seconds: 3, consumeMessages: 5_000, latencySeconds: 3, offeredPerSec: 1_000, warmUp: 20 };
export const QUICK: Sizes = { seconds: 0.4, consumeMessages: 600, latencySeconds: 0.5, offeredPerSec: 1_000, warmUp: 3 };

const PROTOCOLS: Record<string, readonly ClientName[]> = {
  grpc: ['grpc-stubs', 'official-node'],
  remoting: ['remoting', 'sdk', 'java-classic'],
};
const SYSTEM_WORDS: Record<string, readonly SystemName[]> = {
  apogee: ['apogee'],
  rocketmq: ['rocketmq'],
  rabbitmq: ['rabbitmq-classic', 'rabbitmq-quorum'],
  nats: ['nats-jetstream'],
  redis: ['redis-always', 'redis-everysec'],
};
/** The sections of earlier versions of this runner, kept as words: `peers` = every system's send rows. */
const ALIASES: Record<string, readonly string[]> = { peers: ['send'] };

export interface Selection {
  sections: ReadonlySet<Section>;
  clients: ReadonlySet<ClientName> | null;
  systems: ReadonlySet<SystemName> | null;
}

export interface Options {
  quick: boolean;
  sizes: Sizes;
  selection: Selection;
  /** Skip the reference (Apache RocketMQ) even when selected: APOGEE_BENCH_NO_REFERENCE=1. */
  noReference: boolean;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Options {
  const quick = argv.includes('--quick');
  const words = argv.filter((a) => a !== '--quick').flatMap((w) => ALIASES[w] ?? [w]);
  const sections = new Set<Section>();
  const clients = new Set<ClientName>();
  const systems = new Set<SystemName>();
  const unknown: string[] = [];
  for (const w of words) {
    if ((SECTIONS as readonly string[]).includes(w)) sections.add(w as Section);
    else if (w in PROTOCOLS) for (const c of PROTOCOLS[w]!) clients.add(c);
    else if (w in SYSTEM_WORDS) for (const s of SYSTEM_WORDS[w]!) systems.add(s);
    else unknown.push(w);
  }
  if (unknown.length > 0) {
    const known = [...SECTIONS, ...Object.keys(PROTOCOLS), ...Object.keys(SYSTEM_WORDS), ...Object.keys(ALIASES)];
    throw new Error(`unknown word(s) ${unknown.join(', ')}; known: --quick ${known.join(' ')}`);
  }
  const base = quick ? QUICK : FULL;
  const seconds = env.APOGEE_BENCH_SECONDS ? Number(env.APOGEE_BENCH_SECONDS) : base.seconds;
  if (!(seconds > 0)) throw new Error(`APOGEE_BENCH_SECONDS must be a positive number, got ${env.APOGEE_BENCH_SECONDS}`);
  return {
    quick,
    sizes: { ...base, seconds },
    selection: {
      sections: sections.size > 0 ? sections : new Set(SECTIONS),
      clients: clients.size > 0 ? clients : null,
      systems: systems.size > 0 ? systems : null,
    },
    noReference: env.APOGEE_BENCH_NO_REFERENCE === '1',
  };
}

/** Whether a row of this kind, system and client is wanted. */
export function wanted(sel: Selection, section: Section, system: SystemName, client: ClientName): boolean {
  if (!sel.sections.has(section)) return false;
  if (sel.systems && !sel.systems.has(system)) return false;
  if (sel.clients && !sel.clients.has(client)) return false;
  return true;
}
