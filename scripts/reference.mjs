#!/usr/bin/env node
// Runs Apache RocketMQ 5 (name server + proxy with the broker in-process, "local" mode) beside Apogee, so
// tests can ask the real thing what it answers. See docs/reference.md.
//
//   node scripts/reference.mjs start | stop | status [--json] | topic NAME TYPE | group NAME [--fifo] | selftest
//
// Everything is plain Node (no build step). State lives in reference/.run/state.json; logs in reference/.run/.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, rename, open } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODULE_DIR = join(ROOT, 'reference', 'rocketmq');
const POM_VERSION = (() => {
  const m = /<rocketmq\.version>([^<]+)<\/rocketmq\.version>/.exec(readFileSync(join(MODULE_DIR, 'pom.xml'), 'utf8'));
  if (!m) throw new Error('reference/rocketmq/pom.xml has no <rocketmq.version>');
  return m[1];
})();
// REFERENCE_ROCKETMQ_VERSION runs another release beside the pinned one (e.g. to see what changed in 5.5.0).
const VERSION = process.env.REFERENCE_ROCKETMQ_VERSION || POM_VERSION;
const LIB_DIR = join(MODULE_DIR, 'target', `lib-${VERSION}`);
const LIB_STAMP = join(LIB_DIR, '.pom-sha256');
const RUN_DIR = resolve(process.env.REFERENCE_RUN_DIR ?? join(ROOT, 'reference', '.run'));
const STATE_FILE = join(RUN_DIR, 'state.json');
const LOCK_FILE = join(RUN_DIR, 'launcher.lock');
const JVM_HOME = join(RUN_DIR, 'home'); // -Duser.home: RocketMQ's logback writes to ~/logs/rocketmqlogs

const NAMESRV_MAIN = 'org.apache.rocketmq.namesrv.NamesrvStartup';
const PROXY_MAIN = 'org.apache.rocketmq.proxy.ProxyStartup';
const ADMIN_MAIN = 'org.apache.rocketmq.tools.command.MQAdminStartup';
const CLUSTER = 'DefaultCluster';
const BROKER_NAME = 'broker-a';
const MESSAGE_TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'MIXED'];

/** Topics and groups every start creates: the official Node client's tests and our own suites need them. */
const DEFAULT_TOPICS = [
  ['TopicTestForNormal', 'NORMAL'],
  ['TopicTestForFifo', 'FIFO'],
  ['TopicTestForDelay', 'DELAY'],
  ['TopicTestForTransaction', 'TRANSACTION'],
  ['TopicTest', 'NORMAL'],
];
const DEFAULT_FIFO_GROUPS = ['GroupTestForFifo'];
/** Topics and groups of the differential suite (test/differential/topology.ts holds the same list). */
const DIFFERENTIAL_TOPICS = [
  ['DiffNormal', 'NORMAL', 4],
  ['DiffFifo', 'FIFO', 2],
  ['DiffDelay', 'DELAY', 2],
  ['DiffTransaction', 'TRANSACTION', 2],
];
/** [group, options]: the DLQ scenario needs a group that gives up after few attempts. */
const DIFFERENTIAL_GROUPS = [
  ['diff-fifo', { fifo: true }],
  ['diff-dlq', { retryMaxTimes: 2 }],
];
/** Topics of the classic 4.x transaction example (examples/java-transaction-producer). */
const EXAMPLE_TOPICS = [['TopicTransactionOrder', 'TRANSACTION']];
/** Topics of the classic-client suite (compat/java-remoting; scripts/compat-java.mjs creates them on Apogee). */
const REMOTING_TOPICS = [
  ['RemotingNormal', 'NORMAL'],
  ['RemotingFifo', 'FIFO'],
  ['RemotingDelay', 'DELAY'],
  ['RemotingTransaction', 'TRANSACTION'],
];

// Ports RocketMQ must never take here: the official Node client's tests expect 8080 closed, Apogee uses 8081.
const FORBIDDEN_PORTS = new Set([8080, 8081]);

function log(msg) {
  process.stderr.write(`reference: ${msg}\n`);
}

class UsageError extends Error {}

function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return { value: fallback, explicit: false };
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer, got "${raw}"`);
  return { value: n, explicit: true };
}

function envStr(name, fallback) {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

// ---------------------------------------------------------------------------------------------------------
// Classpath: resolve once with Maven, then offline.

function run(cmd, args, opts = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => resolvePromise({ code: -1, out: `${out}${err.message}` }));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, out }));
  });
}

async function ensureClasspath() {
  const pomHash = createHash('sha256').update(readFileSync(join(MODULE_DIR, 'pom.xml'))).update(VERSION).digest('hex');
  if (existsSync(LIB_STAMP) && readFileSync(LIB_STAMP, 'utf8').trim() === pomHash) return;
  const started = Date.now();
  log(`building the RocketMQ ${VERSION} classpath (first run resolves from Maven Central; offline afterwards)`);
  await rm(LIB_DIR, { recursive: true, force: true });
  if (!/^5\.\d+\.\d+$/.test(VERSION)) throw new UsageError(`REFERENCE_ROCKETMQ_VERSION must look like 5.x.y, got "${VERSION}"`);
  const goal = ['-B', '-q', 'dependency:copy-dependencies', `-Drocketmq.version=${VERSION}`, `-DoutputDirectory=${LIB_DIR}`, '-DincludeScope=runtime'];
  let res = await run('mvn', ['-o', ...goal], { cwd: MODULE_DIR });
  if (res.code !== 0) res = await run('mvn', goal, { cwd: MODULE_DIR });
  if (res.code !== 0) throw new Error(`mvn dependency:copy-dependencies failed (exit ${res.code}):\n${res.out}`);
  await writeFile(LIB_STAMP, `${pomHash}\n`);
  log(`classpath ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------------------
// Ports

function portFree(port) {
  return new Promise((resolvePromise) => {
    const srv = createServer();
    srv.once('error', () => resolvePromise(false));
    // RocketMQ binds the wildcard address, so test the same.
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolvePromise(true)));
  });
}

function ephemeralPort() {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => {
      const { port } = srv.address();
      srv.close(() => resolvePromise(port));
    });
  });
}

async function pickPort(name, fallback, taken) {
  const { value, explicit } = envInt(name, fallback);
  if (FORBIDDEN_PORTS.has(value)) throw new UsageError(`${name}=${value}: ports 8080 and 8081 are reserved`);
  if (await portFree(value)) return value;
  if (explicit) throw new UsageError(`${name}=${value} is already in use`);
  for (;;) {
    const p = await ephemeralPort();
    if (!taken.has(p) && !FORBIDDEN_PORTS.has(p)) {
      log(`default port ${fallback} for ${name} is busy, using ${p}`);
      return p;
    }
  }
}

/** The broker listens on P, its "fast" channel on P-2 and HA on P+1: all three must be free. */
async function pickBrokerPort(taken) {
  const { value, explicit } = envInt('REFERENCE_BROKER_PORT', 10911);
  const trioFree = async (p) =>
    p > 2 && p < 65534 && ![p - 2, p, p + 1].some((q) => taken.has(q) || FORBIDDEN_PORTS.has(q)) &&
    (await portFree(p - 2)) && (await portFree(p)) && (await portFree(p + 1));
  if (await trioFree(value)) return value;
  if (explicit) throw new UsageError(`REFERENCE_BROKER_PORT=${value}: ports ${value - 2}, ${value}, ${value + 1} must be free`);
  for (let p = value + 10; p < value + 2000; p += 10) {
    if (await trioFree(p)) {
      log(`default broker port ${value} is busy, using ${p}`);
      return p;
    }
  }
  throw new Error('no free port trio for the broker near 10911');
}

function tcpAccepts(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolvePromise) => {
    const sock = connect({ port, host });
    const done = (ok) => {
      sock.destroy();
      resolvePromise(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------------------
// Processes

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** True only for a live JVM of ours: same pid, our main class and our ROCKETMQ_HOME on its command line. */
function isOurJvm(pid, mainClass, home) {
  if (!pid || !alive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(mainClass) && cmdline.includes(home);
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, deadlineMs, probe, onTimeout) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const result = await probe();
    if (result) return result;
    if (Date.now() > until) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${onTimeout ? `\n${onTimeout()}` : ''}`);
    await sleep(250);
  }
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function jvmBaseArgs(home, heapMin, heapMax, directMax) {
  return [
    '-server',
    `-Xms${heapMin}`,
    `-Xmx${heapMax}`,
    `-XX:MaxDirectMemorySize=${directMax}`,
    '-XX:+UseG1GC',
    '-XX:-OmitStackTraceInFastThrow',
    // The store unmaps files through JDK internals; harmless when unused.
    '--add-opens=java.base/java.nio=ALL-UNNAMED',
    '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
    '--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED',
    `-Duser.home=${JVM_HOME}`,
    `-Drocketmq.home.dir=${home}`,
    '-cp',
    `${LIB_DIR}/*`,
  ];
}

async function spawnDetached(name, args, env) {
  const outFile = join(RUN_DIR, `${name}.out`);
  const fd = openSync(outFile, 'w');
  try {
    const child = spawn('java', args, { detached: true, stdio: ['ignore', fd, fd], env });
    await new Promise((resolvePromise, reject) => {
      child.once('spawn', resolvePromise);
      child.once('error', reject);
    });
    child.unref();
    return { pid: child.pid, outFile };
  } finally {
    closeSync(fd);
  }
}

async function terminate(pid, mainClass, home, graceMs) {
  if (!isOurJvm(pid, mainClass, home)) return 'not running';
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!alive(pid)) return 'stopped';
    await sleep(200);
  }
  if (isOurJvm(pid, mainClass, home)) process.kill(pid, 'SIGKILL');
  await waitFor(`pid ${pid} to exit after SIGKILL`, 10_000, async () => !alive(pid));
  return 'killed';
}

// ---------------------------------------------------------------------------------------------------------
// Admin (mqadmin) and the gRPC route probe

function adminArgs(state, sub) {
  return [
    '-Xms64m',
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1', // short-lived tool: start fast
    `-Duser.home=${JVM_HOME}`,
    `-Drocketmq.home.dir=${state.home}`,
    '-cp',
    `${LIB_DIR}/*`,
    ADMIN_MAIN,
    ...sub,
  ];
}

/**
 * mqadmin exits 0 even when a sub-command fails, so success is read from its output. Once the success line is
 * out the work is done; the tool then idles ~5 s in its client shutdown, so it is killed right away instead.
 */
function admin(state, sub, successPattern, timeoutMs = 60_000) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('java', adminArgs(state, sub), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROCKETMQ_HOME: state.home } });
    let out = '';
    let succeeded = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onData = (d) => {
      out += d;
      if (!succeeded && successPattern.test(out)) {
        succeeded = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`mqadmin ${sub[0]}: ${err.message}`));
    });
    const started = Date.now();
    child.on('close', (code) => {
      clearTimeout(timer);
      if (process.env.REFERENCE_DEBUG) log(`mqadmin ${sub[0]} ${sub.slice(1).join(' ')}: ${Date.now() - started} ms`);
      if (succeeded) resolvePromise(out);
      else reject(new Error(`mqadmin ${sub.join(' ')} failed (exit ${code}):\n${out.trim()}`));
    });
  });
}

function createTopic(state, name, type, queues = 8) {
  const t = type.toUpperCase();
  if (!MESSAGE_TYPES.includes(t)) throw new UsageError(`unknown message type "${type}" (one of ${MESSAGE_TYPES.join(', ')})`);
  if (!/^[%|a-zA-Z0-9_-]{1,127}$/.test(name)) throw new UsageError(`illegal topic name "${name}"`);
  return admin(
    state,
    ['updateTopic', '-n', state.namesrv, '-c', CLUSTER, '-t', name, '-r', String(queues), '-w', String(queues), '-a', `+message.type=${t}`],
    /create topic to .* success/,
  );
}

function createGroup(state, name, fifo) {
  if (!/^[%|a-zA-Z0-9_-]{1,255}$/.test(name)) throw new UsageError(`illegal group name "${name}"`);
  return admin(
    state,
    ['updateSubGroup', '-n', state.namesrv, '-c', CLUSTER, '-g', name, '-o', String(fifo)],
    /create subscription group to .* success/,
  );
}

/**
 * Writes the broker's topic and subscription-group tables into the fresh store before the proxy starts, so the
 * broker loads them at boot. One mqadmin JVM per topic costs seconds of CPU each and timed out on a loaded
 * 2-core machine; the broker reads these files the same way it reads what mqadmin made it persist.
 */
async function seedBrokerConfig(store) {
  const dir = join(store, 'config');
  await mkdir(dir, { recursive: true });
  const dataVersion = { counter: 1, stateVersion: 0, timestamp: Date.now() };
  const topicConfigTable = {};
  for (const [name, type, queues] of [...DEFAULT_TOPICS, ...EXAMPLE_TOPICS, ...REMOTING_TOPICS, ...DIFFERENTIAL_TOPICS]) {
    const q = queues ?? 8;
    topicConfigTable[name] = {
      topicName: name,
      readQueueNums: q,
      writeQueueNums: q,
      perm: 6, // read + write
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
      attributes: { 'message.type': type },
    };
  }
  const subscriptionGroupTable = {};
  for (const [name, opts] of [...DEFAULT_FIFO_GROUPS.map((g) => [g, { fifo: true }]), ...DIFFERENTIAL_GROUPS]) {
    subscriptionGroupTable[name] = {
      groupName: name,
      consumeEnable: true,
      consumeFromMinEnable: true,
      consumeBroadcastEnable: true,
      consumeMessageOrderly: Boolean(opts.fifo),
      retryQueueNums: 1,
      retryMaxTimes: opts.retryMaxTimes ?? 16,
      brokerId: 0,
      whichBrokerWhenConsumeSlowly: 1,
      notifyConsumerIdsChangedEnable: true,
      groupSysFlag: 0,
      consumeTimeoutMinute: 15,
      subscriptionDataSet: [],
      attributes: {},
    };
  }
  await writeFile(join(dir, 'topics.json'), `${JSON.stringify({ topicConfigTable, dataVersion }, null, 2)}\n`);
  await writeFile(join(dir, 'subscriptionGroup.json'), `${JSON.stringify({ subscriptionGroupTable, dataVersion }, null, 2)}\n`);
}

let grpcClientCtor;
function messagingServiceClient() {
  if (grpcClientCtor) return grpcClientCtor;
  // The .proto files ship inside the official Node client (a devDependency); grpc-js and proto-loader come with it.
  const require = createRequire(join(ROOT, 'package.json'));
  const grpc = require('@grpc/grpc-js');
  const protoLoader = require('@grpc/proto-loader');
  const protoRoot = join(dirname(require.resolve('rocketmq-client-nodejs/package.json')), 'proto');
  const def = protoLoader.loadSync('apache/rocketmq/v2/service.proto', { includeDirs: [protoRoot], longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def);
  grpcClientCtor = { grpc, Client: pkg.apache.rocketmq.v2.MessagingService };
  return grpcClientCtor;
}

/** One QueryRoute through the proxy, exactly as a 5.x client does it. Resolves to the v2 status code. */
function queryRoute(port, topic, timeoutMs = 3000) {
  const { grpc, Client } = messagingServiceClient();
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolvePromise) => {
    const req = { topic: { name: topic }, endpoints: { scheme: 'IPv4', addresses: [{ host: '127.0.0.1', port }] } };
    // The proxy refuses requests without a client id (CLIENT_ID_REQUIRED).
    const md = new grpc.Metadata();
    md.set('x-mq-client-id', `apogee-reference-launcher@${process.pid}`);
    md.set('x-mq-language', 'NODE_JS');
    md.set('x-mq-protocol', 'v2');
    md.set('x-mq-request-id', `${process.pid}-${Date.now()}-${topic}`);
    client.queryRoute(req, md, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      // Transport errors and TOPIC_NOT_FOUND (route not yet in the name server) are worth retrying; the rest is not.
      if (err) resolvePromise({ ok: false, retry: true, detail: `gRPC ${err.code}: ${err.details}` });
      else {
        const code = res.status?.code;
        resolvePromise({ ok: code === 'OK', retry: code === 'TOPIC_NOT_FOUND', detail: `${code} ${res.status?.message}`, queues: res.messageQueues?.length ?? 0 });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// State

async function readState() {
  try {
    return JSON.parse(await readFile(STATE_FILE, 'utf8'));
  } catch {
    return undefined;
  }
}

function stateUp(state) {
  return Boolean(state) && isOurJvm(state.pids.namesrv, NAMESRV_MAIN, state.home) && isOurJvm(state.pids.proxy, PROXY_MAIN, state.home);
}

function readyLine(state) {
  return `reference ready grpc=127.0.0.1:${state.ports.grpc} namesrv=${state.namesrv} ` +
    `remoting=127.0.0.1:${state.ports.remoting} broker=127.0.0.1:${state.ports.broker} flush=${state.flush ?? 'sync'} home=${state.home}`;
}

async function withLock(fn) {
  await mkdir(RUN_DIR, { recursive: true });
  let handle;
  try {
    handle = await open(LOCK_FILE, 'wx');
  } catch {
    const holder = Number((await readFile(LOCK_FILE, 'utf8').catch(() => '')).trim());
    if (holder && alive(holder)) throw new Error(`another launcher (pid ${holder}) is working on ${RUN_DIR}`);
    await rm(LOCK_FILE, { force: true }); // stale lock of a launcher that died
    handle = await open(LOCK_FILE, 'wx');
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return await fn();
  } finally {
    await rm(LOCK_FILE, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Commands

function brokerConf(cfg) {
  const lines = [
    `brokerClusterName=${CLUSTER}`,
    `brokerName=${BROKER_NAME}`,
    'brokerId=0',
    'brokerRole=ASYNC_MASTER',
    `namesrvAddr=127.0.0.1:${cfg.ports.namesrv}`,
    'brokerIP1=127.0.0.1',
    `listenPort=${cfg.ports.broker}`,
    `storePathRootDir=${cfg.store}`,
    `storePathCommitLog=${join(cfg.store, 'commitlog')}`,
    // REFERENCE_FLUSH=async gives ASYNC_FLUSH, for benches that compare both flush modes.
    `flushDiskType=${cfg.flush === 'async' ? 'ASYNC_FLUSH' : 'SYNC_FLUSH'}`,
    // Topics are created explicitly so that an unknown topic answers TOPIC_NOT_FOUND, as clients' tests expect.
    'autoCreateTopicEnable=false',
    'autoCreateSubscriptionGroup=true',
    // SQL92 filters (SimpleConsumer/PushConsumer FilterExpressionType.SQL92) need property filtering on.
    'enablePropertyFilter=true',
    `transactionCheckInterval=${cfg.tx.checkInterval}`,
    `transactionTimeOut=${cfg.tx.timeout}`,
    `transactionCheckMax=${cfg.tx.checkMax}`,
    // Op records ("this half message is done") are written in batches every 3 s upstream; with the 3 s check
    // timeout above, checks raced them and asked producers about transactions they had already ended.
    'transactionOpBatchInterval=200',
  ];
  return `${lines.join('\n')}\n${cfg.brokerExtra}`;
}

async function loadConfig() {
  const taken = new Set();
  const grab = async (name, fallback) => {
    const p = await pickPort(name, fallback, taken);
    taken.add(p);
    return p;
  };
  const namesrv = await grab('REFERENCE_NAMESRV_PORT', 19876);
  const grpc = await grab('REFERENCE_GRPC_PORT', 18081);
  const remoting = await grab('REFERENCE_REMOTING_PORT', 18080);
  const broker = await pickBrokerPort(taken);
  let proxyExtra = {};
  if (process.env.REFERENCE_PROXY_JSON) {
    try {
      proxyExtra = JSON.parse(process.env.REFERENCE_PROXY_JSON);
    } catch (err) {
      throw new UsageError(`REFERENCE_PROXY_JSON is not JSON: ${err.message}`);
    }
  }
  const flush = envStr('REFERENCE_FLUSH', 'sync');
  if (flush !== 'sync' && flush !== 'async') throw new UsageError(`REFERENCE_FLUSH must be sync or async, got "${flush}"`);
  return {
    flush,
    ports: { namesrv, grpc, remoting, broker },
    heap: envStr('REFERENCE_HEAP', '1g'),
    namesrvHeap: envStr('REFERENCE_NAMESRV_HEAP', '256m'),
    directMemory: envStr('REFERENCE_DIRECT_MEMORY', '256m'),
    tx: {
      checkInterval: envInt('REFERENCE_TX_CHECK_INTERVAL_MS', 5000).value,
      timeout: envInt('REFERENCE_TX_TIMEOUT_MS', 3000).value,
      checkMax: envInt('REFERENCE_TX_CHECK_MAX', 15).value,
    },
    // Extra broker.conf lines, separated by newlines or ';' (e.g. "maxMessageSize=1048576;enablePopLog=true").
    brokerExtra: (process.env.REFERENCE_BROKER_CONF ?? '').split(/[;\n]/).map((s) => s.trim()).filter(Boolean).map((s) => `${s}\n`).join(''),
    proxyExtra,
    startTimeoutMs: envInt('REFERENCE_START_TIMEOUT_MS', 120_000).value,
  };
}

async function start() {
  return withLock(async () => {
    const existing = await readState();
    if (stateUp(existing) && (existing.flush ?? 'sync') !== (process.env.REFERENCE_FLUSH || 'sync')) {
      throw new UsageError(`already running with flush=${existing.flush ?? 'sync'}; stop it first to start with REFERENCE_FLUSH=${process.env.REFERENCE_FLUSH || 'sync'}`);
    }
    if (stateUp(existing)) {
      log('already running');
      console.log(readyLine(existing));
      return 0;
    }
    if (existing) await stopWithState(existing); // half-dead leftovers of an earlier run

    const t0 = Date.now();
    await ensureClasspath();
    const tClasspath = Date.now();
    const cfg = await loadConfig();
    const base = await mkdtemp(join(tmpdir(), 'apogee-rocketmq-'));
    const home = join(base, 'home');
    const store = join(base, 'store');
    await mkdir(join(home, 'conf'), { recursive: true });
    await mkdir(store, { recursive: true });
    // Fresh JVM home per run: it holds RocketMQ's own logs and the name server's kv config.
    await rm(JVM_HOME, { recursive: true, force: true });
    await mkdir(JVM_HOME, { recursive: true });

    const namesrvConf = join(home, 'conf', 'namesrv.conf');
    const brokerConfPath = join(home, 'conf', 'broker.conf');
    const proxyJson = join(home, 'conf', 'rmq-proxy.json');
    await writeFile(namesrvConf, `listenPort=${cfg.ports.namesrv}\n`);
    await writeFile(brokerConfPath, brokerConf({ ...cfg, store }));
    await seedBrokerConfig(store);
    const proxyConfig = {
      rocketMQClusterName: CLUSTER,
      namesrvAddr: `127.0.0.1:${cfg.ports.namesrv}`,
      proxyMode: 'local',
      grpcServerPort: cfg.ports.grpc,
      remotingListenPort: cfg.ports.remoting,
      grpcShutdownTimeSeconds: 3, // stop quickly; the store is thrown away anyway
      ...cfg.proxyExtra,
    };
    await writeFile(proxyJson, `${JSON.stringify(proxyConfig, null, 2)}\n`);

    const state = {
      version: VERSION,
      startedAt: new Date().toISOString(),
      pids: { namesrv: 0, proxy: 0 },
      ports: cfg.ports,
      flush: cfg.flush,
      namesrv: `127.0.0.1:${cfg.ports.namesrv}`,
      grpc: `127.0.0.1:${cfg.ports.grpc}`,
      base,
      home,
      store,
      runDir: RUN_DIR,
      logs: { namesrv: join(RUN_DIR, 'namesrv.out'), proxy: join(RUN_DIR, 'proxy.out'), rocketmq: join(JVM_HOME, 'logs', 'rocketmqlogs') },
      tx: cfg.tx,
    };
    const env = { ...process.env, ROCKETMQ_HOME: home };
    const saveState = async () => {
      await writeFile(`${STATE_FILE}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
      await rename(`${STATE_FILE}.tmp`, STATE_FILE);
    };

    try {
      const ns = await spawnDetached('namesrv', [...jvmBaseArgs(home, '128m', cfg.namesrvHeap, '128m'), NAMESRV_MAIN, '-c', namesrvConf], env);
      state.pids.namesrv = ns.pid;
      await saveState();
      await waitFor('the name server', cfg.startTimeoutMs, async () => {
        if (!alive(ns.pid)) throw new Error(`name server exited:\n${tail(ns.outFile)}`);
        return (await tcpAccepts(cfg.ports.namesrv)) && tail(ns.outFile).includes('boot success');
      }, () => tail(ns.outFile));
      const tNamesrv = Date.now();

      const proxy = await spawnDetached(
        'proxy',
        [...jvmBaseArgs(home, '256m', cfg.heap, cfg.directMemory), PROXY_MAIN, '-pm', 'local', '-bc', brokerConfPath, '-pc', proxyJson],
        env,
      );
      state.pids.proxy = proxy.pid;
      await saveState();
      await waitFor('the proxy gRPC port', cfg.startTimeoutMs, async () => {
        if (!alive(proxy.pid)) throw new Error(`proxy exited:\n${tail(proxy.outFile)}`);
        return tcpAccepts(cfg.ports.grpc);
      }, () => tail(proxy.outFile));
      const tProxy = Date.now();

      const tTopics = Date.now(); // seeded into the store before the proxy started (see seedBrokerConfig)

      let last = '';
      await waitFor('a route query through the proxy', 60_000, async () => {
        const results = await Promise.all(DEFAULT_TOPICS.map(([t]) => queryRoute(cfg.ports.grpc, t)));
        last = results.map((r, i) => `${DEFAULT_TOPICS[i][0]}: ${r.detail}`).join('; ');
        if (results.some((r) => !r.ok && !r.retry)) throw new Error(`route query refused: ${last}`);
        return results.every((r) => r.ok && r.queues > 0);
      }, () => last);
      const tReady = Date.now();
      state.readyAt = new Date().toISOString();
      state.timings = {
        classpathMs: tClasspath - t0,
        namesrvMs: tNamesrv - tClasspath,
        proxyMs: tProxy - tNamesrv,
        topicsMs: tTopics - tProxy,
        routeMs: tReady - tTopics,
        totalMs: tReady - t0,
      };
      await saveState();
      log(`RocketMQ ${state.version} up in ${((tReady - t0) / 1000).toFixed(1)} s ` +
        `(name server ${(state.timings.namesrvMs / 1000).toFixed(1)} s, proxy ${(state.timings.proxyMs / 1000).toFixed(1)} s, ` +
        `topics ${(state.timings.topicsMs / 1000).toFixed(1)} s); logs in ${RUN_DIR}`);
      console.log(readyLine(state));
      return 0;
    } catch (err) {
      log(`start failed, stopping what was started: ${err.message}`);
      await stopWithState(state);
      throw err;
    }
  });
}

async function stopWithState(state) {
  const grace = envInt('REFERENCE_STOP_GRACE_MS', 15_000).value;
  // Both at once: each graceful shutdown spends seconds in joins, and the proxy's first step (unregistering its
  // broker from the name server) is done long before the name server finishes going down.
  const [proxy, namesrv] = await Promise.all([
    terminate(state.pids?.proxy, PROXY_MAIN, state.home, grace),
    terminate(state.pids?.namesrv, NAMESRV_MAIN, state.home, grace),
  ]);
  if (state.base && state.base.startsWith(join(tmpdir(), 'apogee-rocketmq-'))) await rm(state.base, { recursive: true, force: true });
  await rm(STATE_FILE, { force: true });
  log(`proxy ${proxy}, name server ${namesrv}; store ${state.base ?? '(none)'} removed`);
}

async function stop() {
  return withLock(async () => {
    const state = await readState();
    if (!state) {
      log('not running (no state file)');
      return 0;
    }
    await stopWithState(state);
    return 0;
  });
}

async function status(json) {
  const state = await readState();
  const up = stateUp(state);
  const grpcOk = up ? await tcpAccepts(state.ports.grpc) : false;
  if (json) {
    console.log(JSON.stringify({ up: up && grpcOk, ...(state ?? {}) }, null, 2));
  } else if (!state) {
    console.log('reference down (no state file)');
  } else if (up && grpcOk) {
    console.log(`reference up version=${state.version} grpc=127.0.0.1:${state.ports.grpc} namesrv=${state.namesrv} ` +
      `remoting=127.0.0.1:${state.ports.remoting} broker=127.0.0.1:${state.ports.broker} pids=${state.pids.namesrv},${state.pids.proxy} home=${state.home}`);
  } else {
    console.log(`reference unhealthy: namesrv ${isOurJvm(state.pids.namesrv, NAMESRV_MAIN, state.home) ? 'alive' : 'dead'}, ` +
      `proxy ${isOurJvm(state.pids.proxy, PROXY_MAIN, state.home) ? 'alive' : 'dead'}, gRPC port ${grpcOk ? 'open' : 'closed'} ` +
      `(run "npm run reference -- stop" to clean up)`);
  }
  return up && grpcOk ? 0 : 1;
}

async function requireUp() {
  const state = await readState();
  if (!stateUp(state)) throw new UsageError('the reference is not running ("npm run reference -- start")');
  return state;
}

async function topicCmd(args) {
  const [name, type, queues] = args;
  if (!name || !type) throw new UsageError('usage: topic NAME NORMAL|FIFO|DELAY|TRANSACTION|MIXED [QUEUES]');
  const q = queues === undefined ? 8 : Number(queues);
  if (!Number.isInteger(q) || q < 1 || q > 1024) throw new UsageError(`queue count must be 1..1024, got "${queues}"`);
  await createTopic(await requireUp(), name, type, q);
  console.log(`topic ${name} ${type.toUpperCase()} queues=${q}`);
  return 0;
}

async function groupCmd(args) {
  const name = args.find((a) => !a.startsWith('--'));
  const fifo = args.includes('--fifo');
  if (!name) throw new UsageError('usage: group NAME [--fifo]');
  await createGroup(await requireUp(), name, fifo);
  console.log(`group ${name} fifo=${fifo}`);
  return 0;
}

/** Maven run of one test module against the running reference; returns [exit code, seconds]. */
async function mvnTest(dir, env) {
  const started = Date.now();
  log(`mvn test in ${dir}`);
  const code = await new Promise((resolvePromise) => {
    const child = spawn('mvn', ['-B', '-q', 'test'], { cwd: join(ROOT, dir), stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', () => resolvePromise(-1));
    child.on('close', (c) => resolvePromise(c ?? -1));
  });
  return [code, (Date.now() - started) / 1000];
}

async function selftest() {
  const t0 = Date.now();
  await start();
  const state = await readState();
  const tStart = (Date.now() - t0) / 1000;
  const results = [];
  try {
    const env = { APOGEE_COMPAT_ENDPOINT: state.grpc, APOGEE_COMPAT_TARGET: 'reference', ROCKETMQ_NAMESRV_ADDR: state.namesrv, APOGEE_EXAMPLE_TARGET: 'reference' };
    // The 4.x example first, on a reference that has seen little transactional traffic (see docs/reference.md).
    results.push(['examples/java-transaction-producer', ...(await mvnTest('examples/java-transaction-producer', env))]);
    results.push(['compat/java', ...(await mvnTest('compat/java', env))]);
  } finally {
    const s = Date.now();
    await stop();
    results.push(['stop', 0, (Date.now() - s) / 1000]);
  }
  const total = (Date.now() - t0) / 1000;
  log(`selftest: start ${tStart.toFixed(1)} s`);
  for (const [name, code, secs] of results) log(`selftest: ${name} ${code === 0 ? 'ok' : `FAILED (exit ${code})`} ${secs.toFixed(1)} s`);
  log(`selftest: total ${total.toFixed(1)} s`);
  return results.every(([, code]) => code === 0) ? 0 : 1;
}

const USAGE = `usage: npm run reference -- <command>
  start                 build the classpath if needed, start name server + proxy (local mode), create topics
  stop                  stop both JVMs (SIGTERM, then SIGKILL) and remove the temp store
  status [--json]       exit 0 when up
  topic NAME TYPE [Q]   create/update a topic (TYPE: ${MESSAGE_TYPES.join('|')})
  group NAME [--fifo]   create/update a consumer group
  selftest              start, run compat/java and examples/java-transaction-producer tests, stop
environment: REFERENCE_NAMESRV_PORT (19876) REFERENCE_GRPC_PORT (18081) REFERENCE_REMOTING_PORT (18080)
  REFERENCE_BROKER_PORT (10911; also uses -2 and +1) REFERENCE_HEAP (1g) REFERENCE_NAMESRV_HEAP (256m)
  REFERENCE_DIRECT_MEMORY (256m) REFERENCE_TX_CHECK_INTERVAL_MS (5000) REFERENCE_TX_TIMEOUT_MS (3000)
  REFERENCE_TX_CHECK_MAX (15) REFERENCE_BROKER_CONF ("k=v;k=v") REFERENCE_PROXY_JSON ('{"k":v}')
  REFERENCE_START_TIMEOUT_MS (120000) REFERENCE_STOP_GRACE_MS (15000) REFERENCE_RUN_DIR (reference/.run)
  REFERENCE_FLUSH (sync: flushDiskType=SYNC_FLUSH; async: ASYNC_FLUSH)`;

async function main(argv) {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
      return start();
    case 'stop':
      return stop();
    case 'status':
      return status(rest.includes('--json'));
    case 'topic':
      return topicCmd(rest);
    case 'group':
      return groupCmd(rest);
    case 'selftest':
      return selftest();
    default:
      console.error(USAGE);
      return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    log(err instanceof UsageError ? err.message : (err.stack ?? String(err)));
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
