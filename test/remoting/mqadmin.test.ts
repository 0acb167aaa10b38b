/**
 * Regressions found by running RocketMQ's mqadmin (compat/mqadmin) against Apogee: the requests are written the
 * way mqadmin 5.4.0 writes them, over real sockets to a real broker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode, SerializeType } from '../../src/protocol/remoting/codes.js';
import { bodies, sendV2, startRemotingHarness, waitFor, type RemotingHarness } from './support/remoting.js';

/** Java's Long.MAX_VALUE: mqadmin's "no end" for queryMsgByKey and queryMsgById (unique key). */
const JAVA_LONG_MAX = '9223372036854775807';

describe('remoting: requests as mqadmin sends them', () => {
  let h: RemotingHarness;
  let c: RemotingClient;

  before(async () => {
    h = await startRemotingHarness();
    await h.running.broker.createTopic({ name: 'AdminOrders', messageType: 'NORMAL', queueNums: 2 });
    c = await h.client(SerializeType.JSON);
  });
  after(async () => {
    await h?.close();
  });

  test('QUERY_MESSAGE with endTimestamp = Long.MAX_VALUE finds by key and by unique key (queryMsgByKey, queryMsgById)', async () => {
    const s = await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('AdminOrders', 1, { KEYS: 'adm-key', UNIQ_KEY: 'ADMUNIQ0001' }), Buffer.from('admin-found'));
    assert.equal(s.code, ResponseCode.SUCCESS, s.remark);
    const byKey = { topic: 'AdminOrders', key: 'adm-key', maxNum: '64', beginTimestamp: '0', endTimestamp: JAVA_LONG_MAX };
    const found = await waitFor('index', async () => {
      const r = await c.invoke(RequestCode.QUERY_MESSAGE, byKey);
      return r.code === ResponseCode.SUCCESS ? r : undefined;
    });
    assert.deepEqual(bodies(found), ['admin-found']);
    const byUnique = await c.invoke(RequestCode.QUERY_MESSAGE, { ...byKey, key: 'ADMUNIQ0001', _UNIQUE_KEY_QUERY: 'true' });
    assert.equal(byUnique.code, ResponseCode.SUCCESS, byUnique.remark);
    assert.deepEqual(bodies(byUnique), ['admin-found']);
    // A time range that ends before the message was stored still finds nothing, and a bound that is not a number is refused.
    const before = await c.invoke(RequestCode.QUERY_MESSAGE, { ...byKey, endTimestamp: '1' });
    assert.equal(before.code, ResponseCode.QUERY_NOT_FOUND);
    const bad = await c.invoke(RequestCode.QUERY_MESSAGE, { ...byKey, endTimestamp: 'forever' });
    assert.equal(bad.code, ResponseCode.INVALID_PARAMETER);
    assert.match(bad.remark ?? '', /endTimestamp/);
  });

  test('topic stats and consume stats carry store times (topicStatus #Last Updated, consumerProgress #LastTime); runtime info as clusterList reads it', async () => {
    for (let i = 0; i < 2; i++) {
      const s = await c.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('AdminOrders', 0, { KEYS: `stat-${i}` }), Buffer.from(`stat ${i}`));
      assert.equal(s.code, ResponseCode.SUCCESS, s.remark);
    }
    const sentAt = Date.now();
    const raw = (await c.invoke(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'AdminOrders' })).body!.toString();
    const q0 = /"queueId":0,"topic":"AdminOrders"\}:\{"minOffset":0,"maxOffset":2,"lastUpdateTimestamp":(\d+)\}/.exec(raw);
    assert.ok(q0, raw);
    assert.ok(Number(q0[1]) > sentAt - 60_000 && Number(q0[1]) <= sentAt, raw);
    // An empty queue has no last update.
    assert.match(raw, /"queueId":1,"topic":"AdminOrders"\}:\{"minOffset":0,"maxOffset":\d+,"lastUpdateTimestamp":\d+\}/);

    const upd = await c.invoke(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'adm-stats', topic: 'AdminOrders', queueId: '0', commitOffset: '1' });
    assert.equal(upd.code, ResponseCode.SUCCESS, upd.remark);
    const cs = (await c.invoke(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'adm-stats', topic: 'AdminOrders' })).body!.toString();
    const row = /"queueId":0,"topic":"AdminOrders"\}:\{"brokerOffset":2,"consumerOffset":1,"pullOffset":1,"lastTimestamp":(\d+)\}/.exec(cs);
    assert.ok(row, cs);
    assert.ok(Number(row[1]) > sentAt - 60_000 && Number(row[1]) <= sentAt, cs);

    const info = JSON.parse((await c.invoke(RequestCode.GET_BROKER_RUNTIME_INFO, {})).body!.toString()) as { table: Record<string, string> };
    for (const k of ['ackThreadPoolQueueSize', 'ackThreadPoolQueueHeadWaitTimeMills', 'sendThreadPoolQueueSize', 'pullThreadPoolQueueSize']) assert.equal(info.table[k], '0', k);
    const ratio = Number(info.table['commitLogDiskRatio']);
    assert.ok(ratio > 0 && ratio < 1, `commitLogDiskRatio ${info.table['commitLogDiskRatio']}`);
    assert.match(info.table['commitLogDirCapacity'] ?? '', /^Total : [\d.]+ GiB, Free : [\d.]+ GiB\.$/);
    assert.ok(Number(info.table['earliestMessageTimeStamp']) <= sentAt, 'the oldest message was stored before now');
  });
});
