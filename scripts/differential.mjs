#!/usr/bin/env node
// Runs the differential suite (test/differential/, built to build/test/differential/) against Apogee (in
// process) and the reference Apache RocketMQ: uses a running `npm run reference` or starts one and stops it
// again afterwards, on every path (also on Ctrl-C). Usage: npm run test:differential
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LAUNCHER = join(ROOT, 'scripts', 'reference.mjs');
const SPEC = join(ROOT, 'build', 'test', 'differential', 'differential.spec.js');
// The same comparison over the remoting protocol (name server + broker), with Apogee's own remoting client.
const REMOTING_SPEC = join(ROOT, 'build', 'test', 'differential', 'remoting.spec.js');
const log = (s) => process.stderr.write(`differential: ${s}\n`);

let child;
function run(args, opts = {}) {
  return new Promise((resolvePromise) => {
    child = spawn(process.execPath, args, { cwd: ROOT, stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', env: { ...process.env, ...opts.env } });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.on('error', (err) => resolvePromise({ code: -1, out: err.message }));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, out }));
  });
}

async function referenceState() {
  const s = await run([LAUNCHER, 'status', '--json'], { capture: true });
  return s.code === 0 ? JSON.parse(s.out) : undefined;
}

async function main() {
  if (!existsSync(SPEC)) throw new Error(`${SPEC} missing: run "npm run build" first`);
  const t0 = Date.now();
  let state = await referenceState();
  let startedHere = false;
  const stopReference = async () => {
    if (startedHere) {
      startedHere = false;
      await run([LAUNCHER, 'stop']);
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
      if ((await run([LAUNCHER, 'start'])).code !== 0) throw new Error('the reference did not start (see above)');
      state = await referenceState();
      if (!state) throw new Error('the reference started but reports itself down');
    }
    log(`reference at ${state.grpc} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const t1 = Date.now();
    // --test-force-exit: the official client's timers can outlive shutdown(); the spec closes what it opened.
    const res = await run(['--test', '--test-force-exit', '--test-timeout=900000', SPEC, REMOTING_SPEC], { env: { APOGEE_REFERENCE_GRPC: state.grpc, APOGEE_REFERENCE_NAMESRV: state.namesrv } });
    log(`suite ${res.code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t1) / 1000).toFixed(1)} s; records in build/differential-report.json`);
    return res.code;
  } finally {
    await stopReference();
    log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(err.stack ?? String(err));
    process.exit(1);
  },
);
