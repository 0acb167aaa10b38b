/**
 * Seeded mutation of request bytes and values for the fuzz tests: each fuzzer starts from valid requests and
 * damages them the ways a broken or hostile client would (flipped bits, cut or grown buffers, spliced garbage,
 * wrong types), plus some purely random input. The seed is printed so a failing run can be replayed.
 */
import { rng } from '../../store/helpers.js';

export interface Random {
  /** [0, 1) */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
  /** A string that is awkward for a parser: empty, huge, control characters, separators, numbers, unicode. */
  nastyString(): string;
}

export function seededRandom(seed: number): Random {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const bytes = (n: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const NASTY: readonly (() => string)[] = [
    () => '',
    () => ' ',
    () => '-1',
    () => '2147483648',
    () => '9223372036854775808',
    () => 'NaN',
    () => '1e309',
    () => 'true',
    () => '%RETRY%x',
    () => 'RMQ_SYS_TRANS_HALF_TOPIC',
    () => 'a'.repeat(1 + int(70_000)),
    () => '\u0000\u0001\u0002',
    () => '../../etc/passwd',
    () => '{"a":',
    () => 'TAGS\u0001x\u0002UNIQ_KEY\u0001',
    () => '\ud800',
    () => '💥'.repeat(1 + int(40)),
    () => bytes(1 + int(64)).toString('latin1'),
    () => String(int(1 << 30) - (1 << 29)),
  ];
  return { next: r, int, pick: (items) => items[int(items.length)] as never, bytes, nastyString: () => NASTY[int(NASTY.length)]!() };
}

/** One damaged copy of `seed` (never the same object). */
export function mutateBytes(seed: Buffer, random: Random): Buffer {
  switch (random.int(7)) {
    case 0: {
      const b = Buffer.from(seed);
      const flips = 1 + random.int(8);
      for (let i = 0; i < flips && b.length > 0; i++) b[random.int(b.length)] ^= 1 << random.int(8);
      return b;
    }
    case 1:
      return seed.subarray(0, random.int(seed.length + 1));
    case 2:
      return Buffer.concat([seed, random.bytes(1 + random.int(256))]);
    case 3: {
      const at = random.int(seed.length + 1);
      return Buffer.concat([seed.subarray(0, at), random.bytes(1 + random.int(32)), seed.subarray(at)]);
    }
    case 4: {
      // Overwrite a run with 0xFF: large varints and lengths.
      const b = Buffer.from(seed);
      const at = random.int(b.length + 1);
      b.fill(0xff, at, Math.min(b.length, at + 1 + random.int(8)));
      return b;
    }
    case 5:
      return random.bytes(random.int(512));
    default:
      return Buffer.concat([seed, seed.subarray(random.int(seed.length + 1))]);
  }
}

/** Runs `count` jobs with at most `parallel` in flight. */
export async function runPool(count: number, parallel: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
}

/** Requests per port: short in `npm test`, APOGEE_FUZZ_COUNT (npm run chaos: 10 000) for the full run. */
export function fuzzCount(short: number): number {
  const n = Number(process.env.APOGEE_FUZZ_COUNT ?? '');
  return Number.isInteger(n) && n > 0 ? n : short;
}

/** The seed of this run: APOGEE_FUZZ_SEED to replay one, else the clock. */
export function fuzzSeed(): number {
  const given = process.env.APOGEE_FUZZ_SEED;
  const n = Number(given);
  return given !== undefined && given !== '' && Number.isInteger(n) ? n : Date.now() % 2_147_483_647;
}

/** Counts of outcomes by label, printed as one line. */
export class Tally {
  readonly counts = new Map<string, number>();
  /** The first detail seen per label (an error text), to tell what a count stands for. */
  readonly samples = new Map<string, string>();
  add(label: string, detail?: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    if (detail !== undefined && !this.samples.has(label)) this.samples.set(label, detail.slice(0, 200));
  }
  total(): number {
    let t = 0;
    for (const v of this.counts.values()) t += v;
    return t;
  }
  toString(): string {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
  }
}
