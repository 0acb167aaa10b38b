#!/usr/bin/env node
// The Java suites: compat/java (rocketmq-client-java 5.x, gRPC) and examples/java-transaction-producer (the
// classic 4.x remoting client), run against Apogee and/or the reference Apache RocketMQ.
//
//   node scripts/compat-java.mjs [apogee|reference|both] (default apogee; needs `npm run build` first)
//
// Against Apogee: starts it (free ports, temp data dir), creates the topics through its CLI, runs compat/java,
// then runs the 4.x example through Apogee's name server and remoting port, stops Apogee.
// Against the reference: uses a running `npm run reference` or starts one (and then stops it again).
// Every process started here is stopped on every path (also on Ctrl-C).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apogeeCli, startApogee } from './lib/apogee-process.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOPICS = [
  ['TopicTestForNormal', 'NORMAL'],
  ['TopicTestForFifo', 'FIFO'],
  ['TopicTestForDelay', 'DELAY'],
  ['TopicTestForTransaction', 'TRANSACTION'],
  ['TopicTransactionOrder', 'TRANSACTION'], // examples/java-transaction-producer
];
/** Same transaction timing as the reference launcher's defaults, so both answer in similar time. */
const APOGEE_ARGS = ['--flush', 'async', '--transaction-check-immunity-ms', '3000', '--transaction-check-interval-ms', '5000'];

const log = (s) => process.stderr.write(`compat-java: ${s}\n`);
const cleanups = [];
let interrupted = false;

function run(cmd, args, opts = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    const onSignal = () => child.kill('SIGTERM');
    process.once('SIGINT', onSignal);
    child.on('error', (err) => resolvePromise({ code: -1, out: err.message }));
    child.on('close', (code) => {
      process.off('SIGINT', onSignal);
      resolvePromise({ code: code ?? -1, out });
    });
  });
}

async function mvnTest(dir, env) {
  const t0 = Date.now();
  log(`mvn test in ${dir} (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')})`);
  const { code } = await run('mvn', ['-B', '-q', 'test'], { cwd: join(ROOT, dir), env });
  const secs = (Date.now() - t0) / 1000;
  log(`${dir}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${secs.toFixed(1)} s`);
  return { name: dir, code, secs };
}

async function againstApogee() {
  const t0 = Date.now();
  const apogee = await startApogee({ extraArgs: APOGEE_ARGS, log });
  cleanups.push(() => apogee.stop());
  try {
    for (const [name, type] of TOPICS) await apogeeCli(apogee.admin, ['topic', 'create', name, '--type', type]);
    log(`apogee ready with topics in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const results = [];
    results.push(await mvnTest('compat/java', { APOGEE_COMPAT_ENDPOINT: apogee.grpc, APOGEE_COMPAT_TARGET: 'apogee' }));
    if (!interrupted) {
      results.push(await mvnTest('examples/java-transaction-producer', { ROCKETMQ_NAMESRV_ADDR: apogee.namesrv, APOGEE_EXAMPLE_TARGET: 'apogee' }));
    }
    if (results.some((r) => r.code !== 0)) log(`apogee log tail:\n${apogee.stderrTail()}`);
    return results;
  } finally {
    await apogee.stop();
  }
}

async function againstReference() {
  const status = await run(process.execPath, [join(ROOT, 'scripts', 'reference.mjs'), 'status', '--json'], { capture: true });
  let state = status.code === 0 ? JSON.parse(status.out) : undefined;
  let startedHere = false;
  if (!state) {
    startedHere = true;
    cleanups.push(() => run(process.execPath, [join(ROOT, 'scripts', 'reference.mjs'), 'stop']));
    const started = await run(process.execPath, [join(ROOT, 'scripts', 'reference.mjs'), 'start']);
    if (started.code !== 0) throw new Error('the reference did not start (see above)');
    state = JSON.parse((await run(process.execPath, [join(ROOT, 'scripts', 'reference.mjs'), 'status', '--json'], { capture: true })).out);
  }
  try {
    const results = [];
    // The 4.x example first: after a few hundred transactional messages RocketMQ 5.4.0 was seen to stop applying
    // the 4.x client's EndTransaction (op queue stuck, the same COMMIT checked back again and again).
    results.push(await mvnTest('examples/java-transaction-producer', { ROCKETMQ_NAMESRV_ADDR: state.namesrv, APOGEE_EXAMPLE_TARGET: 'reference' }));
    if (!interrupted) {
      results.push(await mvnTest('compat/java', { APOGEE_COMPAT_ENDPOINT: state.grpc, APOGEE_COMPAT_TARGET: 'reference' }));
    }
    return results;
  } finally {
    if (startedHere) await run(process.execPath, [join(ROOT, 'scripts', 'reference.mjs'), 'stop']);
  }
}

async function main() {
  const target = process.argv[2] ?? 'apogee';
  if (!['apogee', 'reference', 'both'].includes(target)) {
    log('usage: node scripts/compat-java.mjs [apogee|reference|both]');
    return 2;
  }
  const onSignal = async () => {
    interrupted = true;
    log('interrupted: stopping what was started');
    for (const c of cleanups.reverse()) await c().catch(() => {});
    process.exit(130);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const t0 = Date.now();
  const results = [];
  if (target !== 'reference') results.push(...(await againstApogee()).map((r) => ({ ...r, target: 'apogee' })));
  if (target !== 'apogee') results.push(...(await againstReference()).map((r) => ({ ...r, target: 'reference' })));
  for (const r of results) log(`${r.target.padEnd(9)} ${r.name}: ${r.code === 0 ? 'ok' : 'FAILED'} (${r.secs.toFixed(1)} s)`);
  log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    log(err.stack ?? String(err));
    for (const c of cleanups.reverse()) await c().catch(() => {});
    process.exit(1);
  },
);
