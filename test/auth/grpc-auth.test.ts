/**
 * Authentication and ACL on the gRPC front with the official Node client's `sessionCredentials`: the right
 * credentials send and receive; a wrong secret, an unknown user and no credentials are UNAUTHORIZED (40100); a
 * missing permission is FORBIDDEN (40300) and names the user and the resource; a super user may do everything;
 * DENY wins over a permissive default. No secret appears in any log line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import type { Metadata } from '@grpc/grpc-js';
import { createHmac } from 'node:crypto';
import { Code, Encoding, Message, MessageType } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { call, clientMetadata, quietLogger, rawClient } from '../grpc/support/harness.js';
import { codeOf, receiveUntil } from '../grpc/support/official.js';
import { ADMIN_TOKEN, createTopic, createUser, leakedSecrets, startSecureBroker, type SecureBroker } from './support.js';

const TOPIC = 'AuthOrders';
const OTHER = 'AuthOther';
const GROUP = 'g-auth-orders';
const SECRETS = { producer: 'prod-secret-1', consumer: 'cons-secret-1', super: 'super-secret-1', denied: 'deny-secret-1' };

type Creds = { accessKey: string; accessSecret: string };
const creds = (accessKey: string, accessSecret: string): Creds => ({ accessKey, accessSecret });

function producer(endpoint: string, topic: string, c: Creds | undefined): Producer {
  return new Producer({ endpoints: endpoint, namespace: '', logger: quietLogger, topic, requestTimeout: 5000, ...(c ? { sessionCredentials: c } : {}) });
}

function consumer(endpoint: string, group: string, topic: string, c: Creds): SimpleConsumer {
  return new SimpleConsumer({
    endpoints: endpoint,
    namespace: '',
    logger: quietLogger,
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 500,
    requestTimeout: 5000,
    sessionCredentials: c,
  });
}

/** Metadata as the official clients sign it (computed here from the documented rule, not with src/auth). */
function signedMetadata(accessKey: string, secret: string, dateTime = '20250101T120000Z', signWith = secret): Metadata {
  const md = clientMetadata('auth-raw-client');
  const signature = createHmac('sha1', signWith).update(dateTime).digest('hex').toUpperCase();
  md.set('x-mq-date-time', dateTime);
  md.set('authorization', `MQv2-HMAC-SHA1 Credential=${accessKey}, SignedHeaders=x-mq-date-time, Signature=${signature}`);
  return md;
}

let rawCount = 0;
function rawMessage(topic: string): Message {
  rawCount++;
  return Message.fromPartial({
    topic: { resourceNamespace: '', name: topic },
    body: Buffer.from('raw'),
    systemProperties: { messageId: `AUTHRAW${String(rawCount).padStart(25, '0')}`, messageType: MessageType.NORMAL, bodyEncoding: Encoding.IDENTITY, bornHost: 'h', keys: [] },
  });
}

describe('gRPC authentication and ACL (official Node client)', () => {
  let b: SecureBroker;
  const clients: Array<{ shutdown(): Promise<void> }> = [];
  const started = async <T extends { startup(): Promise<void>; shutdown(): Promise<void> }>(c: T): Promise<T> => {
    clients.push(c);
    await c.startup();
    return c;
  };
  /** The v2 code a failing call carries. */
  const failure = async (p: Promise<unknown>): Promise<{ code: number | undefined; message: string }> => {
    try {
      await p;
    } catch (err) {
      const messages: string[] = [];
      for (let e = err as { message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) messages.push(String(e.message));
      return { code: codeOf(err), message: messages.join(' <- ') };
    }
    assert.fail('expected the call to fail');
  };

  before(async () => {
    b = await startSecureBroker();
    await createTopic(b, TOPIC);
    await createTopic(b, OTHER);
    await createUser(b, { accessKey: 'producer1', secretKey: SECRETS.producer }, { topics: { [TOPIC]: 'PUB' } });
    await createUser(b, { accessKey: 'consumer1', secretKey: SECRETS.consumer }, { topics: { [TOPIC]: 'SUB' }, groups: { [GROUP]: 'SUB' } });
    await createUser(b, { accessKey: 'superuser', secretKey: SECRETS.super, admin: true });
    await createUser(b, { accessKey: 'denied01', secretKey: SECRETS.denied, defaultTopicPerm: 'PUB|SUB', defaultGroupPerm: 'PUB|SUB' }, { topics: { [TOPIC]: 'DENY' } });
  });
  after(async () => {
    for (const c of clients) await c.shutdown().catch(() => {});
    await b?.close();
  });

  test('right credentials: a PUB user sends, a SUB user receives', async () => {
    const p = await started(producer(b.grpc, TOPIC, creds('producer1', SECRETS.producer)));
    const receipt = await p.send({ topic: TOPIC, body: Buffer.from('signed-1') });
    assert.ok(receipt.messageId);
    const c = await started(consumer(b.grpc, GROUP, TOPIC, creds('consumer1', SECRETS.consumer)));
    const got = await receiveUntil(c, 1, 8000);
    assert.deepEqual(got.map((m) => m.body.toString()), ['signed-1']);
  });

  test('wrong secret: UNAUTHORIZED (40100)', async () => {
    const f = await failure(started(producer(b.grpc, TOPIC, creds('producer1', 'not-the-secret'))));
    assert.equal(f.code, 40100, f.message);
    assert.match(f.message, /signature does not match for access key producer1/);
  });

  test('unknown user: UNAUTHORIZED (40100)', async () => {
    const f = await failure(started(producer(b.grpc, TOPIC, creds('nobody42', 'whatever-secret'))));
    assert.equal(f.code, 40100, f.message);
    assert.match(f.message, /unknown access key nobody42/);
  });

  test('no credentials at all: UNAUTHORIZED (40100)', async () => {
    const f = await failure(started(producer(b.grpc, TOPIC, undefined)));
    assert.equal(f.code, 40100, f.message);
  });

  test('missing permission: a SUB-only user cannot publish (FORBIDDEN 40300, naming user and topic)', async () => {
    // As RocketMQ 5: its route look-up passes (PUB or SUB is enough) but its Settings (publishing the topic) are refused.
    const f = await failure(started(producer(b.grpc, TOPIC, creds('consumer1', SECRETS.consumer))));
    assert.equal(f.code, 40300, f.message);
    assert.match(f.message, /user consumer1 has no permission on topic AuthOrders \(needs PUB\)/);
  });

  test('missing permission: SendMessage itself is refused for a SUB-only user (raw signed call)', async () => {
    const raw = rawClient(b.grpc);
    try {
      const res = await call(raw.sendMessage, raw, { messages: [rawMessage(TOPIC)] }, signedMetadata('consumer1', SECRETS.consumer));
      assert.equal(res.status?.code, Code.FORBIDDEN, res.status?.message);
      assert.match(res.status?.message ?? '', /user consumer1 has no permission on topic AuthOrders/);
      const ok = await call(raw.sendMessage, raw, { messages: [rawMessage(TOPIC)] }, signedMetadata('producer1', SECRETS.producer));
      assert.equal(ok.status?.code, Code.OK, ok.status?.message);
      const bad = await call(raw.sendMessage, raw, { messages: [rawMessage(TOPIC)] }, signedMetadata('producer1', SECRETS.producer, '20200101T000000Z', 'wrong'));
      assert.equal(bad.status?.code, Code.UNAUTHORIZED, bad.status?.message);
    } finally {
      raw.close();
    }
  });

  test('missing permission: a PUB-only user cannot consume (FORBIDDEN 40300 on its group)', async () => {
    const f = await failure(started(consumer(b.grpc, GROUP, TOPIC, creds('producer1', SECRETS.producer))));
    assert.equal(f.code, 40300, f.message);
    assert.match(f.message, /user producer1 has no permission on group g-auth-orders/);
  });

  test('super user: sends and receives on a topic and group it has no rule for', async () => {
    const p = await started(producer(b.grpc, OTHER, creds('superuser', SECRETS.super)));
    await p.send({ topic: OTHER, body: Buffer.from('by-super') });
    const c = await started(consumer(b.grpc, 'g-auth-super', OTHER, creds('superuser', SECRETS.super)));
    const got = await receiveUntil(c, 1, 8000);
    assert.deepEqual(got.map((m) => m.body.toString()), ['by-super']);
  });

  test('DENY wins over a PUB|SUB default: refused on the denied topic, allowed elsewhere', async () => {
    const f = await failure(started(producer(b.grpc, TOPIC, creds('denied01', SECRETS.denied))));
    assert.equal(f.code, 40300, f.message);
    const p = await started(producer(b.grpc, OTHER, creds('denied01', SECRETS.denied)));
    assert.ok((await p.send({ topic: OTHER, body: Buffer.from('default allows') })).messageId);
  });

  test('a rule changed through the admin API applies to the next request', async () => {
    assert.equal((await failure(started(producer(b.grpc, TOPIC, creds('consumer1', SECRETS.consumer))))).code, 40300);
    assert.equal((await b.admin('PUT', `/api/users/consumer1/topics/${TOPIC}`, { perm: 'PUB|SUB' })).status, 200);
    const p = await started(producer(b.grpc, TOPIC, creds('consumer1', SECRETS.consumer)));
    assert.ok((await p.send({ topic: TOPIC, body: Buffer.from('now allowed') })).messageId);
    assert.equal((await b.admin('PUT', `/api/users/consumer1/topics/${TOPIC}`, { perm: 'SUB' })).status, 200);
  });

  test('no secret, signature or admin token in any log line', () => {
    assert.ok(b.logs.some((l) => l.includes('refused by auth')), 'refusals were logged (at debug)');
    assert.deepEqual(leakedSecrets(b.logs, [...Object.values(SECRETS), ADMIN_TOKEN, 'MQv2-HMAC-SHA1']), []);
  });
});
