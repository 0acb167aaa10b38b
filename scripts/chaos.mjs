#!/usr/bin/env node
// The long reliability runs (issue 13): the fuzz suite with 10 000 requests per port (APOGEE_FUZZ_COUNT; set
// APOGEE_FUZZ_SEED to replay a run). `npm test` runs the same files with short counts.
// Usage: npm run chaos            (needs `npm run build` first; the npm script does it)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const files = ['fuzz/fuzz.test.js'].map((f) => fileURLToPath(new URL(`../build/test/${f}`, import.meta.url)));
const env = { ...process.env, APOGEE_FUZZ_COUNT: process.env.APOGEE_FUZZ_COUNT ?? '10000' };
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 1));
