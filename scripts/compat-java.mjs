#!/usr/bin/env node
// The Java suites, run against Apogee and/or the reference Apache RocketMQ:
//   grpc      compat/java: rocketmq-client-java 5.x over gRPC
//   remoting  compat/java-remoting: the classic rocketmq-client 5.4.0 through the name server and remoting port
//   remoting-4x  the same tests on the last 4.x classic client, rocketmq-client 4.9.8
//   example   examples/java-transaction-producer: the textbook program on the classic 4.9.8 client
//   mqadmin   compat/mqadmin: RocketMQ's mqadmin (rocketmq-tools 5.4.0) in-process, its output checked
//   spring    compat/spring: rocketmq-spring-boot-starter 2.3.5, transactional template + listener consumer
//
//   node scripts/compat-java.mjs [apogee|reference|both] [grpc,remoting,example,mqadmin]
//   (default: apogee, every suite; needs `npm run build` first)
//
// Against Apogee: starts it (free ports, temp data dir), creates the topics through its CLI, runs the suites,
// stops Apogee.
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
  // compat/java-remoting (scripts/reference.mjs creates the same ones)
  ['RemotingNormal', 'NORMAL'],
  ['RemotingFifo', 'FIFO'],
  ['RemotingDelay', 'DELAY'],
  ['RemotingTransaction', 'TRANSACTION'],
];
const SUITES = ['grpc', 'remoting', 'remoting-4x', 'example', 'mqadmin', 'spring'];
let suites = SUITES;
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

async function mvnTest(dir, env, mvnArgs = []) {
  const t0 = Date.now();
  const name = [dir, ...mvnArgs].join(' ');
  log(`mvn test in ${name} (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')})`);
  const { code } = await run('mvn', ['-B', '-q', ...mvnArgs, 'test'], { cwd: join(ROOT, dir), env });
  const secs = (Date.now() - t0) / 1000;
  log(`${name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${secs.toFixed(1)} s`);
  return { name, code, secs };
}

/** Runs the chosen suites in the given order against one target's endpoints. */
async function runSuites(order, { grpc, namesrv, target }) {
  const env = {
    grpc: ['compat/java', { APOGEE_COMPAT_ENDPOINT: grpc, APOGEE_COMPAT_TARGET: target }],
    remoting: ['compat/java-remoting', { APOGEE_REMOTING_NAMESRV: namesrv, APOGEE_COMPAT_ENDPOINT: grpc, APOGEE_REMOTING_TARGET: target }],
    'remoting-4x': [
      'compat/java-remoting',
      { APOGEE_REMOTING_NAMESRV: namesrv, APOGEE_COMPAT_ENDPOINT: grpc, APOGEE_REMOTING_TARGET: target },
      ['-Drocketmq-client.version=4.9.8', '-Dapogee.build.dir=target-4x'],
    ],
    example: ['examples/java-transaction-producer', { ROCKETMQ_NAMESRV_ADDR: namesrv, APOGEE_EXAMPLE_TARGET: target }],
    mqadmin: ['compat/mqadmin', { APOGEE_MQADMIN_NAMESRV: namesrv, APOGEE_MQADMIN_TARGET: target }],
    spring: ['compat/spring', { APOGEE_SPRING_NAMESRV: namesrv, APOGEE_SPRING_TARGET: target }],
  };
  const results = [];
  for (const suite of order) {
    if (interrupted || !suites.includes(suite)) continue;
    const [dir, vars, mvnArgs] = env[suite];
    results.push(await mvnTest(dir, vars, mvnArgs));
  }
  return results;
}

async function againstApogee() {
  const t0 = Date.now();
  const apogee = await startApogee({ extraArgs: APOGEE_ARGS, log });
  cleanups.push(() => apogee.stop());
  try {
    for (const [name, type] of TOPICS) await apogeeCli(apogee.admin, ['topic', 'create', name, '--type', type]);
    log(`apogee ready with topics in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const results = await runSuites(['grpc', 'remoting', 'remoting-4x', 'example', 'mqadmin', 'spring'], { grpc: apogee.grpc, namesrv: apogee.namesrv, target: 'apogee' });
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
    // The 4.x example first: after a few hundred transactional messages RocketMQ 5.4.0 was seen to stop applying
    // the 4.x client's EndTransaction (op queue stuck, the same COMMIT checked back again and again).
    return await runSuites(['example', 'remoting-4x', 'remoting', 'grpc', 'mqadmin', 'spring'], { grpc: state.grpc, namesrv: state.namesrv, target: 'reference' });
  } finally {
    if (startedHere) await run(process.execPath, [join(ROOT, 'scripts', 'reference.mjs'), 'stop']);
  }
}

async function main() {
  const target = process.argv[2] ?? 'apogee';
  if (process.argv[3]) suites = process.argv[3].split(',');
  if (!['apogee', 'reference', 'both'].includes(target) || suites.some((s) => !SUITES.includes(s))) {
    log(`usage: node scripts/compat-java.mjs [apogee|reference|both] [${SUITES.join(',')}]`);
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
