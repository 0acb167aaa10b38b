// Starts Apogee as a child process on free ports with a temp data dir (the way a user runs it), creates
// topics and groups through its CLI, and stops it on every path. Used by scripts/compat-java.mjs.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'build', 'src', 'cli', 'main.js');

/** Runs the CLI against a running broker; rejects with its output when it exits non-zero. */
export function apogeeCli(admin, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--admin', admin], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out.trim()) : reject(new Error(`apogee ${args.join(' ')} (exit ${code}): ${out.trim()}`))));
  });
}

/**
 * @param {{ extraArgs?: string[], readyTimeoutMs?: number, log?: (s: string) => void }} [opts]
 * @returns {Promise<{ grpc: string, admin: string, namesrv: string, remoting: string, dataDir: string, pid: number, stop: () => Promise<void>, stderrTail: () => string }>}
 */
export async function startApogee(opts = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'apogee-compat-'));
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--data-dir', dataDir, '--grpc-port', '0', '--http-port', '0', '--namesrv-port', '0', '--remoting-port', '0', '--log-level', 'warn', ...(opts.extraArgs ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000); // bounded: only the tail is ever shown
  });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    })());

  try {
    const ready = await new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line from apogee within ${opts.readyTimeoutMs ?? 30_000} ms:\n${stderr.slice(-2000)}`)), opts.readyTimeoutMs ?? 30_000);
      const check = () => {
        const m = /apogee ready grpc=(\S+) http=(\S+) namesrv=(\S+) remoting=(\S+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolvePromise({ grpc: m[1], admin: `http://${m[2]}`, namesrv: m[3], remoting: m[4] });
        }
      };
      child.stdout.on('data', check);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`apogee exited before ready (code ${code}, signal ${signal}):\n${stderr.slice(-2000)}`));
      });
      check();
    });
    opts.log?.(`apogee up: grpc=${ready.grpc} admin=${ready.admin} namesrv=${ready.namesrv} remoting=${ready.remoting} pid=${child.pid}`);
    return { ...ready, dataDir, pid: child.pid, stop, stderrTail: () => stderr.slice(-4000) };
  } catch (err) {
    await stop();
    throw err;
  }
}
