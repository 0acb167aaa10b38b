#!/usr/bin/env node
// `npm run compat`: prepares a running Apogee for the official RocketMQ Node client's own test suite
// (apache/rocketmq-clients, folder nodejs/) and says how to run it; with a git dir of that repository it runs it.
//
//   npm run compat [-- --admin URL] [-- --run GIT_DIR]
//
// The admin URL defaults to $APOGEE_ADMIN, then http://127.0.0.1:8082. The suite needs four topics, one per message
// type, and needs `TopicTest-not-exists` to be absent; unknown consumer groups are created on first use by default.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SUITE_TOPICS = [
  ['TopicTestForNormal', 'NORMAL'],
  ['TopicTestForFifo', 'FIFO'],
  ['TopicTestForDelay', 'DELAY'],
  ['TopicTestForTransaction', 'TRANSACTION'],
];
const MUST_NOT_EXIST = 'TopicTest-not-exists';

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function api(admin, method, path, body) {
  let res;
  try {
    res = await fetch(`${admin}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    console.error(`compat: cannot reach broker admin at ${admin} (${err.cause?.message ?? err.message}); start one with \`npm start\``);
    process.exit(3);
  }
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

const admin = (argValue('--admin') ?? process.env.APOGEE_ADMIN ?? 'http://127.0.0.1:8082').replace(/\/$/, '');
const status = await api(admin, 'GET', '/api/status');
const grpc = status.json.endpoints?.grpc ?? status.json.grpc;
if (!grpc) {
  console.error(`compat: ${admin}/api/status names no gRPC endpoint: ${JSON.stringify(status.json)}`);
  process.exit(1);
}
const endpoint = `${grpc.host}:${grpc.port}`;

for (const [name, messageType] of SUITE_TOPICS) {
  const r = await api(admin, 'POST', '/api/topics', { name, messageType, queueNums: 8 });
  if (r.status === 201 || r.status === 200) console.log(`created topic ${name} (${messageType})`);
  else if (r.status === 409) {
    const t = await api(admin, 'GET', `/api/topics/${name}`);
    const have = t.json.topic?.messageType ?? t.json.messageType;
    if (have !== messageType) {
      console.error(`compat: topic ${name} exists with type ${have}, the suite needs ${messageType}`);
      process.exit(1);
    }
    console.log(`topic ${name} (${messageType}) already there`);
  } else {
    console.error(`compat: creating ${name} failed: ${r.status} ${JSON.stringify(r.json)}`);
    process.exit(1);
  }
}
if ((await api(admin, 'GET', `/api/topics/${MUST_NOT_EXIST}`)).status !== 404) {
  console.error(`compat: topic ${MUST_NOT_EXIST} exists; the suite's startup test needs it absent (apogee topic delete ${MUST_NOT_EXIST})`);
  process.exit(1);
}

const gitDir = argValue('--run');
// The runner lives in the workspace's shared/tools next to the checkout; APOGEE_COMPAT_SUITE_RUNNER points elsewhere.
const runner = process.env.APOGEE_COMPAT_SUITE_RUNNER ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'tools', 'official-nodejs-suite.sh');
if (gitDir !== undefined) {
  if (!existsSync(runner)) {
    console.error(`compat: --run needs the suite runner at ${runner}; follow docs/compatibility.md by hand instead`);
    process.exit(2);
  }
  const r = spawnSync('bash', [runner, gitDir, endpoint], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
console.log(`
Apogee at ${endpoint} is ready for the official Node client's suite. To run it (docs/compatibility.md has details):
  git clone https://github.com/apache/rocketmq-clients && cd rocketmq-clients/nodejs
  npm pack rocketmq-client-nodejs@1.0.8 && tar xzf rocketmq-client-nodejs-1.0.8.tgz
  cp package/proto/apache/rocketmq/v2/*.js package/proto/apache/rocketmq/v2/*.d.ts proto/apache/rocketmq/v2/
  npm install --ignore-scripts
  export ROCKETMQ_NODEJS_CLIENT_ENDPOINTS=${endpoint}
  npx egg-bin test <the test files that use mocha's describe/it>
  node --test --test-force-exit <the test files that import from 'node:test'>
Expected: 86 of 87 pass (the one failing test fails against every server, Apache RocketMQ included).`);
