#!/usr/bin/env node
// Runs the SDK tests (build/test/client/, the database helpers' db/ folder excepted) against the reference Apache
// RocketMQ's name server: uses a running `npm run reference` or starts one and stops it again afterwards.
// Tests that kill brokers or read Apogee's internals skip themselves with the reason printed.
// Usage: npm run test:sdk-reference [-- filter-substring ...]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LAUNCHER = join(ROOT, 'scripts', 'reference.mjs');
const TESTS = join(ROOT, 'build', 'test', 'client');
const log = (s) => process.stderr.write(`sdk-reference: ${s}\n`);

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

function testFiles(filters) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'db' && name !== 'support') walk(p);
      } else if (name.endsWith('.test.js')) out.push(p);
    }
  };
  walk(TESTS);
  return out.sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
}

async function main() {
  if (!existsSync(TESTS)) throw new Error(`${TESTS} missing: run "npm run build" first`);
  const files = testFiles(process.argv.slice(2));
  if (files.length === 0) throw new Error('no SDK test file matches');
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
    log(`reference name server at ${state.namesrv}; ${files.length} test files`);
    // One file at a time: the reference's JVMs share the machine with the tests.
    const res = await run(['--test', '--test-concurrency=1', '--test-timeout=600000', ...files], { env: { APOGEE_SDK_NAMESRV: state.namesrv, APOGEE_SDK_GRPC: state.grpc } });
    log(`SDK tests ${res.code === 0 ? 'passed' : 'FAILED'} against the reference in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return res.code;
  } finally {
    await stopReference();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(err.stack ?? String(err));
    process.exit(1);
  },
);
