/**
 * Name server look-ups: a topic's route and the cluster table. `namesrvAddr` may list several servers
 * (`a:9876;b:9876`); a request goes to the one that answered last and moves on to the next when it cannot.
 */
import { RequestCode, ResponseCode } from '../protocol/remoting/codes.js';
import type { BrokerConnections } from './broker-connections.js';
import { MQBrokerError, MQClientError } from './errors.js';
import { asArray, asObject, asString, parseFastjson } from './fastjson-parse.js';
import { parseTopicRoute, type TopicRoute } from './topic-route.js';

export interface ClusterInfo {
  /** brokerName → { cluster, master address }. */
  brokers: Map<string, { cluster: string; masterAddr: string | undefined }>;
  /** cluster → broker names. */
  clusters: Map<string, string[]>;
}

export function parseNamesrvAddr(addr: string): string[] {
  const list = addr.split(/[;,]/).map((a) => a.trim()).filter((a) => a.length > 0);
  if (list.length === 0) throw new MQClientError('ILLEGAL_ARGUMENT', `namesrvAddr '${addr}' names no server`);
  for (const a of list) if (!/^[^:\s]+:\d{1,5}$/.test(a)) throw new MQClientError('ILLEGAL_ARGUMENT', `name server address '${a}' is not host:port`);
  return list;
}

export class NameServerClient {
  private current = 0;

  constructor(
    private readonly addrs: readonly string[],
    private readonly connections: BrokerConnections,
    private readonly timeoutMs: number,
  ) {}

  private async request(code: number, ext: Record<string, string>, ok: readonly number[]): Promise<{ code: number; body: Buffer | undefined; remark: string | undefined }> {
    let lastError: unknown;
    for (let i = 0; i < this.addrs.length; i++) {
      const idx = (this.current + i) % this.addrs.length;
      const addr = this.addrs[idx] as string;
      try {
        const r = await this.connections.invokeRaw(addr, code, ext, undefined, this.timeoutMs);
        this.current = idx;
        if (!ok.includes(r.code)) throw new MQBrokerError(r.code, r.remark, addr);
        return { code: r.code, body: r.body, remark: r.remark };
      } catch (err) {
        if (err instanceof MQBrokerError) throw err;
        lastError = err;
      }
    }
    throw lastError instanceof MQClientError ? lastError : new MQClientError('CONNECT_FAILED', `no name server of ${this.addrs.join(';')} answered`, { cause: lastError });
  }

  /** The topic's route, or undefined when the name server knows no such topic. */
  async topicRoute(topic: string): Promise<TopicRoute | undefined> {
    const r = await this.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }, [ResponseCode.SUCCESS, ResponseCode.TOPIC_NOT_EXIST]);
    if (r.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
    return parseTopicRoute(topic, parseFastjson(r.body, 'route'));
  }

  async clusterInfo(): Promise<ClusterInfo> {
    const r = await this.request(RequestCode.GET_BROKER_CLUSTER_INFO, {}, [ResponseCode.SUCCESS]);
    const body = parseFastjson(r.body, 'cluster info');
    const brokers = new Map<string, { cluster: string; masterAddr: string | undefined }>();
    for (const [name, raw] of Object.entries(asObject(body['brokerAddrTable']))) {
      const b = asObject(raw);
      brokers.set(name, { cluster: asString(b['cluster']) ?? '', masterAddr: asString(asObject(b['brokerAddrs'])['0']) });
    }
    const clusters = new Map<string, string[]>();
    for (const [name, raw] of Object.entries(asObject(body['clusterAddrTable']))) {
      clusters.set(name, asArray(raw).filter((x): x is string => typeof x === 'string'));
    }
    return { brokers, clusters };
  }
}
