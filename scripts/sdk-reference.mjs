#!/usr/bin/env node
// Runs the SDK tests (build/test/client/, the database helpers' db/ folder excepted) against the reference Apache
// RocketMQ's name server: uses a running `npm run reference` or starts one and stops it again afterwards.
// Tests that kill brokers or read Apogee's internals skip themselves with the reason printed.
// Usage: npm run test:sdk-reference [-- filter-substring ...]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runNode, withReference } from './lib/reference-session.mjs';

const TESTS = join(ROOT, 'build', 'test', 'client');
const log = (s) => process.stderr.write(`sdk-reference: ${s}\n`);

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
  return withReference(log, async (state) => {
    log(`reference name server at ${state.namesrv}; ${files.length} test files`);
    // One file at a time: the reference's JVMs share the machine with the tests.
    const res = await runNode(['--test', '--test-concurrency=1', '--test-timeout=600000', ...files], { env: { APOGEE_SDK_NAMESRV: state.namesrv, APOGEE_SDK_GRPC: state.grpc } });
    log(`SDK tests ${res.code === 0 ? 'passed' : 'FAILED'} against the reference in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return res.code;
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    log(err.stack ?? String(err));
    process.exit(1);
  },
);
