#!/usr/bin/env node
// Runs the differential suite (test/differential/, built to build/test/differential/) against Apogee (in
// process) and the reference Apache RocketMQ: uses a running `npm run reference` or starts one and stops it
// again afterwards, on every path (also on Ctrl-C). Usage: npm run test:differential
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runNode, withReference } from './lib/reference-session.mjs';

const SPEC = join(ROOT, 'build', 'test', 'differential', 'differential.spec.js');
// The same comparison over the remoting protocol (name server + broker), with Apogee's own remoting client.
const REMOTING_SPEC = join(ROOT, 'build', 'test', 'differential', 'remoting.spec.js');
const log = (s) => process.stderr.write(`differential: ${s}\n`);

async function main() {
  if (!existsSync(SPEC)) throw new Error(`${SPEC} missing: run "npm run build" first`);
  const t0 = Date.now();
  try {
    return await withReference(log, async (state) => {
      log(`reference at ${state.grpc} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      const t1 = Date.now();
      // --test-force-exit: the official client's timers can outlive shutdown(); the spec closes what it opened.
      const res = await runNode(['--test', '--test-force-exit', '--test-timeout=900000', SPEC, REMOTING_SPEC], { env: { APOGEE_REFERENCE_GRPC: state.grpc, APOGEE_REFERENCE_NAMESRV: state.namesrv } });
      log(`suite ${res.code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t1) / 1000).toFixed(1)} s; records in build/differential-report.json`);
      return res.code;
    });
  } finally {
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
