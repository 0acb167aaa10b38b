#!/usr/bin/env node
// Runs every compiled test file with Node's own test runner.
// Node 20's `node --test` does not expand globs or directories, so the files are listed here.
// Usage: node scripts/run-tests.mjs [filter-substring ...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'build', 'test');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
let files = walk(testRoot).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files found under build/test (did the build run?)');
  process.exit(1);
}
console.error(`run-tests: ${files.length} files`);
for (const f of files) console.error(`  ${relative(root, f)}`);

// --test-force-exit: a file whose tests are done but that left a handle open (an official client's timer after a
// failed test, say) must not hold the whole run until CI's limit. --test-timeout bounds any single hung test.
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-force-exit', '--test-timeout=600000', ...files], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 1));
