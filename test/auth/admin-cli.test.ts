/**
 * With auth on, the admin API and the CLI need the admin token (401 with a JSON error otherwise; /healthz stays
 * open), users and rules are managed with `apogee user` / `apogee acl`, persisted in acl.json (mode 0600) across a
 * restart, and neither the secret keys nor the token reach any output but the file.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killSpawnedBrokers, makeTempDir, removeTempDirs, runCli, spawnBroker, type CliResult, type SpawnedBroker } from '../helpers/broker-process.js';

const TOKEN = 'cli-admin-token-42';
const SECRET = 'cli-user-secret-1';
const authArgs = ['--auth-enabled', '--auth-admin-token', TOKEN, '--log-level', 'debug'];

let broker: SpawnedBroker;
let dataDir: string;
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--admin', broker.adminUrl]);
const withToken = (...args: string[]): Promise<CliResult> => cli(...args, '--token', TOKEN);

function ok(r: CliResult): string {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  dataDir = await makeTempDir();
  broker = await spawnBroker({ dataDir, args: authArgs });
});
after(async () => {
  await killSpawnedBrokers();
  await removeTempDirs();
});

describe('admin token (auth on)', () => {
  it('refuses the admin API without the token (401 JSON), keeps /healthz open', async () => {
    const health = await fetch(`${broker.adminUrl}/healthz`);
    assert.equal(health.status, 200);
    for (const path of ['/api/topics', '/api/status', '/api/users', '/metrics']) {
      const r = await fetch(broker.adminUrl + path);
      assert.equal(r.status, 401, path);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      const body = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'UNAUTHORIZED');
      assert.match(body.error.message, /admin token required/);
    }
    const wrong = await fetch(`${broker.adminUrl}/api/topics`, { headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /does not match/);
    const right = await fetch(`${broker.adminUrl}/api/topics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(right.status, 200);
    // A refused POST with a body is answered too (the body is drained, not reset).
    const post = await fetch(`${broker.adminUrl}/api/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'T1' }) });
    assert.equal(post.status, 401);
  });

  it('the CLI fails without the token and works with --token or APOGEE_AUTH_ADMIN_TOKEN', async () => {
    const refused = await cli('topic', 'list');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /admin token required.*UNAUTHORIZED, HTTP 401/);
    ok(await withToken('topic', 'list'));
    ok(await runCli(['topic', 'list', '--admin', broker.adminUrl], { env: { APOGEE_AUTH_ADMIN_TOKEN: TOKEN } }));
  });
});

describe('apogee user / apogee acl', () => {
  it('creates, lists, updates and deletes users and rules; never shows a secret', async () => {
    assert.match(ok(await withToken('user', 'create', 'cliuser1', '--secret-key', SECRET, '--default-group-perm', 'sub')), /^created user cliuser1 \(default topic DENY, default group SUB\)\n$/);
    assert.match(ok(await withToken('user', 'create', 'cliadmin', '--secret-key', 'cli-admin-secret', '--super')), /cliadmin \(super user\)/);
    const dup = await withToken('user', 'create', 'cliuser1', '--secret-key', SECRET);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /user cliuser1 already exists \(ALREADY_EXISTS, HTTP 409\)/);
    const bad = await withToken('user', 'create', 'ab', '--secret-key', SECRET);
    assert.match(bad.stderr, /access key must be 6-64 characters/);
    const badPerm = await withToken('user', 'create', 'cliuser2', '--secret-key', SECRET, '--default-topic-perm', 'WRITE');
    assert.equal(badPerm.code, 2, 'a bad perm is a usage error');

    assert.match(ok(await withToken('acl', 'set', 'cliuser1', '--topic', 'CliOrders', '--perm', 'PUB|SUB')), /cliuser1: topic CliOrders = PUB\|SUB/);
    ok(await withToken('acl', 'set', 'cliuser1', '--group', 'g-cli', '--perm', 'DENY'));
    const both = await withToken('acl', 'set', 'cliuser1', '--topic', 'A', '--group', 'B', '--perm', 'PUB');
    assert.equal(both.code, 2);
    const rules = ok(await withToken('acl', 'list', 'cliuser1'));
    assert.match(rules, /cliuser1\s+topic\s+CliOrders\s+PUB\|SUB/);
    assert.match(rules, /cliuser1\s+group\s+g-cli\s+DENY/);
    assert.match(ok(await withToken('user', 'describe', 'cliuser1')), /default group perm:\s+SUB/);
    const list = ok(await withToken('user', 'list'));
    assert.match(list, /cliadmin\s+true/);
    assert.match(list, /cliuser1\s+false\s+DENY\s+SUB\s+2/);
    assert.match(ok(await withToken('user', 'update', 'cliuser1', '--default-topic-perm', 'PUB')), /default topic PUB/);
    ok(await withToken('acl', 'remove', 'cliuser1', '--group', 'g-cli'));
    const missing = await withToken('acl', 'remove', 'cliuser1', '--group', 'g-cli');
    assert.match(missing.stderr, /has no rule on group g-cli \(NOT_FOUND, HTTP 404\)/);

    const asJson = ok(await withToken('user', 'list', '--json'));
    assert.ok(!asJson.includes(SECRET) && !asJson.includes('secretKey'), 'no secret in answers');
    assert.match(ok(await withToken('user', 'delete', 'cliadmin')), /deleted user cliadmin/);
  });

  it('keeps users and rules in acl.json (mode 0600) across a restart; no secret or token in the broker log', async () => {
    const path = join(dataDir, 'acl.json');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.ok((await readFile(path, 'utf8')).includes(SECRET), 'the file holds the secret (HMAC needs it)');
    const log = broker.stderr() + broker.stdout();
    assert.ok(log.length > 0);
    assert.ok(!log.includes(SECRET) && !log.includes(TOKEN), 'no secret or token logged');
    broker.proc.kill('SIGKILL');
    await broker.exited;
    broker = await spawnBroker({ dataDir, args: authArgs });
    const d = JSON.parse(ok(await withToken('user', 'describe', 'cliuser1', '--json'))) as { user: { defaultTopicPerm: string; topicPerms: Record<string, string> } };
    assert.equal(d.user.defaultTopicPerm, 'PUB');
    assert.deepEqual(d.user.topicPerms, { CliOrders: 'PUB|SUB' });
    assert.doesNotMatch(ok(await withToken('user', 'list')), /cliadmin/);
  });

  it('refuses to start with auth on and no admin token; config show hides the token', async () => {
    const r = await runCli(['start', '--data-dir', await makeTempDir(), '--grpc-port', '0', '--http-port', '0', '--namesrv-port', '0', '--remoting-port', '0', '--auth-enabled'], { timeoutMs: 20_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /auth\.enabled needs auth\.adminToken/);
    const shown = ok(await runCli(['config', 'show', '--auth-enabled', '--auth-admin-token', TOKEN]));
    assert.match(shown, /auth\.adminToken\s+"\(set\)"/);
    assert.ok(!shown.includes(TOKEN));
  });
});
