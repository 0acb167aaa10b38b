/**
 * The remoting front against a real broker (startBroker: gRPC, name server, remoting on free ports), driven
 * with the project's remoting client over real sockets: routes, sends in both header types, pulls with filters
 * and long polling, offsets, heartbeats and rebalance lists, send-back to retry and DLQ, queue locks, message
 * ids, and one broker core shared with gRPC (the official Node client on the other side).
 */
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode, SerializeType } from '../../src/protocol/remoting/codes.js';
import { decodeMessages, decodeProperties, encodeBatch } from '../../src/protocol/remoting/message-codec.js';
import { officialProducer, officialSimpleConsumer, receiveUntil } from '../grpc/support/official.js';
import { bodies, pullHeader, sendV2, startRemotingHarness, waitFor, type RemotingHarness } from './support/remoting.js';

describe('remoting: name server and broker', () => {
  let h: RemotingHarness;
  let c: RemotingClient;
  let bin: RemotingClient;

  before(async () => {
    h = await startRemotingHarness();
    await h.running.broker.createTopic({ name: 'Orders', messageType: 'NORMAL', queueNums: 4 });
    await h.running.broker.createTopic({ name: 'Cross', messageType: 'NORMAL', queueNums: 1 });
    c = await h.client(SerializeType.JSON);
    bin = await h.client(SerializeType.ROCKETMQ);
  });
  after(async () => {
    await h?.close();
  });

  test('name server: route of a topic points at the remoting port; unknown topic → TOPIC_NOT_EXIST; cluster and topic lists', async () => {
    const ns = await RemotingClient.connect(h.namesrv);
    try {
      const r = await ns.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Orders' });
      assert.equal(r.code, ResponseCode.SUCCESS);
      const route = JSON.parse(r.body!.toString()) as { queueDatas: Array<{ brokerName: string; readQueueNums: number; writeQueueNums: number; perm: number }>; brokerDatas: Array<{ cluster: string; brokerAddrs: Record<string, string> }> };
      assert.deepEqual(route.queueDatas, [{ brokerName: 'apogee', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }]);
      assert.equal(route.brokerDatas[0]?.brokerAddrs['0'], `${h.remoting.host}:${h.remoting.port}`);
      assert.equal(route.brokerDatas[0]?.cluster, 'DefaultCluster');
      const missing = await ns.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'NoSuchTopic' });
      assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
      assert.match(missing.remark ?? '', /NoSuchTopic/);
      const cluster = JSON.parse((await ns.invoke(RequestCode.GET_BROKER_CLUSTER_INFO, {})).body!.toString()) as { clusterAddrTable: Record<string, string[]> };
      assert.deepEqual(cluster.clusterAddrTable, { DefaultCluster: ['apogee'] });
      const list = JSON.parse((await ns.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {})).body!.toString()) as { topicList: string[] };
      assert.ok(list.topicList.includes('Orders') && list.topicList.includes('Cross'));
      const unsupported = await ns.invoke(RequestCode.PULL_MESSAGE, {});
      assert.equal(unsupported.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
      assert.match(unsupported.remark ?? '', /PULL_MESSAGE\(11\)/);
    } finally {
      ns.close();
    }
  });

  test('SEND_MESSAGE_V2 (JSON and binary headers) and SEND_MESSAGE, then PULL with a tag filter', async () => {
    const a = await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Orders', 1, { TAGS: 'paid', KEYS: 'order-1 customer-7', UNIQ_KEY: 'AAAA0001', region: 'eu' }), Buffer.from('order-1'));
    assert.equal(a.code, ResponseCode.SUCCESS, a.remark);
    assert.match(a.extFields['msgId'] ?? '', /^[0-9A-F]{32}$/);
    assert.equal(a.extFields['queueId'], '1');
    assert.equal(a.extFields['queueOffset'], '0');
    const b = await bin.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Orders', 1, { TAGS: 'created', UNIQ_KEY: 'AAAA0002' }), Buffer.from('order-2'));
    assert.equal(b.code, ResponseCode.SUCCESS, b.remark);
    assert.equal(b.serializeType, SerializeType.ROCKETMQ, 'answered in the binary type');
    const v1 = { producerGroup: 'pg', topic: 'Orders', defaultTopic: 'TBW102', defaultTopicQueueNums: '4', queueId: '1', sysFlag: '0', bornTimestamp: String(Date.now()), flag: '0', properties: 'TAGS\u0001paid\u0002', reconsumeTimes: '0', unitMode: 'false' };
    const v = await c.invoke(RequestCode.SEND_MESSAGE, v1, Buffer.from('order-3'));
    assert.equal(v.code, ResponseCode.SUCCESS, v.remark);

    const all = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-pull', 'Orders', 1, 0));
    assert.equal(all.code, ResponseCode.SUCCESS);
    assert.deepEqual(bodies(all), ['order-1', 'order-2', 'order-3']);
    const [first] = decodeMessages(all.body!);
    const props = decodeProperties(first!.properties);
    assert.equal(props['TAGS'], 'paid');
    assert.equal(props['KEYS'], 'order-1 customer-7');
    assert.equal(props['UNIQ_KEY'], 'AAAA0001');
    assert.equal(props['region'], 'eu');
    assert.equal(props['__MESSAGE_TYPE'], undefined, 'internal properties stay inside');
    assert.equal(all.extFields['nextBeginOffset'], '3');
    assert.equal(all.extFields['maxOffset'], '3');

    const paid = await bin.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-pull', 'Orders', 1, 0, { subscription: 'paid' }));
    assert.deepEqual(bodies(paid), ['order-1', 'order-3']);
    const none = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-pull', 'Orders', 1, 0, { subscription: 'shipped' }));
    assert.equal(none.code, ResponseCode.PULL_RETRY_IMMEDIATELY, 'entries scanned, nothing matched');
    assert.equal(none.extFields['nextBeginOffset'], '3');
    const sql = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-pull', 'Orders', 1, 0, { subscription: "region = 'eu'", expressionType: 'SQL92' }));
    assert.deepEqual(bodies(sql), ['order-1']);
    const moved = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-pull', 'Orders', 1, 99));
    assert.equal(moved.code, ResponseCode.PULL_OFFSET_MOVED);
    assert.equal(moved.extFields['nextBeginOffset'], '3');
  });

  test('a pull with nothing new is held until a message arrives (long polling), or answers PULL_NOT_FOUND at its suspend time', async () => {
    const t0 = Date.now();
    const empty = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-lp', 'Orders', 2, 0, { suspendTimeoutMillis: '400' }));
    assert.equal(empty.code, ResponseCode.PULL_NOT_FOUND);
    assert.ok(Date.now() - t0 >= 350, `held ${Date.now() - t0} ms`);
    const held = c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-lp', 'Orders', 2, 0, { suspendTimeoutMillis: '10000' }), undefined, 15_000);
    await new Promise((r) => setTimeout(r, 200));
    const t1 = Date.now();
    await bin.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Orders', 2, { UNIQ_KEY: 'LP01' }), Buffer.from('wake'));
    const r = await held;
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.deepEqual(bodies(r), ['wake']);
    assert.ok(Date.now() - t1 < 2000, 'woken by the arrival, not by the timeout');
  });

  test('consumer offsets: a new group starts at 0 on a queue that still holds its first message; commits are read back; min/max/search', async () => {
    const q = await c.invoke(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'g-off', topic: 'Orders', queueId: '1' });
    assert.equal(q.code, ResponseCode.SUCCESS);
    assert.equal(q.extFields['offset'], '0');
    const notFound = await c.invoke(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'g-off', topic: 'Orders', queueId: '1', setZeroIfNotFound: 'false' });
    assert.equal(notFound.code, ResponseCode.QUERY_NOT_FOUND);
    const empty = await c.invoke(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'g-off', topic: 'Orders', queueId: '3' });
    assert.equal(empty.code, ResponseCode.QUERY_NOT_FOUND, 'empty queue: the client starts from the max offset');
    const u = await c.invoke(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'g-off', topic: 'Orders', queueId: '1', commitOffset: '2' });
    assert.equal(u.code, ResponseCode.SUCCESS);
    assert.equal((await c.invoke(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: 'g-off', topic: 'Orders', queueId: '1' })).extFields['offset'], '2');
    assert.equal(h.running.broker.queryOffset('g-off', 'Orders', 1), 2, 'the same offset the gRPC side reads');
    assert.equal((await c.invoke(RequestCode.GET_MAX_OFFSET, { topic: 'Orders', queueId: '1' })).extFields['offset'], '3');
    assert.equal((await c.invoke(RequestCode.GET_MIN_OFFSET, { topic: 'Orders', queueId: '1' })).extFields['offset'], '0');
    const s = await c.invoke(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { topic: 'Orders', queueId: '1', timestamp: String(Date.now() + 60_000) });
    assert.equal(s.code, ResponseCode.SUCCESS);
    assert.equal(s.extFields['offset'], '3');
    const bad = await c.invoke(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'g-off', topic: 'Orders', queueId: '1', commitOffset: '99' });
    assert.equal(bad.code, ResponseCode.INVALID_PARAMETER);
    assert.equal(h.running.broker.queryOffset('g-off', 'Orders', 1), 2, 'a refused commit changes nothing');
  });

  test('heartbeats: consumer list per group, NOTIFY_CONSUMER_IDS_CHANGED on join, subscription used by pulls without one, unregister', async () => {
    const notified: string[] = [];
    const c1 = await h.client(SerializeType.JSON, (r) => {
      if (r.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED) notified.push(r.extFields['consumerGroup'] ?? '');
      return undefined;
    });
    const c2 = await h.client(SerializeType.JSON);
    const hb = (id: string, sub: string): Buffer =>
      Buffer.from(JSON.stringify({
        clientID: id,
        producerDataSet: [{ groupName: 'CLIENT_INNER_PRODUCER' }],
        consumerDataSet: [{ groupName: 'g-hb', consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptionDataSet: [{ topic: 'Orders', subString: sub, expressionType: 'TAG', subVersion: 1 }], unitMode: false }],
      }));
    assert.equal((await c1.invoke(RequestCode.HEART_BEAT, {}, hb('10.0.0.1@1', 'paid'))).code, ResponseCode.SUCCESS);
    assert.equal((await c2.invoke(RequestCode.HEART_BEAT, {}, hb('10.0.0.2@2', 'paid'))).code, ResponseCode.SUCCESS);
    const list = await c1.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'g-hb' });
    assert.deepEqual(JSON.parse(list.body!.toString()), { consumerIdList: ['10.0.0.1@1', '10.0.0.2@2'] });
    await waitFor('consumer ids changed notice', () => notified.includes('g-hb') || undefined);
    assert.ok(h.running.broker.getTopic('%RETRY%g-hb'), 'the retry topic exists once a clustering consumer is known');
    // No subscription in the pull: the heartbeat's tag filter applies.
    const r = await c1.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-hb', 'Orders', 1, 0, { sysFlag: '0' }));
    assert.deepEqual(bodies(r), ['order-1', 'order-3']);
    const unknown = await c1.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-nobody', 'Orders', 1, 0, { sysFlag: '0' }));
    assert.equal(unknown.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
    await c2.invoke(RequestCode.UNREGISTER_CLIENT, { clientID: '10.0.0.2@2', consumerGroup: 'g-hb' });
    assert.deepEqual(JSON.parse((await c1.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'g-hb' })).body!.toString()), { consumerIdList: ['10.0.0.1@1'] });
    c1.close();
    await waitFor('closed connection leaves the group', async () => {
      const x = await c2.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: 'g-hb' });
      return x.code === ResponseCode.SYSTEM_ERROR || undefined;
    });
  });

  test('CONSUMER_SEND_MSG_BACK: to %RETRY%group after the delay with reconsumeTimes+1, then to %DLQ%group past maxReconsumeTimes', async () => {
    await h.running.broker.createTopic({ name: 'Retries', messageType: 'NORMAL', queueNums: 1 });
    await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Retries', 0, { UNIQ_KEY: 'RETRY01' }), Buffer.from('flaky'));
    const pulled = decodeMessages((await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-retry', 'Retries', 0, 0))).body!)[0]!;
    const back = await c.invoke(RequestCode.CONSUMER_SEND_MSG_BACK, { offset: String(pulled.commitLogOffset), group: 'g-retry', delayLevel: '1', originMsgId: 'RETRY01', maxReconsumeTimes: '1' });
    assert.equal(back.code, ResponseCode.SUCCESS, back.remark);
    const retried = await waitFor('the retry after level 1 (1 s)', async () => {
      const r = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-retry', '%RETRY%g-retry', 0, 0));
      return r.code === ResponseCode.SUCCESS ? decodeMessages(r.body!)[0] : undefined;
    });
    assert.equal(retried.body.toString(), 'flaky');
    assert.equal(retried.reconsumeTimes, 1);
    const rp = decodeProperties(retried.properties);
    assert.equal(rp['RETRY_TOPIC'], 'Retries');
    assert.equal(rp['UNIQ_KEY'], 'RETRY01', 'same message id on every attempt');
    const again = await c.invoke(RequestCode.CONSUMER_SEND_MSG_BACK, { offset: String(retried.commitLogOffset), group: 'g-retry', delayLevel: '0', originMsgId: 'RETRY01', maxReconsumeTimes: '1' });
    assert.equal(again.code, ResponseCode.SUCCESS);
    const dlq = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-dlq-reader', '%DLQ%g-retry', 0, 0));
    assert.deepEqual(bodies(dlq), ['flaky']);
    assert.equal(h.running.broker.describeGroup('g-retry').deadLettered, 1, 'the operators see it as the group dead letter');
    const gone = await c.invoke(RequestCode.CONSUMER_SEND_MSG_BACK, { offset: '999999999', group: 'g-retry', delayLevel: '0' });
    assert.equal(gone.code, ResponseCode.QUERY_NOT_FOUND);
  });

  test('SEND_BATCH_MESSAGE stores all in order on one queue; a bad entry stores none', async () => {
    await h.running.broker.createTopic({ name: 'Batches', messageType: 'NORMAL', queueNums: 1 });
    const body = encodeBatch(['b1', 'b2', 'b3'].map((b, i) => ({ flag: 0, body: Buffer.from(b), properties: { UNIQ_KEY: `BATCH0${i}` } })));
    const r = await c.invoke(RequestCode.SEND_BATCH_MESSAGE, sendV2('Batches', 0, {}, { m: 'true' }), body);
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(r.extFields['msgId']?.split(',').length, 3);
    const bad = encodeBatch([{ flag: 0, body: Buffer.from('ok'), properties: {} }, { flag: 0, body: Buffer.alloc(0), properties: {} }]);
    const refused = await c.invoke(RequestCode.SEND_BATCH_MESSAGE, sendV2('Batches', 0, {}, { m: 'true' }), bad);
    assert.equal(refused.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.deepEqual(bodies(await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-batch', 'Batches', 0, 0))), ['b1', 'b2', 'b3']);
  });

  test('zlib-compressed bodies are stored and delivered inflated', async () => {
    const big = Buffer.from('x'.repeat(10_000));
    const r = await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Cross', 0, { UNIQ_KEY: 'ZLIB01' }, { f: String(0x1 | (3 << 8)) }), deflateSync(big));
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    const [m] = decodeMessages((await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-zlib', 'Cross', 0, 0))).body!);
    assert.equal(m?.body.length, 10_000);
    assert.equal((m!.sysFlag & 1), 0, 'not flagged compressed');
    const lz4 = await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Cross', 0, {}, { f: String(0x1 | (1 << 8)) }), Buffer.from('abc'));
    assert.equal(lz4.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(lz4.remark ?? '', /LZ4/);
    const junk = await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Cross', 0, {}, { f: '1' }), Buffer.from('not zlib'));
    assert.equal(junk.code, ResponseCode.MESSAGE_ILLEGAL);
  });

  test('message ids: VIEW_MESSAGE_BY_ID by offset id; QUERY_MESSAGE by key and by unique key', async () => {
    const s = await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Orders', 0, { KEYS: 'find-me', UNIQ_KEY: 'VIEW0001' }), Buffer.from('findable'));
    const offsetId = s.extFields['msgId']!;
    const offset = Number(BigInt('0x' + offsetId.slice(16)));
    const v = await c.invoke(RequestCode.VIEW_MESSAGE_BY_ID, { offset: String(offset) });
    assert.equal(v.code, ResponseCode.SUCCESS);
    assert.deepEqual(bodies(v), ['findable']);
    const missing = await c.invoke(RequestCode.VIEW_MESSAGE_BY_ID, { offset: '987654321' });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    await waitFor('index', async () => ((await c.invoke(RequestCode.QUERY_MESSAGE, { topic: 'Orders', key: 'find-me', maxNum: '32', beginTimestamp: '0', endTimestamp: String(Date.now() + 1000) })).code === 0) || undefined);
    const byKey = await c.invoke(RequestCode.QUERY_MESSAGE, { topic: 'Orders', key: 'find-me', maxNum: '32', beginTimestamp: '0', endTimestamp: String(Date.now() + 1000) });
    assert.deepEqual(bodies(byKey), ['findable']);
    const byId = await c.invoke(RequestCode.QUERY_MESSAGE, { topic: 'Orders', key: 'VIEW0001', maxNum: '32', beginTimestamp: '0', endTimestamp: String(Date.now() + 1000), _UNIQUE_KEY_QUERY: 'true' });
    assert.deepEqual(bodies(byId), ['findable']);
  });

  test('orderly consumers: LOCK_BATCH_MQ grants a queue to one client of a group at a time; UNLOCK frees it', async () => {
    const mq = (queueId: number) => ({ topic: 'Orders', brokerName: 'apogee', queueId });
    const lock = async (clientId: string, ids: number[]) =>
      (JSON.parse((await c.invoke(RequestCode.LOCK_BATCH_MQ, {}, Buffer.from(JSON.stringify({ consumerGroup: 'g-order', clientId, mqSet: ids.map(mq) })))).body!.toString()) as { lockOKMQSet: Array<{ queueId: number }> }).lockOKMQSet.map((q) => q.queueId).sort();
    assert.deepEqual(await lock('A', [0, 1]), [0, 1]);
    assert.deepEqual(await lock('B', [1, 2]), [2]);
    assert.deepEqual(await lock('A', [0, 1]), [0, 1], 'renewal');
    await c.invoke(RequestCode.UNLOCK_BATCH_MQ, {}, Buffer.from(JSON.stringify({ consumerGroup: 'g-order', clientId: 'A', mqSet: [mq(1)] })));
    assert.deepEqual(await lock('B', [1]), [1]);
  });

  test('one broker core: remoting send → official Node gRPC consumer, gRPC send → remoting pull', async () => {
    await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('Cross', 0, { TAGS: 't1', UNIQ_KEY: 'CROSS0001', k: 'v' }), Buffer.from('from-remoting'));
    const consumer = officialSimpleConsumer(h.grpc, 'g-cross', 'Cross');
    const producer = officialProducer(h.grpc, 'Cross');
    await consumer.startup();
    await producer.startup();
    try {
      const got = await receiveUntil(consumer, 2, 10_000);
      const fromRemoting = got.find((m) => m.body.toString() === 'from-remoting');
      assert.ok(fromRemoting, `gRPC consumer got ${got.map((m) => m.body.toString()).join(',')}`);
      assert.equal(fromRemoting.messageId, 'CROSS0001');
      assert.equal(fromRemoting.tag, 't1');
      assert.equal(fromRemoting.properties.get('k'), 'v');
      const receipt = await producer.send({ topic: 'Cross', body: Buffer.from('from-grpc'), tag: 'g', keys: ['gk'] });
      const max = Number((await c.invoke(RequestCode.GET_MAX_OFFSET, { topic: 'Cross', queueId: '0' })).extFields['offset']);
      const r = await c.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-cross-remoting', 'Cross', 0, max - 1));
      const [m] = decodeMessages(r.body!);
      assert.equal(m?.body.toString(), 'from-grpc');
      const p = decodeProperties(m!.properties);
      assert.equal(p['UNIQ_KEY'], receipt.messageId);
      assert.equal(p['TAGS'], 'g');
      assert.equal(p['KEYS'], 'gk');
    } finally {
      await consumer.shutdown().catch(() => {});
      await producer.shutdown().catch(() => {});
    }
  });

  test('mqadmin codes: create topic with a message type, topic config, consume stats in fastjson map form, runtime info', async () => {
    const r = await c.invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic: 'AdminMade', readQueueNums: '2', writeQueueNums: '2', perm: '6', topicFilterType: 'SINGLE_TAG', topicSysFlag: '0', order: 'false', attributes: '+message.type=FIFO' });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(h.running.broker.getTopic('AdminMade')?.messageType, 'FIFO');
    const all = JSON.parse((await c.invoke(RequestCode.GET_ALL_TOPIC_CONFIG, {})).body!.toString()) as { topicConfigTable: Record<string, { readQueueNums: number }> };
    assert.equal(all.topicConfigTable['AdminMade']?.readQueueNums, 2);
    const stats = (await c.invoke(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'g-off' })).body!.toString();
    assert.match(stats, /^\{"consumeTps":0\.0,"offsetTable":\{\{"brokerName":"apogee","queueId":1,"topic":"Orders"\}:\{"brokerOffset":\d+,"consumerOffset":2/);
    const info = JSON.parse((await c.invoke(RequestCode.GET_BROKER_RUNTIME_INFO, {})).body!.toString()) as { table: Record<string, string> };
    assert.equal(info.table['brokerVersionDesc'], 'V5_4_0');
    assert.equal(info.table['putTps']?.split(' ').length, 3);
    const bad = await c.invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic: 'BadType', attributes: '+message.type=WEIRD' });
    assert.equal(bad.code, ResponseCode.INVALID_PARAMETER);
    assert.equal(h.running.broker.getTopic('BadType'), undefined);
    const del = await c.invoke(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'AdminMade' });
    assert.equal(del.code, ResponseCode.SUCCESS);
    assert.equal(h.running.broker.getTopic('AdminMade'), undefined);
  });
});
