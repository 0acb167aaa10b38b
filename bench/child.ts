/**
 * Child processes for bench sections: a server started with `node FILE ARGS`, ready once a stdout line matches, and
 * stopped with SIGTERM (SIGKILL after a grace period) so a bench never leaves a process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface BenchChild {
  /** The groups of the ready line's match. */
  readonly ready: RegExpMatchArray;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startChild(file: string, args: string[], readyLine: RegExp, timeoutMs = 30_000): Promise<BenchChild> {
  const env: Record<string, string> = {};
  // `apogee start` refuses unknown APOGEE_* variables; the bench's own ones are not meant for it.
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('APOGEE_')) env[k] = v;
  const proc: ChildProcess = spawn(process.execPath, [file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 64 * 1024) stderr += d;
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`${file}: ${why}\n${stderr.slice(-2000)}`));
    };
    const early = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited (${code ?? signal}) before ready`);
    proc.once('exit', early);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const line of out.split('\n')) {
        const m = line.match(readyLine);
        if (m) {
          clearTimeout(timer);
          proc.off('exit', early);
          resolve(m);
          return;
        }
      }
    });
  });
  return { ready, pid: proc.pid!, stop };
}
