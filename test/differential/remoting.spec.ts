/**
 * Differential run over the remoting protocol: the same requests, sent with Apogee's remoting client to Apogee's
 * name server and broker and to the reference Apache RocketMQ's (APOGEE_REFERENCE_NAMESRV), must be answered
 * the same — codes, shapes and what a consumer then pulls — except for the rows of REMOTING_DIFFERENCES.
 * Run by `npm run test:differential` (scripts/differential.mjs), never by `npm test`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode } from '../../src/protocol/remoting/codes.js';
import { decodeMessages, decodeProperties, encodeProperties } from '../../src/protocol/remoting/message-codec.js';
import { startRemotingHarness, type RemotingHarness } from '../remoting/support/remoting.js';
import { TOPOLOGY, type Json, type Record_ } from './support.js';

interface Side {
  name: 'apogee' | 'reference';
  ns: RemotingClient;
  broker: RemotingClient;
  runId: string;
}

interface Difference {
  scenario: string;
  path: string;
  reference: Json;
  apogee: Json;
  reason: string;
}

/** Intended differences over remoting: Apogee answers bad input with a specific code where RocketMQ fails late. */
export const REMOTING_DIFFERENCES: Difference[] = [
  { scenario: 'bad input codes', path: 'sendEmptyBody', reference: ResponseCode.SYSTEM_ERROR, apogee: ResponseCode.MESSAGE_ILLEGAL, reason: 'RocketMQ 5.4.0 throws a NullPointerException (SYSTEM_ERROR); an empty body is an illegal message' },
  { scenario: 'bad input codes', path: 'heartbeatNotJson', reference: ResponseCode.SYSTEM_ERROR, apogee: ResponseCode.INVALID_PARAMETER, reason: 'RocketMQ surfaces the fastjson exception as SYSTEM_ERROR; a body that does not parse is a bad parameter' },
  { scenario: 'bad input codes', path: 'commitOffsetBeyondMax', reference: ResponseCode.SUCCESS, apogee: ResponseCode.INVALID_PARAMETER, reason: 'RocketMQ stores any committed offset; Apogee refuses one beyond the queue and keeps the old one' },
  { scenario: 'bad input codes', path: 'pullWithBadSql', reference: ResponseCode.SUCCESS, apogee: ResponseCode.SUBSCRIPTION_PARSE_FAILED, reason: 'the reference runs without enablePropertyFilter and ignores the expression; Apogee compiles it and says why it fails' },
];

const hp = (s: string): { host: string; port: number } => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) });

function send(topic: string, queueId: number, props: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return { a: 'diff-remoting-pg', b: topic, c: 'TBW102', d: '4', e: String(queueId), f: '0', g: String(Date.now()), h: '0', i: encodeProperties(props), j: '0', k: 'false', m: 'false', ...extra };
}

function pull(group: string, topic: string, queueId: number, offset: number, sub = '*', type = 'TAG', subVersion = Date.now()): Record<string, string> {
  return { consumerGroup: group, topic, queueId: String(queueId), queueOffset: String(offset), maxMsgNums: '32', sysFlag: '4', commitOffset: '0', suspendTimeoutMillis: '0', subscription: sub, subVersion: String(subVersion), expressionType: type };
}

async function maxOffset(s: Side, topic: string, queueId: number): Promise<number> {
  return Number((await s.broker.invoke(RequestCode.GET_MAX_OFFSET, { topic, queueId: String(queueId) })).extFields['offset']);
}

async function pulledBodies(s: Side, group: string, topic: string, queueId: number, from: number, sub = '*'): Promise<string[]> {
  const r = await s.broker.invoke(RequestCode.PULL_MESSAGE, pull(group, topic, queueId, from, sub));
  return r.code === ResponseCode.SUCCESS && r.body ? decodeMessages(r.body).map((m) => m.body.toString()) : [];
}

const SCENARIOS: Array<{ name: string; run(s: Side): Promise<Record_> }> = [
  {
    name: 'routes',
    async run(s) {
      const r = await s.ns.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'DiffNormal' });
      const route = JSON.parse(r.body!.toString()) as { queueDatas: Array<{ readQueueNums: number; writeQueueNums: number; perm: number; topicSysFlag: number }>; brokerDatas: Array<{ cluster: string; brokerAddrs: Record<string, string> }> };
      const missing = await s.ns.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: `NoSuchTopic${s.runId}` });
      return {
        code: r.code,
        queueDatas: route.queueDatas.map((q) => ({ readQueueNums: q.readQueueNums, writeQueueNums: q.writeQueueNums, perm: q.perm, topicSysFlag: q.topicSysFlag })),
        brokers: route.brokerDatas.map((b) => ({ cluster: b.cluster, masters: Object.keys(b.brokerAddrs) })),
        unknownTopic: { code: missing.code, namesTopic: (missing.remark ?? '').includes(`NoSuchTopic${s.runId}`) },
      };
    },
  },
  {
    name: 'send, pull with a tag, offsets',
    async run(s) {
      const tag = `tag${s.runId}`;
      const from = await maxOffset(s, 'DiffNormal', 1);
      const sent = [];
      for (const i of [1, 2, 3]) {
        const r = await s.broker.invoke(RequestCode.SEND_MESSAGE_V2, send('DiffNormal', 1, { TAGS: i === 2 ? 'other' : tag, KEYS: `k${i}`, UNIQ_KEY: `DIFF${s.runId}${i}`, WAIT: 'true', color: 'red' }), Buffer.from(`body-${i}`));
        sent.push({ code: r.code, fields: Object.keys(r.extFields).sort(), queueId: r.extFields['queueId'] ?? null, transactionIdIsUniqKey: r.extFields['transactionId'] === `DIFF${s.runId}${i}`, offsetMsgId: /^[0-9A-F]{32}$/.test(r.extFields['msgId'] ?? '') });
      }
      const all = await s.broker.invoke(RequestCode.PULL_MESSAGE, pull(`diff-pull-${s.runId}`, 'DiffNormal', 1, from));
      const msgs = all.body ? decodeMessages(all.body) : [];
      const props = msgs[0] ? decodeProperties(msgs[0].properties) : {};
      const beyond = await s.broker.invoke(RequestCode.PULL_MESSAGE, pull(`diff-pull-${s.runId}`, 'DiffNormal', 1, from + 1000));
      const group = `diff-off-${s.runId}`;
      await s.broker.invoke(RequestCode.PULL_MESSAGE, pull(group, 'DiffNormal', 1, from)); // RocketMQ creates the group on its first pull
      const before = await s.broker.invoke(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: group, topic: 'DiffNormal', queueId: '1', setZeroIfNotFound: 'false' });
      const upd = await s.broker.invoke(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: group, topic: 'DiffNormal', queueId: '1', commitOffset: String(from + 2) });
      const afterQ = await s.broker.invoke(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: group, topic: 'DiffNormal', queueId: '1' });
      return {
        sent,
        pulledCode: all.code,
        pulled: msgs.map((m) => m.body.toString()),
        nextBeginIsEnd: Number(all.extFields['nextBeginOffset']) === from + 3,
        firstProps: { TAGS: props['TAGS'] ?? null, KEYS: props['KEYS'] ?? null, color: props['color'] ?? null, uniq: props['UNIQ_KEY'] === `DIFF${s.runId}1` },
        tagFiltered: await pulledBodies(s, `diff-pull-${s.runId}`, 'DiffNormal', 1, from, tag),
        beyond: { code: beyond.code, nextBeginIsMax: Number(beyond.extFields['nextBeginOffset']) === from + 3 },
        offsets: { before: before.code, update: upd.code, after: Number(afterQ.extFields['offset']) - from },
      };
    },
  },
  {
    name: 'transactions: END_TRANSACTION commit delivers, rollback never',
    async run(s) {
      const from = await maxOffset(s, 'DiffTransaction', 0);
      const half = async (n: string): Promise<Record<string, string>> => {
        const r = await s.broker.invoke(RequestCode.SEND_MESSAGE_V2, send('DiffTransaction', 0, { TRAN_MSG: 'true', PGROUP: 'diff-remoting-pg', UNIQ_KEY: `TX${s.runId}${n}` }, { f: '4' }), Buffer.from(`tx-${n}`));
        return { code: String(r.code), msgId: r.extFields['msgId'] ?? '', queueOffset: r.extFields['queueOffset'] ?? '0', transactionId: r.extFields['transactionId'] ?? '' };
      };
      const c = await half('c');
      const r = await half('r');
      const invisible = await pulledBodies(s, `diff-tx-${s.runId}`, 'DiffTransaction', 0, from);
      for (const [h, kind] of [[c, 8], [r, 12]] as const) {
        s.broker.oneway(RequestCode.END_TRANSACTION, {
          producerGroup: 'diff-remoting-pg',
          tranStateTableOffset: h['queueOffset'] ?? '0',
          commitLogOffset: String(Number(BigInt('0x' + (h['msgId'] ?? '0').slice(16)))),
          commitOrRollback: String(kind),
          fromTransactionCheck: 'false',
          msgId: h['transactionId'] ?? '',
          transactionId: h['transactionId'] ?? '',
        });
      }
      let visible: string[] = [];
      for (let i = 0; i < 50 && visible.length === 0; i++) {
        await new Promise((res) => setTimeout(res, 100));
        visible = await pulledBodies(s, `diff-tx-${s.runId}`, 'DiffTransaction', 0, from);
      }
      await new Promise((res) => setTimeout(res, 1000));
      visible = await pulledBodies(s, `diff-tx-${s.runId}`, 'DiffTransaction', 0, from);
      return { halfCodes: [c['code'] ?? null, r['code'] ?? null], transactionIdIsUniqKey: c['transactionId'] === `TX${s.runId}c`, invisibleBeforeEnd: invisible, visibleAfterEnd: visible };
    },
  },
  {
    name: 'heartbeat and consumer list',
    async run(s) {
      const group = `diff-hb-${s.runId}`;
      const subVersion = Date.now();
      const body = { clientID: `10.9.9.9@${s.runId}`, producerDataSet: [], consumerDataSet: [{ groupName: group, consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET', subscriptionDataSet: [{ topic: 'DiffNormal', subString: '*', expressionType: 'TAG', subVersion, tagsSet: [], codeSet: [], classFilterMode: false }], unitMode: false }] };
      const hb = await s.broker.invoke(RequestCode.HEART_BEAT, {}, Buffer.from(JSON.stringify(body)));
      const list = await s.broker.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group });
      const ids = list.body ? (JSON.parse(list.body.toString()) as { consumerIdList: string[] }).consumerIdList : [];
      const pullNoSub = await s.broker.invoke(RequestCode.PULL_MESSAGE, { ...pull(group, 'DiffNormal', 0, 0, '*', 'TAG', subVersion), sysFlag: '0' });
      const un = await s.broker.invoke(RequestCode.UNREGISTER_CLIENT, { clientID: `10.9.9.9@${s.runId}`, consumerGroup: group });
      const after = await s.broker.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group });
      return { heartbeat: hb.code, ids: ids.map((i) => i.replace(s.runId, '<run>')), pullWithHeartbeatSubscription: pullNoSub.code === ResponseCode.SUCCESS || pullNoSub.code === ResponseCode.PULL_NOT_FOUND, unregister: un.code, listAfter: after.code };
    },
  },
  {
    // What mqadmin's queryMsgByKey / queryMsgById (unique id) / topicStatus / consumerProgress send and read.
    name: 'mqadmin queries: by key and unique key with no end time, topic and consume stats',
    async run(s) {
      const JAVA_LONG_MAX = '9223372036854775807';
      const key = `adm-key-${s.runId}`;
      const uniq = `ADMUNIQ${s.runId}`;
      const sent = await s.broker.invoke(RequestCode.SEND_MESSAGE_V2, send('DiffNormal', 1, { KEYS: key, UNIQ_KEY: uniq }), Buffer.from(`admin ${s.runId}`));
      const query = { topic: 'DiffNormal', key, maxNum: '64', beginTimestamp: '0', endTimestamp: JAVA_LONG_MAX };
      const until = Date.now() + 15_000;
      let byKey = await s.broker.invoke(RequestCode.QUERY_MESSAGE, query);
      while (byKey.code !== ResponseCode.SUCCESS && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200)); // the index is built just after the append
        byKey = await s.broker.invoke(RequestCode.QUERY_MESSAGE, query);
      }
      const byUnique = await s.broker.invoke(RequestCode.QUERY_MESSAGE, { ...query, key: uniq, _UNIQUE_KEY_QUERY: 'true' });
      const bodies = (r: { code: number; body?: Buffer | undefined }): string[] => (r.code === ResponseCode.SUCCESS && r.body ? decodeMessages(r.body).map((m) => m.body.toString()) : []);
      const group = `diff-adm-${s.runId}`;
      const offset = Number(sent.extFields['queueOffset']);
      // A pull creates the group on both (RocketMQ refuses an offset commit for a group it does not know).
      await s.broker.invoke(RequestCode.PULL_MESSAGE, pull(group, 'DiffNormal', 1, offset));
      await s.broker.invoke(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: group, topic: 'DiffNormal', queueId: '1', commitOffset: String(offset + 1) });
      const stats = (await s.broker.invoke(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'DiffNormal' })).body?.toString() ?? '';
      const consume = (await s.broker.invoke(RequestCode.GET_CONSUME_STATS, { consumerGroup: group, topic: 'DiffNormal' })).body?.toString() ?? '';
      const q1 = (text: string, field: string): number => Number(new RegExp(`"queueId":1,"topic":"DiffNormal"\\}:\\{[^}]*"${field}":(\\d+)`).exec(text)?.[1] ?? -1);
      return {
        byKey: { code: byKey.code, bodies: bodies(byKey) },
        byUnique: { code: byUnique.code, bodies: bodies(byUnique) },
        topicStatsQueue1HasLastUpdate: q1(stats, 'lastUpdateTimestamp') > 0,
        consumeStatsQueue1: { consumerOffset: q1(consume, 'consumerOffset') === offset + 1, hasLastTimestamp: q1(consume, 'lastTimestamp') > 0 },
      };
    },
  },
  {
    name: 'bad input codes',
    async run(s) {
      const code = async (p: Promise<{ code: number }>): Promise<number> => (await p).code;
      return {
        sendUnknownTopic: await code(s.broker.invoke(RequestCode.SEND_MESSAGE_V2, send(`NoSuchTopic${s.runId}`, 0, {}), Buffer.from('x'))),
        sendQueueOutOfRange: await code(s.broker.invoke(RequestCode.SEND_MESSAGE_V2, send('DiffNormal', 77, {}), Buffer.from('x'))),
        sendEmptyBody: await code(s.broker.invoke(RequestCode.SEND_MESSAGE_V2, send('DiffNormal', 0, {}))),
        pullWithoutSubscription: await code(s.broker.invoke(RequestCode.PULL_MESSAGE, { ...pull(`diff-nobody-${s.runId}`, 'DiffNormal', 0, 0), sysFlag: '0' })),
        pullWithBadSql: await code(s.broker.invoke(RequestCode.PULL_MESSAGE, pull(`diff-sql-${s.runId}`, 'DiffNormal', 0, 0, 'a = = 1', 'SQL92'))),
        unknownRequestCode: await code(s.broker.invoke(9999, {})),
        consumerListOfNobody: await code(s.broker.invoke(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: `nobody-${s.runId}` })),
        viewMissingOffset: await code(s.broker.invoke(RequestCode.VIEW_MESSAGE_BY_ID, { offset: '999999999999' })),
        endUnknownTransaction: await code(s.broker.invoke(RequestCode.END_TRANSACTION, { producerGroup: 'pg', tranStateTableOffset: '0', commitLogOffset: '99999999', commitOrRollback: '8', fromTransactionCheck: 'false', msgId: 'NOPE', transactionId: 'NOPE' })),
        heartbeatNotJson: await code(s.broker.invoke(RequestCode.HEART_BEAT, {}, Buffer.from('nope'))),
        createGroupByPull: await code(s.broker.invoke(RequestCode.PULL_MESSAGE, pull(`diff-bad-${s.runId}`, 'DiffNormal', 0, 0)).then((r) => ({ code: r.code === ResponseCode.PULL_NOT_FOUND ? ResponseCode.SUCCESS : r.code }))),
        commitOffsetBeyondMax: await code(s.broker.invoke(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: `diff-bad-${s.runId}`, topic: 'DiffNormal', queueId: '0', commitOffset: '99999999' })),
      };
    },
  },
];

function getPath(r: Json, path: string): Json | undefined {
  let cur: Json | undefined = r;
  for (const k of path.split('.')) cur = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, Json>)[k] : undefined;
  return cur;
}

describe('differential over remoting: Apogee vs Apache RocketMQ', () => {
  const runId = randomBytes(4).toString('hex');
  const referenceNamesrv = process.env['APOGEE_REFERENCE_NAMESRV'] ?? '';
  let h: RemotingHarness | undefined;
  const sides: Side[] = [];

  before(async () => {
    assert.ok(referenceNamesrv !== '', 'APOGEE_REFERENCE_NAMESRV is not set: run `npm run test:differential` (it starts the reference)');
    h = await startRemotingHarness();
    for (const t of TOPOLOGY.topics) await h.running.broker.createTopic({ name: t.name, messageType: t.messageType, queueNums: t.queueNums });
    const open = async (name: Side['name'], namesrv: { host: string; port: number }, id: string): Promise<Side> => {
      const ns = await RemotingClient.connect(namesrv);
      const route = await ns.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'DiffNormal' });
      const addr = (JSON.parse(route.body!.toString()) as { brokerDatas: Array<{ brokerAddrs: Record<string, string> }> }).brokerDatas[0]!.brokerAddrs['0']!;
      return { name, ns, broker: await RemotingClient.connect(hp(addr)), runId: id };
    };
    sides.push(await open('apogee', h.namesrv, `${runId}a`), await open('reference', hp(referenceNamesrv), `${runId}r`));
  });
  after(async () => {
    for (const s of sides) {
      s.ns.close();
      s.broker.close();
    }
    await h?.close();
  });

  for (const scenario of SCENARIOS) {
    test(scenario.name, async () => {
      const raw = await Promise.all(sides.map(async (s) => JSON.parse(JSON.stringify(await scenario.run(s)).replaceAll(s.runId, '<run>')) as Record_));
      const [a, r] = raw as [Record_, Record_];
      for (const d of REMOTING_DIFFERENCES.filter((x) => x.scenario === scenario.name)) {
        assert.deepEqual(getPath(r, d.path), d.reference, `known difference ${d.path}: RocketMQ no longer answers as the table says`);
        assert.deepEqual(getPath(a, d.path), d.apogee, `known difference ${d.path}: Apogee no longer answers as the table says`);
        delete a[d.path];
        delete r[d.path];
      }
      assert.deepEqual(a, r, `Apogee answered otherwise than RocketMQ in "${scenario.name}"`);
    });
  }
});
