#!/usr/bin/env node
// The long reliability runs (issue 13), one after the other:
//   fuzz         10 000 requests per port (APOGEE_FUZZ_COUNT; APOGEE_FUZZ_SEED replays a run)
//   crash-sync   the crash loop with 100 SIGKILLs in sync flush: no acknowledged message may be lost
//   crash-async  the same in async flush, 30 SIGKILLs: the loss window is reported, not asserted
//   disk-full    full disk and read-only data dir on a tmpfs the test mounts (needs root; else skipped, saying why)
//   overload     10× the in-flight and long-poll limits and clients that never read, with a small byte budget;
//                prints requests, refused, served and the broker's peak RSS
// `npm test` runs the same files with short counts.
// Usage: npm run chaos [-- fuzz,crash-sync,crash-async,disk-full,overload]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const file = (f) => fileURLToPath(new URL(`../build/test/${f}`, import.meta.url));
const PHASES = {
  fuzz: { file: file('fuzz/fuzz.test.js'), env: { APOGEE_FUZZ_COUNT: process.env.APOGEE_FUZZ_COUNT ?? '10000' } },
  'crash-sync': { file: file('chaos/crash-loop.test.js'), env: { APOGEE_CHAOS_KILLS: process.env.APOGEE_CHAOS_KILLS ?? '100', APOGEE_CHAOS_FLUSH: 'sync' } },
  'crash-async': { file: file('chaos/crash-loop.test.js'), env: { APOGEE_CHAOS_KILLS: process.env.APOGEE_CHAOS_KILLS ?? '30', APOGEE_CHAOS_FLUSH: 'async' } },
  'disk-full': { file: file('chaos/disk-full.test.js'), env: {} },
  overload: { file: file('overload/overload.test.js'), env: {} },
};
const chosen = (process.argv[2] ?? Object.keys(PHASES).join(',')).split(',');
const unknown = chosen.filter((p) => !(p in PHASES));
if (unknown.length > 0) {
  console.error(`chaos: unknown phase(s) ${unknown.join(', ')}; phases: ${Object.keys(PHASES).join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const name of chosen) {
  const { file: f, env } = PHASES[name];
  const t0 = Date.now();
  console.error(`=== chaos: ${name} (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')})`);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', f], { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (c, signal) => resolve(signal ? 1 : c ?? 1));
  });
  console.error(`=== chaos: ${name} ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (code !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
