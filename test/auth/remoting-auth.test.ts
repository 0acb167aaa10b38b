/**
 * Authentication and ACL on the remoting listeners (broker and name server) with the project's remoting client,
 * each request signed in the test as RocketMQ's AclClientRPCHook signs it. Refusals are NO_PERMISSION (16) with a
 * remark naming the user and the resource; both header serializations (JSON, ROCKETMQ binary) verify.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode, SerializeType } from '../../src/protocol/remoting/codes.js';
import { bodies, pullHeader, sendV2 } from '../remoting/support/remoting.js';
import { ADMIN_TOKEN, createTopic, createUser, leakedSecrets, signRemoting, startSecureBroker, type SecureBroker } from './support.js';

const TOPIC = 'RemAuthOrders';
const GROUP = 'g-rem-auth';
const SECRETS = { producer: 'rprod-secret', consumer: 'rcons-secret', super: 'rsuper-secret', denied: 'rdeny-secret' };

describe('remoting authentication and ACL (AclClientRPCHook signatures)', () => {
  let b: SecureBroker;
  let broker: RemotingClient;
  let binary: RemotingClient;
  let namesrv: RemotingClient;

  before(async () => {
    b = await startSecureBroker();
    await createTopic(b, TOPIC);
    await createUser(b, { accessKey: 'rproducer', secretKey: SECRETS.producer }, { topics: { [TOPIC]: 'PUB' } });
    await createUser(b, { accessKey: 'rconsumer', secretKey: SECRETS.consumer }, { topics: { [TOPIC]: 'SUB' }, groups: { [GROUP]: 'SUB' } });
    await createUser(b, { accessKey: 'rsuperuser', secretKey: SECRETS.super, admin: true });
    await createUser(b, { accessKey: 'rdenied', secretKey: SECRETS.denied, defaultTopicPerm: 'PUB|SUB', defaultGroupPerm: 'PUB|SUB' }, { topics: { [TOPIC]: 'DENY' } });
    const rem = b.running.remotingEndpoint!;
    const ns = b.running.namesrvEndpoint!;
    broker = await RemotingClient.connect({ host: rem.host, port: rem.port });
    binary = await RemotingClient.connect({ host: rem.host, port: rem.port, serializeType: SerializeType.ROCKETMQ });
    namesrv = await RemotingClient.connect({ host: ns.host, port: ns.port });
  });
  after(async () => {
    for (const c of [broker, binary, namesrv]) c?.close();
    await b?.close();
  });

  test('name server: route look-ups need a valid signature, nothing more', async () => {
    const ok = await namesrv.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, signRemoting('rconsumer', SECRETS.consumer, { topic: TOPIC }));
    assert.equal(ok.code, ResponseCode.SUCCESS, ok.remark);
    const unsigned = await namesrv.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: TOPIC });
    assert.equal(unsigned.code, ResponseCode.NO_PERMISSION);
    assert.match(unsigned.remark ?? '', /no AccessKey/);
    const wrong = await namesrv.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, signRemoting('rconsumer', 'not-the-secret', { topic: TOPIC }));
    assert.equal(wrong.code, ResponseCode.NO_PERMISSION);
    assert.match(wrong.remark ?? '', /signature does not match for access key rconsumer/);
    const unknown = await namesrv.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, signRemoting('ghost01', 'whatever', { topic: TOPIC }));
    assert.equal(unknown.code, ResponseCode.NO_PERMISSION);
    assert.match(unknown.remark ?? '', /unknown access key ghost01/);
    // A field changed after signing breaks the signature.
    const tampered = { ...signRemoting('rconsumer', SECRETS.consumer, { topic: TOPIC }), topic: 'Other' };
    assert.equal((await namesrv.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, tampered)).code, ResponseCode.NO_PERMISSION);
    const write = await namesrv.invoke(RequestCode.PUT_KV_CONFIG, signRemoting('rconsumer', SECRETS.consumer, { namespace: 'ns', key: 'k', value: 'v' }));
    assert.equal(write.code, ResponseCode.NO_PERMISSION, 'name-server writes need a super user');
    assert.match(write.remark ?? '', /super user only/);
  });

  test('send needs PUB on the topic: the body is signed too (JSON and binary headers)', async () => {
    const body = Buffer.from('rem-signed-1');
    const sent = await broker.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rproducer', SECRETS.producer, sendV2(TOPIC, 0, { UNIQ_KEY: 'REMAUTH0001' }), body), body);
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const bin = Buffer.from('rem-signed-2');
    const sentBin = await binary.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rproducer', SECRETS.producer, sendV2(TOPIC, 0, { UNIQ_KEY: 'REMAUTH0002' }), bin), bin);
    assert.equal(sentBin.code, ResponseCode.SUCCESS, sentBin.remark);
    // Signed over another body: refused.
    const swapped = await broker.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rproducer', SECRETS.producer, sendV2(TOPIC, 0, { UNIQ_KEY: 'REMAUTH0003' }), body), Buffer.from('swapped'));
    assert.equal(swapped.code, ResponseCode.NO_PERMISSION);
    const subOnly = await broker.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rconsumer', SECRETS.consumer, sendV2(TOPIC, 0, { UNIQ_KEY: 'REMAUTH0004' }), body), body);
    assert.equal(subOnly.code, ResponseCode.NO_PERMISSION);
    assert.match(subOnly.remark ?? '', /user rconsumer has no permission on topic RemAuthOrders \(needs PUB\)/);
  });

  test('pull needs SUB on topic and group', async () => {
    const pulled = await broker.invoke(RequestCode.PULL_MESSAGE, signRemoting('rconsumer', SECRETS.consumer, pullHeader(GROUP, TOPIC, 0, 0)));
    assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark);
    assert.deepEqual(bodies(pulled), ['rem-signed-1', 'rem-signed-2']);
    const producerPull = await broker.invoke(RequestCode.PULL_MESSAGE, signRemoting('rproducer', SECRETS.producer, pullHeader(GROUP, TOPIC, 0, 0)));
    assert.equal(producerPull.code, ResponseCode.NO_PERMISSION);
    assert.match(producerPull.remark ?? '', /user rproducer has no permission on (topic RemAuthOrders|group g-rem-auth) \(needs SUB\)/);
    const offset = await broker.invoke(RequestCode.QUERY_CONSUMER_OFFSET, signRemoting('rproducer', SECRETS.producer, { consumerGroup: GROUP, topic: TOPIC, queueId: '0' }));
    assert.equal(offset.code, ResponseCode.NO_PERMISSION);
  });

  test('a consumer heartbeat needs SUB on its group and subscribed topics', async () => {
    const hb = (group: string): Buffer =>
      Buffer.from(JSON.stringify({ clientID: `hb-${group}`, producerDataSet: [], consumerDataSet: [{ groupName: group, consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptionDataSet: [{ topic: TOPIC, subString: '*', tagsSet: [], codeSet: [], subVersion: 1, expressionType: 'TAG' }], unitMode: false }] }));
    const ok = hb(GROUP);
    assert.equal((await broker.invoke(RequestCode.HEART_BEAT, signRemoting('rconsumer', SECRETS.consumer, {}, ok), ok)).code, ResponseCode.SUCCESS);
    const other = hb('g-not-granted');
    const refused = await broker.invoke(RequestCode.HEART_BEAT, signRemoting('rconsumer', SECRETS.consumer, {}, other), other);
    assert.equal(refused.code, ResponseCode.NO_PERMISSION);
    assert.match(refused.remark ?? '', /group g-not-granted/);
  });

  test('administration needs a super user; the super user may do everything', async () => {
    const spec = { topic: 'RemAuthCreated', readQueueNums: '2', writeQueueNums: '2', perm: '6' };
    const refused = await broker.invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, signRemoting('rproducer', SECRETS.producer, spec));
    assert.equal(refused.code, ResponseCode.NO_PERMISSION);
    assert.match(refused.remark ?? '', /user rproducer has no permission on request UPDATE_AND_CREATE_TOPIC\(17\) \(super user only\)/);
    const created = await broker.invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, signRemoting('rsuperuser', SECRETS.super, spec));
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
    const body = Buffer.from('by-super');
    const sent = await broker.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rsuperuser', SECRETS.super, sendV2('RemAuthCreated', 0, { UNIQ_KEY: 'REMAUTH0005' }), body), body);
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const pulled = await broker.invoke(RequestCode.PULL_MESSAGE, signRemoting('rsuperuser', SECRETS.super, pullHeader('g-any', 'RemAuthCreated', 0, 0)));
    assert.deepEqual(bodies(pulled), ['by-super']);
  });

  test('DENY on a topic wins over a PUB|SUB default', async () => {
    const body = Buffer.from('x');
    const denied = await broker.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rdenied', SECRETS.denied, sendV2(TOPIC, 0, { UNIQ_KEY: 'REMAUTH0006' }), body), body);
    assert.equal(denied.code, ResponseCode.NO_PERMISSION);
    const elsewhere = await broker.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rdenied', SECRETS.denied, sendV2('RemAuthCreated', 0, { UNIQ_KEY: 'REMAUTH0007' }), body), body);
    assert.equal(elsewhere.code, ResponseCode.SUCCESS, elsewhere.remark);
  });

  test('sending back to %RETRY%<group> counts as the group (SUB), not as a topic', async () => {
    const body = Buffer.from('retry');
    const header = { ...sendV2(`%RETRY%${GROUP}`, 0, { UNIQ_KEY: 'REMAUTH0008' }), a: GROUP };
    const asConsumer = await broker.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rconsumer', SECRETS.consumer, header, body), body);
    assert.notEqual(asConsumer.code, ResponseCode.NO_PERMISSION, asConsumer.remark);
    const asProducer = await broker.invoke(RequestCode.SEND_MESSAGE_V2, signRemoting('rproducer', SECRETS.producer, header, body), body);
    assert.equal(asProducer.code, ResponseCode.NO_PERMISSION);
  });

  test('no secret, signature or admin token in any log line', () => {
    assert.ok(b.logs.some((l) => l.includes('refused by auth')), 'refusals were logged (at debug)');
    assert.deepEqual(leakedSecrets(b.logs, [...Object.values(SECRETS), ADMIN_TOKEN]), []);
  });
});
