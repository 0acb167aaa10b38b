/**
 * Test helpers for the `apogee` executable: temp data dirs, a broker spawned with `apogee start` on port 0 (its
 * ready line read for the bound ports), and one-shot CLI runs. Every spawned broker is tracked so a test file can
 * kill whatever is left with `after(killSpawnedBrokers)`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** build/test/helpers/ → build/src/cli/main.js */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const READY = /^apogee ready grpc=(\S+):(\d+) http=(\S+):(\d+)(?: namesrv=(\S+):(\d+))?(?: remoting=(\S+):(\d+))? data=(.+)$/;

export interface Endpoint {
  host: string;
  port: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedBroker {
  readonly proc: ChildProcess;
  readonly dataDir: string;
  readonly grpc: Endpoint;
  readonly http: Endpoint;
  /** Name server and broker remoting endpoints (absent when turned off). */
  readonly namesrv: Endpoint | undefined;
  readonly remoting: Endpoint | undefined;
  /** `http://host:port` of the admin API. */
  readonly adminUrl: string;
  /** Everything the process wrote on stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Sends `signal` and waits for the exit; rejects if it takes longer than `timeoutMs` (the process is then killed). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit & { ms: number }>;
}

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** An environment without the developer's APOGEE_* variables (unknown ones are refused at start). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('APOGEE_')) env[k] = v;
  return { ...env, ...extra };
}

export async function makeTempDir(prefix = 'apogee-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all([...tempDirs].map((d) => rm(d, { recursive: true, force: true })));
  tempDirs.clear();
}

export interface SpawnBrokerOptions {
  /** Default: a fresh temp dir. */
  dataDir?: string;
  /** Extra `apogee start` arguments. */
  args?: string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export async function spawnBroker(options: SpawnBrokerOptions = {}): Promise<SpawnedBroker> {
  const dataDir = options.dataDir ?? (await makeTempDir());
  const args = [CLI_MAIN, 'start', '--data-dir', dataDir, '--grpc-port', '0', '--http-port', '0', '--namesrv-port', '0', '--remoting-port', '0', '--log-level', 'warn', ...(options.args ?? [])];
  const proc = spawn(process.execPath, args, { env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });

  const timeoutMs = options.readyTimeoutMs ?? 15_000;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
    const onData = (): void => {
      const line = out.split('\n').find((l) => READY.test(l));
      if (line) {
        cleanup();
        resolve(READY.exec(line)!);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (code ${code}, signal ${signal}) before ready`);
    function cleanup(): void {
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      proc.off('exit', onExit);
    }
    function fail(why: string): void {
      cleanup();
      proc.kill('SIGKILL');
      reject(new Error(`apogee start ${why}\nstdout: ${out}\nstderr: ${err}`));
    }
    proc.stdout!.on('data', onData);
    proc.once('exit', onExit);
  });

  const http = { host: match[3]!, port: Number(match[4]) };
  return {
    proc,
    dataDir: match[9]!,
    grpc: { host: match[1]!, port: Number(match[2]) },
    http,
    namesrv: match[5] !== undefined ? { host: match[5], port: Number(match[6]) } : undefined,
    remoting: match[7] !== undefined ? { host: match[7], port: Number(match[8]) } : undefined,
    adminUrl: `http://${http.host}:${http.port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 5000) {
      const started = Date.now();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          proc.kill('SIGKILL');
          reject(new Error(`broker did not exit within ${stopTimeoutMs} ms of ${signal}\nstderr: ${err}`));
        }, stopTimeoutMs);
      });
      try {
        const exit = await Promise.race([exited, timeout]);
        return { ...exit, ms: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Kills every broker this process spawned and still running (use in `after`). */
export async function killSpawnedBrokers(): Promise<void> {
  const waits = [...live].map(
    (p) =>
      new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `apogee ARGS...` to completion (killed after `timeoutMs`). */
export function runCli(args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI_MAIN, ...args], { env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = options.timeoutMs ?? 15_000;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`apogee ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      live.delete(proc);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A local port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
