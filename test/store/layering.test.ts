/**
 * The layers' import rules (design.md): the store imports nothing from the broker or any protocol; the broker
 * nothing from protocols, admin or CLI. Checked on the sources, so a stray import fails the suite.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

/** build/test/store/ → the repository root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Each import/export-from specifier of a file, resolved to a path under src/ when relative. */
async function imports(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = (m[1] ?? m[2]) as string;
    out.push(spec.startsWith('.') ? relative(join(ROOT, 'src'), join(file, '..', spec)) : spec);
  }
  return out;
}

async function violations(layer: string, forbidden: RegExp): Promise<string[]> {
  const bad: string[] = [];
  for (const f of await sources(join(ROOT, 'src', layer))) {
    for (const i of await imports(f)) if (forbidden.test(i)) bad.push(`${relative(ROOT, f)} imports ${i}`);
  }
  return bad;
}

describe('layering', () => {
  it('finds imports at all (guards the scanner)', async () => {
    const found = await imports(join(ROOT, 'src', 'broker', 'broker.ts'));
    assert.ok(found.includes('store/types.js'), found.join(', '));
  });

  it('store imports nothing from broker, protocol, admin, cli, config', async () => {
    assert.deepEqual(await violations('store', /^(broker|protocol|admin|cli|config|client)\//), []);
  });

  it('broker imports nothing from protocol, admin, cli', async () => {
    assert.deepEqual(await violations('broker', /^(protocol|admin|cli|client)\//), []);
  });

  it('client never imports broker, store or admin; the name server holds no broker logic', async () => {
    assert.deepEqual(await violations('client', /^(broker|store|admin|cli|nameserver)\//), []);
    assert.deepEqual(await violations('nameserver', /^(broker|store|admin|cli)\//), []);
    assert.deepEqual(await violations('protocol/remoting', /^(store|admin|cli|protocol\/grpc)\//), []);
  });

  it('auth is pure: users, rules and signatures, with no broker, store, protocol or admin code', async () => {
    assert.deepEqual(await violations('auth', /^(broker|store|protocol|admin|cli|client|nameserver)\//), []);
  });

  it('admin and cli never reach into the store or protocol code', async () => {
    assert.deepEqual(await violations('cli', /^(store|protocol)\//), []);
    assert.deepEqual(await violations('admin', /^(store\/(?!types\.js$)|protocol\/)/), []);
  });
});
