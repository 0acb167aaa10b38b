/**
 * Recovery and start figures (issue 12, item 4): time from spawning `apogee start` to its ready line
 *  - after a kill -9 of a process writing a ~1 GiB commit log (the abnormal recovery path), and
 *  - on an empty data dir (cold start),
 * with the broker's peak RSS while starting and its RSS once idle, sampled from /proc/<pid>/status.
 *
 * The fill is not measured: a child of this file opens the store directly (the broker's defaults: 1 GiB segments,
 * 300k-entry consume-queue files) and appends 1 KiB records with UNIQ_KEY and KEYS over 4 topics x 8 queues as
 * fast as it can; once the log reaches the size asked for it says so, keeps writing, and is SIGKILLed mid-write.
 *
 *   node build/bench/recovery.js [--gib 1] [--flush sync|async] [--cold-only]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface RecoveryFigures {
  kind: 'recovery-after-kill' | 'cold-start';
  durability: 'sync' | 'async';
  commitLogBytes: number;
  messages: number;
  /** Spawn of `apogee start` to its ready line on stdout. */
  readyMs: number;
  /** CPU time (user + system) the broker used until ready: steadier than readyMs on a shared machine. */
  cpuMsToReady: number;
  /** The store's own recovery time (its RecoveryReport.durationMs), from the broker's log. */
  storeRecoveryMs: number | null;
  /** Bytes of commit log the store verified at open (recovered end minus where its scan started). */
  scannedBytes: number | null;
  redispatchedRecords: number | null;
  peakRssMb: number;
  /** RSS after the broker has been idle for `IDLE_SETTLE_MS` after ready. */
  idleRssMb: number;
  /** The machine's 1-minute load average when measured (other work inflates readyMs). */
  loadAverage: number;
  note?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '..', 'src', 'cli', 'main.js');
const SELF = fileURLToPath(import.meta.url);
const IDLE_SETTLE_MS = 3000;
const RSS_SAMPLE_MS = 10;
const TOPICS = 4;
/** The broker's default segment size (the fill child uses the defaults). */
const SEGMENT = 1024 ** 3;
const SHORT_OF_SEGMENT = 16 * 1024 * 1024;
const QUEUES = 8;

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // the process is gone
  }
}

/** utime + stime of a process in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function childEnv(): NodeJS.ProcessEnv {
  // `apogee start` refuses unknown APOGEE_* variables; none of the caller's are meant for it.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('APOGEE_')) env[k] = v;
  return env;
}

function waitExit(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

/** Resolves with the first stdout line matching `re`; rejects when the process exits first or on timeout. */
function lineMatching(proc: ChildProcess, re: RegExp, timeoutMs: number, stderrTail: () => string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => done(new Error(`no line matching ${re} within ${timeoutMs} ms\n${stderrTail()}`)), timeoutMs);
    const onExit = (code: number | null, sig: string | null): void => done(new Error(`exited (${code ?? sig}) before ${re}\n${stderrTail()}`));
    const onData = (d: string): void => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = re.exec(line);
        if (m) {
          done(undefined, m);
          return;
        }
      }
    };
    const done = (err: Error | undefined, m?: RegExpMatchArray): void => {
      clearTimeout(timer);
      proc.off('exit', onExit);
      proc.stdout!.off('data', onData);
      if (err) reject(err);
      else resolve(m as RegExpMatchArray);
    };
    proc.once('exit', onExit);
    proc.stdout!.setEncoding('utf8').on('data', onData);
  });
}

interface StartResult {
  readyMs: number;
  cpuMs: number;
  peakRssMb: number;
  idleRssMb: number;
  recovery: { durationMs?: number; scannedFrom?: number; recoveredTo?: number; redispatchedRecords?: number } | undefined;
}

/** Spawns `apogee start` on `dataDir`, times it to ready, samples RSS, lets it idle, stops it with SIGTERM. */
async function timeStart(dataDir: string, flush: 'sync' | 'async'): Promise<StartResult> {
  const args = [CLI, 'start', '--data-dir', dataDir, '--flush', flush, '--grpc-port', '0', '--http-port', '0',
    '--namesrv-port', '0', '--remoting-port', '0', '--log-level', 'info', '--set', 'retention.checkIntervalMs=0'];
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let recovery: StartResult['recovery'];
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4 << 20) stderr += d;
  });
  let peak = 0;
  const sampler = setInterval(() => {
    const r = proc.pid === undefined ? undefined : rssMb(proc.pid);
    if (r !== undefined && r > peak) peak = r;
  }, RSS_SAMPLE_MS);
  try {
    await lineMatching(proc, /^apogee ready /, 600_000, () => stderr.slice(-3000));
    const readyMs = performance.now() - t0;
    const cpu = cpuMs(proc.pid as number);
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const idle = rssMb(proc.pid as number) ?? 0;
    for (const line of stderr.split('\n')) {
      if (!line.includes('"broker serving"') || !line.includes('"recovery"')) continue;
      try {
        recovery = (JSON.parse(line) as { recovery: StartResult['recovery'] }).recovery;
      } catch {
        // not a JSON log line
      }
    }
    return { readyMs, cpuMs: cpu, peakRssMb: Math.max(peak, idle), idleRssMb: idle, recovery };
  } finally {
    clearInterval(sampler);
    proc.kill('SIGTERM');
    const hard = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await waitExit(proc);
    clearTimeout(hard);
  }
}

/** Fills `dataDir` in a child until the commit log holds `bytes`, then kills it with SIGKILL while it writes. */
async function fillAndKill(dataDir: string, bytes: number, flush: 'sync' | 'async', bodyBytes: number): Promise<{ messages: number; commitLogBytes: number }> {
  const proc = spawn(process.execPath, [SELF, '--fill', dataDir, String(bytes), flush, String(bodyBytes)], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 64 << 10) stderr += d;
  });
  try {
    const m = await lineMatching(proc, /^FILLED (\d+) (\d+)$/, 1_800_000, () => stderr);
    return { messages: Number(m[2]), commitLogBytes: Number(m[1]) };
  } finally {
    proc.kill('SIGKILL');
    await waitExit(proc);
  }
}

function figures(kind: RecoveryFigures['kind'], flush: 'sync' | 'async', commitLogBytes: number, messages: number, s: StartResult): RecoveryFigures {
  const rec = s.recovery;
  const scanned = rec?.recoveredTo !== undefined && rec.scannedFrom !== undefined ? rec.recoveredTo - rec.scannedFrom : null;
  const load = loadavg()[0] as number;
  return {
    kind,
    durability: flush,
    commitLogBytes,
    messages,
    readyMs: Math.round(s.readyMs),
    cpuMsToReady: s.cpuMs,
    storeRecoveryMs: rec?.durationMs !== undefined ? Math.round(rec.durationMs) : null,
    scannedBytes: scanned,
    redispatchedRecords: rec?.redispatchedRecords ?? null,
    peakRssMb: Math.round(s.peakRssMb * 10) / 10,
    idleRssMb: Math.round(s.idleRssMb * 10) / 10,
    loadAverage: Math.round(load * 10) / 10,
  };
}

/** Kill -9 while writing a commit log of `commitLogBytes`, then the time until `apogee start` is ready. */
export async function measureRecovery(opts: { commitLogBytes: number; flush: 'sync' | 'async'; bodyBytes?: number; base?: string }): Promise<RecoveryFigures> {
  const dataDir = await mkdtemp(join(opts.base ?? tmpdir(), 'apogee-bench-recovery-'));
  try {
    // A log of exactly n segments would put the crash at a segment start, the cheapest place for recovery: stop a
    // little short, so the crash lands at the end of a full segment (the worst case for a segment-wise scan).
    const target = opts.commitLogBytes % SEGMENT === 0 ? opts.commitLogBytes - SHORT_OF_SEGMENT : opts.commitLogBytes;
    const fill = await fillAndKill(dataDir, target, opts.flush, opts.bodyBytes ?? 1024);
    const s = await timeStart(dataDir, opts.flush);
    const f = figures('recovery-after-kill', opts.flush, fill.commitLogBytes, fill.messages, s);
    f.note = `filled through the store API in a child (${TOPICS} topics x ${QUEUES} queues, ${opts.bodyBytes ?? 1024} B bodies, UNIQ_KEY+KEYS), SIGKILLed mid-write; page cache warm`;
    return f;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** `apogee start` on an empty data dir: time to ready and RSS. */
export async function measureColdStart(opts: { flush?: 'sync' | 'async'; base?: string } = {}): Promise<RecoveryFigures> {
  const flush = opts.flush ?? 'sync';
  const dataDir = await mkdtemp(join(opts.base ?? tmpdir(), 'apogee-bench-cold-'));
  try {
    const s = await timeStart(dataDir, flush);
    return figures('cold-start', flush, 0, 0, s);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the fill child

async function fillChild(dataDir: string, bytes: number, flush: 'sync' | 'async', bodyBytes: number): Promise<void> {
  const { openMessageStore } = await import('../src/store/index.js');
  const { silentLogger } = await import('../src/util/logger.js');
  const store = await openMessageStore({ dataDir, flushMode: flush, logger: silentLogger(), retention: { checkIntervalMs: 0 } });
  const body = Buffer.alloc(bodyBytes, 0x61);
  // Never outlive the parent or fill the disk: stop when orphaned or far past the target.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent || store.stats().commitLogMaxOffset > bytes * 2 + (64 << 20)) process.exit(1);
  }, 100).unref();
  let n = 0;
  let announced = false;
  const writer = async (w: number): Promise<void> => {
    for (;;) {
      const i = n++;
      const t = i % (TOPICS * QUEUES);
      await store.append({
        topic: `BenchRecovery${t % TOPICS}`,
        queueId: Math.floor(t / TOPICS),
        flag: 0,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        bornHost: '127.0.0.1:1',
        storeHost: '127.0.0.1:8081',
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
        properties: { UNIQ_KEY: `7F000001${w.toString(16).padStart(4, '0')}${i.toString(16).padStart(16, '0')}`, KEYS: `order-${i}` },
        body,
      });
      if (!announced && store.stats().commitLogMaxOffset >= bytes) {
        announced = true;
        process.stdout.write(`FILLED ${store.stats().commitLogMaxOffset} ${store.stats().appendCount}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: 512 }, (_, w) => writer(w)));
}

// ---------------------------------------------------------------- CLI

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] === SELF) {
  if (process.argv[2] === '--fill') {
    const [dataDir, bytes, flush, bodyBytes] = process.argv.slice(3);
    await fillChild(dataDir as string, Number(bytes), flush === 'async' ? 'async' : 'sync', Number(bodyBytes));
  } else {
    const gib = Number(flag('--gib') ?? '1');
    const flush = flag('--flush') === 'async' ? 'async' : 'sync';
    const rows: RecoveryFigures[] = [await measureColdStart({ flush })];
    process.stdout.write(JSON.stringify(rows[0]) + '\n');
    if (!process.argv.includes('--cold-only')) {
      const r = await measureRecovery({ commitLogBytes: Math.round(gib * 1024 ** 3), flush });
      process.stdout.write(JSON.stringify(r) + '\n');
    }
  }
}
