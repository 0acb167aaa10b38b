// One session with the reference Apache RocketMQ for the Node suites (differential, SDK): uses a running
// `npm run reference` or starts one, and stops what it started on every path (also on Ctrl-C / SIGTERM).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAUNCHER = join(ROOT, 'scripts', 'reference.mjs');

let child;
/** Runs node with `args` from the project root; resolves with the exit code (and stdout when `capture`). */
export function runNode(args, opts = {}) {
  return new Promise((resolvePromise) => {
    child = spawn(process.execPath, args, { cwd: ROOT, stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', env: { ...process.env, ...opts.env } });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.on('error', (err) => resolvePromise({ code: -1, out: err.message }));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, out }));
  });
}

async function referenceState() {
  const s = await runNode([LAUNCHER, 'status', '--json'], { capture: true });
  return s.code === 0 ? JSON.parse(s.out) : undefined;
}

/** Calls `fn(state)` with the reference's endpoints ({grpc, namesrv, ...}); returns what `fn` returns. */
export async function withReference(log, fn) {
  let state = await referenceState();
  let startedHere = false;
  const stopReference = async () => {
    if (startedHere) {
      startedHere = false;
      await runNode([LAUNCHER, 'stop']);
    }
  };
  const onSignal = async () => {
    log('interrupted: stopping what was started');
    child?.kill('SIGTERM');
    await stopReference();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (!state) {
      startedHere = true;
      if ((await runNode([LAUNCHER, 'start'])).code !== 0) throw new Error('the reference did not start (see above)');
      state = await referenceState();
      if (!state) throw new Error('the reference started but reports itself down');
    }
    return await fn(state);
  } finally {
    await stopReference();
  }
}
