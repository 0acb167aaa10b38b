/**
 * The name server (port 9876 by default), in the broker's process: topic routes, cluster info and topic lists
 * for classic clients and mqadmin, broker registration for brokers that report themselves, and an in-memory
 * KV config (mqadmin's updateKvConfig). Uses the remoting codec; holds no broker logic.
 */
import type { SecureContext } from 'node:tls';
import { inflate } from 'node:zlib';
import type { Authorizer } from '../auth/authorizer.js';
import { NAMESRV_RESOURCES, remotingAuthCheck } from '../protocol/remoting/auth.js';
import { promisify } from 'node:util';
import { RequestCode, ResponseCode } from '../protocol/remoting/codes.js';
import { responseTo, type RemotingCommand } from '../protocol/remoting/command.js';
import { Header, RemotingRequestError, toJsonBody } from '../protocol/remoting/header.js';
import { startRemotingServer, type RemotingHandler } from '../protocol/remoting/server.js';
import type { Logger } from '../util/logger.js';
import { RouteRegistry, type TopicRoute } from './route-registry.js';

const inflateAsync = promisify(inflate);

export interface NameServerOptions {
  host: string;
  port: number;
  logger: Logger;
  registry?: RouteRegistry;
  maxFrameBytes?: number;
  /** Signature checks (any authenticated user may look routes up; writes need a super user). */
  authorizer?: Authorizer;
  /** Serve TLS only. */
  tlsContext?: SecureContext;
}

export interface NameServerHandle {
  readonly port: number;
  readonly registry: RouteRegistry;
  close(): Promise<void>;
}

function brokerData(clusterName: string, brokerName: string, addrs: Record<string, string>): Record<string, unknown> {
  return { cluster: clusterName, brokerName, brokerAddrs: addrs, enableActingMaster: false };
}

function routeBody(registry: RouteRegistry, topic: string): Buffer | undefined {
  const r = registry.route(topic);
  if (!r) return undefined;
  const byName = new Map<string, { cluster: string; addrs: Record<string, string> }>();
  for (const b of r.brokers) {
    const e = byName.get(b.brokerName) ?? { cluster: b.clusterName, addrs: {} };
    e.addrs[String(b.brokerId)] = b.address;
    byName.set(b.brokerName, e);
  }
  const order = r.queues.some((q) => q.topic.order);
  return toJsonBody({
    ...(order ? { orderTopicConf: r.queues.map((q) => `${q.broker.brokerName}:${q.topic.writeQueueNums}`).join(';') } : {}),
    queueDatas: r.queues.map((q) => ({
      brokerName: q.broker.brokerName,
      readQueueNums: q.topic.readQueueNums,
      writeQueueNums: q.topic.writeQueueNums,
      perm: q.topic.perm,
      topicSysFlag: q.topic.topicSysFlag,
    })),
    brokerDatas: [...byName].map(([name, e]) => brokerData(e.cluster, name, e.addrs)),
    filterServerTable: {},
  });
}

function clusterInfoBody(registry: RouteRegistry): Buffer {
  const brokerAddrTable: Record<string, { cluster: string; brokerName: string; brokerAddrs: Record<string, string> }> = {};
  const clusterAddrTable: Record<string, string[]> = {};
  for (const b of registry.allBrokers()) {
    const e = (brokerAddrTable[b.brokerName] ??= { cluster: b.clusterName, brokerName: b.brokerName, brokerAddrs: {} });
    e.brokerAddrs[String(b.brokerId)] = b.address;
    const names = (clusterAddrTable[b.clusterName] ??= []);
    if (!names.includes(b.brokerName)) names.push(b.brokerName);
  }
  const table: Record<string, unknown> = {};
  for (const [n, e] of Object.entries(brokerAddrTable)) table[n] = brokerData(e.cluster, e.brokerName, e.brokerAddrs);
  return toJsonBody({ brokerAddrTable: table, clusterAddrTable });
}

/** REGISTER_BROKER's body: TopicConfigSerializeWrapper (optionally zlib-compressed) as JSON. */
async function registeredTopics(req: RemotingCommand): Promise<TopicRoute[]> {
  if (!req.body || req.body.length === 0) return [];
  let raw = req.body;
  if (new Header(req).bool('compressed', false)) {
    try {
      raw = await inflateAsync(raw, { maxOutputLength: 64 * 1024 * 1024 });
    } catch {
      throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, 'compressed register body does not inflate');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new RemotingRequestError(ResponseCode.INVALID_PARAMETER, 'register body is not JSON (only JSON bodies are read)');
  }
  const wrapper = (parsed as { topicConfigSerializeWrapper?: { topicConfigTable?: unknown }; topicConfigTable?: unknown }) ?? {};
  const table = (wrapper.topicConfigSerializeWrapper?.topicConfigTable ?? wrapper.topicConfigTable) as Record<string, Record<string, unknown>> | undefined;
  if (!table || typeof table !== 'object') return [];
  return Object.entries(table).map(([name, t]) => ({
    name,
    readQueueNums: Number(t['readQueueNums'] ?? 0) || 0,
    writeQueueNums: Number(t['writeQueueNums'] ?? 0) || 0,
    perm: Number(t['perm'] ?? 6) || 0,
    topicSysFlag: Number(t['topicSysFlag'] ?? 0) || 0,
    order: t['order'] === true,
  }));
}

export async function startNameServer(options: NameServerOptions): Promise<NameServerHandle> {
  const registry = options.registry ?? new RouteRegistry();
  const kv = new Map<string, string>();
  const h = new Map<number, RemotingHandler>();
  h.set(RequestCode.GET_ROUTEINFO_BY_TOPIC, (req) => {
    const topic = new Header(req).str('topic');
    const body = routeBody(registry, topic);
    if (!body) return responseTo(req, ResponseCode.TOPIC_NOT_EXIST, `No topic route info in name server for the topic: ${topic}`);
    return responseTo(req, ResponseCode.SUCCESS, undefined, {}, body);
  });
  h.set(RequestCode.GET_BROKER_CLUSTER_INFO, (req) => responseTo(req, ResponseCode.SUCCESS, undefined, {}, clusterInfoBody(registry)));
  h.set(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (req) => responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ topicList: registry.topicNames() })));
  h.set(RequestCode.GET_TOPICS_BY_CLUSTER, (req) =>
    responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ topicList: registry.topicNames(new Header(req).str('cluster')) })),
  );
  h.set(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, (req) => {
    const names = new Set<string>();
    for (const b of registry.allBrokers()) {
      names.add(b.clusterName);
      names.add(b.brokerName);
    }
    return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ topicList: [...names] }));
  });
  h.set(RequestCode.REGISTER_BROKER, async (req) => {
    const hd = new Header(req);
    const topics = await registeredTopics(req);
    registry.register({
      clusterName: hd.str('clusterName'),
      brokerName: hd.str('brokerName'),
      brokerId: hd.int('brokerId', 0, 1_000_000),
      address: hd.str('brokerAddr'),
      topics: () => topics,
      lastUpdate: Date.now(),
    });
    return responseTo(req, ResponseCode.SUCCESS, undefined, { haServerAddr: '', masterAddr: hd.str('brokerAddr') });
  });
  h.set(RequestCode.UNREGISTER_BROKER, (req) => {
    const hd = new Header(req);
    registry.unregister(hd.str('brokerName'), hd.int('brokerId', 0, 1_000_000));
    return responseTo(req, ResponseCode.SUCCESS);
  });
  h.set(RequestCode.DELETE_TOPIC_IN_NAMESRV, (req) => responseTo(req, ResponseCode.SUCCESS));
  h.set(RequestCode.PUT_KV_CONFIG, (req) => {
    const hd = new Header(req);
    if (kv.size >= 10_000) throw new RemotingRequestError(ResponseCode.SYSTEM_BUSY, 'KV config is full (10000 items)');
    kv.set(`${hd.str('namespace')}\u0001${hd.str('key')}`, hd.optStr('value') ?? '');
    return responseTo(req, ResponseCode.SUCCESS);
  });
  h.set(RequestCode.GET_KV_CONFIG, (req) => {
    const hd = new Header(req);
    const ns = hd.str('namespace');
    const key = hd.str('key');
    const v = kv.get(`${ns}\u0001${key}`);
    if (v === undefined) return responseTo(req, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${ns} Key: ${key}`);
    return responseTo(req, ResponseCode.SUCCESS, undefined, { value: v });
  });
  h.set(RequestCode.DELETE_KV_CONFIG, (req) => {
    const hd = new Header(req);
    kv.delete(`${hd.str('namespace')}\u0001${hd.str('key')}`);
    return responseTo(req, ResponseCode.SUCCESS);
  });
  h.set(RequestCode.GET_KVLIST_BY_NAMESPACE, (req) => {
    const ns = new Header(req).str('namespace');
    const table: Record<string, string> = {};
    for (const [k, v] of kv) if (k.startsWith(ns + '\u0001')) table[k.slice(ns.length + 1)] = v;
    if (Object.keys(table).length === 0) return responseTo(req, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${ns}`);
    return responseTo(req, ResponseCode.SUCCESS, undefined, {}, toJsonBody({ table }));
  });
  const server = await startRemotingServer({ host: options.host, port: options.port, logger: options.logger, handlers: h,
    maxFrameBytes: options.maxFrameBytes ?? 16 * 1024 * 1024,
    ...(options.authorizer ? { authorize: remotingAuthCheck(options.authorizer, NAMESRV_RESOURCES) } : {}),
    ...(options.tlsContext ? { tlsContext: options.tlsContext } : {}),
  });
  return { port: server.port, registry, close: () => server.close() };
}
