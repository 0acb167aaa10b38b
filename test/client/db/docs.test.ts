/** docs/sdk.md prints the helpers' migration SQL: it must stay exactly what the code runs. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { MYSQL_MIGRATION, POSTGRES_MIGRATION } from '../../../src/client/db/index.js';

/** build/test/client/db/ → docs/sdk.md */
const DOC = new URL('../../../../docs/sdk.md', import.meta.url);

describe('docs/sdk.md', () => {
  it('shows the PostgreSQL and MySQL migrations exactly as exported', async () => {
    const doc = await readFile(DOC, 'utf8');
    assert.ok(doc.includes('## Check-backs from your database'));
    assert.ok(doc.includes(POSTGRES_MIGRATION.trim()), 'the PostgreSQL migration in docs/sdk.md differs from POSTGRES_MIGRATION');
    assert.ok(doc.includes(MYSQL_MIGRATION.trim()), 'the MySQL migration in docs/sdk.md differs from MYSQL_MIGRATION');
  });
});
