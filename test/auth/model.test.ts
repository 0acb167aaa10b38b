/**
 * The auth layer on its own: permission bits as RocketMQ's plain ACL evaluates them, the ACL store's validation,
 * persistence and refusal of a bad file, both signature schemes against the test's independent implementation,
 * and the start-up checks of the auth/tls keys.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AclStore, AuthError, Authorizer, Perm, parsePerm, permName, permits, topicResource, groupResource, clusterResource } from '../../src/auth/index.js';
import { parseGrpcAuthorization, remotingSignature, remotingSignatureMatches } from '../../src/auth/signature.js';
import { ConfigError, silentLogger, startBroker } from '../../src/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/broker-process.js';
import { signRemoting } from './support.js';

after(removeTempDirs);

describe('permissions', () => {
  it('parses the plain-ACL spellings and evaluates them as RocketMQ does', () => {
    assert.equal(parsePerm('PUB|SUB'), Perm.PUB | Perm.SUB);
    assert.equal(parsePerm('sub|pub'), Perm.PUB | Perm.SUB);
    assert.equal(parsePerm('DENY'), Perm.DENY);
    for (const bad of ['', 'WRITE', 'DENY|PUB', 'PUB|', 'ANY']) assert.equal(parsePerm(bad), undefined, bad);
    assert.equal(permName(Perm.PUB | Perm.SUB), 'PUB|SUB');
    const rows: Array<[number, number, boolean]> = [
      [Perm.PUB, Perm.PUB, true],
      [Perm.PUB, Perm.SUB, false],
      [Perm.SUB, Perm.PUB | Perm.SUB, true],
      [Perm.ANY, Perm.SUB, true],
      [Perm.ANY, Perm.PUB, true],
      [Perm.PUB, Perm.DENY, false],
      [Perm.ANY, Perm.DENY, false],
    ];
    for (const [need, owned, want] of rows) assert.equal(permits(need, owned), want, `${permName(need)} vs ${permName(owned)}`);
  });

  it('retry and dead-letter topics are their group; DENY wins; super users pass all; cluster needs super', async () => {
    assert.deepEqual(topicResource('%RETRY%g1', Perm.PUB), { kind: 'group', name: 'g1', need: Perm.SUB });
    assert.deepEqual(topicResource('%DLQ%g1', Perm.PUB), { kind: 'group', name: 'g1', need: Perm.SUB });
    const store = await AclStore.open(await makeTempDir());
    await store.createUser({ accessKey: 'plainuser', secretKey: 'secret-1', defaultTopicPerm: 'PUB|SUB', defaultGroupPerm: 'SUB' });
    await store.setRule('plainuser', 'topic', 'Secret', 'DENY');
    await store.createUser({ accessKey: 'rootuser', secretKey: 'secret-2', admin: true });
    const a = new Authorizer(store);
    const plain = store.user('plainuser')!;
    assert.equal(a.authorize(plain, [topicResource('Orders', Perm.PUB), groupResource('g', Perm.SUB)]).ok, true);
    const denied = a.authorize(plain, [topicResource('Secret', Perm.SUB)]);
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.kind, 'forbidden');
    assert.equal(a.authorize(plain, [groupResource('g', Perm.PUB)]).ok, false);
    assert.equal(a.authorize(plain, [clusterResource('x')]).ok, false);
    assert.equal(a.authorize(store.user('rootuser')!, [topicResource('Secret', Perm.PUB), clusterResource('x')]).ok, true);
  });
});

describe('ACL store', () => {
  it('validates changes, persists them atomically (0600) and reads them back', async () => {
    const dir = await makeTempDir();
    const store = await AclStore.open(dir);
    const refused = async (p: Promise<unknown>, code: string, msg: RegExp): Promise<void> => {
      await assert.rejects(p, (e: unknown) => e instanceof AuthError && e.code === code && msg.test(e.message));
    };
    await refused(store.createUser({ accessKey: 'ab', secretKey: 'secret-1' }), 'BAD_REQUEST', /access key must be 6-64/);
    await refused(store.createUser({ accessKey: 'okuser', secretKey: '123' }), 'BAD_REQUEST', /secret key must be 6-128 characters$/);
    await refused(store.createUser({ accessKey: 'okuser', secretKey: 'secret-1', defaultTopicPerm: 'ALL' }), 'BAD_REQUEST', /defaultTopicPerm must be one of/);
    await store.createUser({ accessKey: 'okuser', secretKey: 'secret-1' });
    await refused(store.createUser({ accessKey: 'okuser', secretKey: 'secret-1' }), 'ALREADY_EXISTS', /already exists/);
    await refused(store.setRule('nouser', 'topic', 'T', 'PUB'), 'NOT_FOUND', /no user with access key nouser/);
    await refused(store.setRule('okuser', 'topic', 'bad name!', 'PUB'), 'BAD_REQUEST', /topic name must be/);
    await refused(store.setRule('okuser', 'group', 'g', undefined), 'NOT_FOUND', /has no rule on group g/);
    await store.setRule('okuser', 'topic', 'Orders', 'PUB');
    await store.setRule('okuser', 'group', 'g-orders', 'PUB|SUB');
    await store.updateUser('okuser', { secretKey: 'secret-rotated', defaultGroupPerm: 'SUB' });
    // Concurrent changes are applied one after the other, none lost.
    await Promise.all(['A1', 'A2', 'A3', 'A4'].map((t) => store.setRule('okuser', 'topic', t, 'SUB')));
    const path = join(dir, 'acl.json');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const again = await AclStore.open(dir);
    assert.deepEqual(again.list(), store.list());
    assert.equal(again.user('okuser')!.secretKey, 'secret-rotated');
    assert.deepEqual(Object.keys(again.view('okuser').topicPerms).sort(), ['A1', 'A2', 'A3', 'A4', 'Orders']);
    assert.ok(!JSON.stringify(again.list()).includes('secret-rotated'), 'views never hold the secret');
    await again.deleteUser('okuser');
    assert.equal((await AclStore.open(dir)).size, 0);
  });

  it('refuses a bad acl.json naming the file, and the broker does not start on it', async () => {
    const dir = await makeTempDir();
    await writeFile(join(dir, 'acl.json'), '{"version":1,"users":[{"accessKey":"x"}]}');
    await assert.rejects(AclStore.open(dir), /ACL file .*acl\.json is invalid: user "x"/);
    await assert.rejects(
      startBroker({ dataDir: dir, grpcPort: 0, httpPort: 0, namesrvPort: 0, remotingPort: 0, logger: silentLogger() }),
      /acl\.json is invalid/,
    );
    await writeFile(join(dir, 'acl.json'), '{"version":2,"users":[]}');
    await assert.rejects(AclStore.open(dir), /format version 2; this Apogee reads version 1/);
    await writeFile(join(dir, 'acl.json'), '{not json');
    await assert.rejects(AclStore.open(dir), /is not valid JSON/);
  });
});

describe('signatures', () => {
  it('remoting: the same bytes as the test helper (Java String key order, body appended), and only those', () => {
    const fields = { topic: 'T', b: 'x', B: 'y', _x: 'z', a: 'ü', queueId: '3' };
    const body = Buffer.from('payload');
    const signed = signRemoting('akuser1', 'sk-1', fields, body);
    const { Signature: _s, ...unsigned } = signed;
    assert.equal(remotingSignature('sk-1', unsigned, body), signed.Signature);
    assert.equal(remotingSignatureMatches('sk-1', signed, body), true);
    assert.equal(remotingSignatureMatches('sk-2', signed, body), false);
    assert.equal(remotingSignatureMatches('sk-1', signed, Buffer.from('other')), false);
    assert.equal(remotingSignatureMatches('sk-1', { ...signed, queueId: '4' }, body), false);
    assert.equal(remotingSignatureMatches('sk-1', { ...signed, Signature: 'not base64 at all' }, body), false);
  });

  it('remoting: a 4.9.3-or-older client that left _UNIQUE_KEY_QUERY out of its signature verifies', () => {
    const fields = { topic: 'T', key: 'K', AccessKey: 'akuser1' };
    const oldStyle = createHmac('sha1', 'sk-1').update(['akuser1', 'K', 'T'].join('')).digest('base64');
    assert.equal(remotingSignatureMatches('sk-1', { ...fields, _UNIQUE_KEY_QUERY: 'false', Signature: oldStyle }, undefined), true);
    const newStyle = signRemoting('akuser1', 'sk-1', { topic: 'T', key: 'K', _UNIQUE_KEY_QUERY: 'false' });
    assert.equal(remotingSignatureMatches('sk-1', newStyle, undefined), true);
  });

  it('gRPC: parses the v2 authorization value', () => {
    assert.deepEqual(parseGrpcAuthorization('MQv2-HMAC-SHA1 Credential=ak1, SignedHeaders=x-mq-date-time, Signature=ABCD'), { accessKey: 'ak1', signature: 'ABCD' });
    assert.deepEqual(parseGrpcAuthorization('MQv2-HMAC-SHA1 Credential=ak1/region/svc, SignedHeaders=x-mq-date-time, Signature=ab'), { accessKey: 'ak1', signature: 'ab' });
    assert.match(String(parseGrpcAuthorization('Bearer xyz')), /must use the MQv2-HMAC-SHA1 scheme/);
    assert.match(String(parseGrpcAuthorization('MQv2-HMAC-SHA1 SignedHeaders=x, Signature=ab')), /no Credential/);
    assert.match(String(parseGrpcAuthorization('MQv2-HMAC-SHA1 Credential=ak1')), /no Signature/);
  });

  it('gRPC: verifies upper- and lower-case hex, refuses a signature of another date-time', async () => {
    const store = await AclStore.open(await makeTempDir());
    await store.createUser({ accessKey: 'grpcuser', secretKey: 'grpc-secret' });
    const a = new Authorizer(store);
    const sig = createHmac('sha1', 'grpc-secret').update('20250101T000000Z').digest('hex');
    const header = (s: string): string => `MQv2-HMAC-SHA1 Credential=grpcuser, SignedHeaders=x-mq-date-time, Signature=${s}`;
    assert.equal(a.authenticateGrpc(header(sig.toUpperCase()), '20250101T000000Z').ok, true);
    assert.equal(a.authenticateGrpc(header(sig), '20250101T000000Z').ok, true);
    assert.equal(a.authenticateGrpc(header(sig), '20250101T000001Z').ok, false);
    assert.equal(a.authenticateGrpc(header('zz'), '20250101T000000Z').ok, false);
    const none = a.authenticateGrpc('', '');
    assert.equal(!none.ok && none.kind, 'unauthenticated');
  });
});

describe('auth and tls config at start', () => {
  const base = { grpcPort: 0, httpPort: 0, namesrvPort: 0, remotingPort: 0, logger: silentLogger() };
  it('refuses auth without an admin token, a lone TLS path, and unreadable TLS files', async () => {
    const dataDir = await makeTempDir();
    await assert.rejects(startBroker({ ...base, dataDir, auth: { enabled: true } }), (e: unknown) => e instanceof ConfigError && /auth\.enabled needs auth\.adminToken/.test(e.message));
    await assert.rejects(startBroker({ ...base, dataDir, tls: { certPath: '/nonexistent/cert.pem' } }), (e: unknown) => e instanceof ConfigError && /tls\.certPath and tls\.keyPath go together/.test(e.message));
    await assert.rejects(startBroker({ ...base, dataDir, tls: { certPath: '/nonexistent/cert.pem', keyPath: '/nonexistent/key.pem' } }), /cannot read TLS certificate \(tls\.certPath\) \/nonexistent\/cert\.pem/);
    const junk = join(dataDir, 'junk.pem');
    await writeFile(junk, 'not a pem');
    await assert.rejects(startBroker({ ...base, dataDir, tls: { certPath: junk, keyPath: junk } }), /are not usable/);
    assert.equal(await readFile(join(dataDir, 'acl.json'), 'utf8').catch(() => 'absent'), 'absent', 'nothing written by refused starts');
  });
});
