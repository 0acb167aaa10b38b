/** README.md's configuration table must list every key of the schema with its env variable, flag and default. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { CONFIG_KEYS } from '../../src/config/index.js';

describe('README configuration reference', () => {
  it('has one row per config key with the derived env, flag and default', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = readme.split('\n').filter((l) => /^\| `[a-zA-Z.]+` \| `APOGEE_/.test(l));
    assert.equal(rows.length, CONFIG_KEYS.length, 'one row per key');
    for (const k of CONFIG_KEYS) {
      const row = rows.find((r) => r.startsWith(`| \`${k.key}\` |`));
      assert.ok(row, `README lists ${k.key}`);
      const cells = row.split('|').map((c) => c.trim());
      assert.equal(cells[2], `\`${k.env}\``, `${k.key} env`);
      assert.equal(cells[3], `\`${k.flag}\``, `${k.key} flag`);
      assert.ok(cells[4]!.startsWith(`\`${String(k.defaultValue)}\``), `${k.key} default ${String(k.defaultValue)}, README says ${cells[4]}`);
    }
  });
});
