/**
 * Authentication and ACL on the remoting listeners (broker and name server): verifies the AclClientRPCHook
 * signature of every request and checks what its request code touches. Refusals are NO_PERMISSION (16) with a
 * remark naming the user and the resource. Built only when auth is on: with auth off the listeners never call it.
 */
import type { Authorizer } from '../../auth/authorizer.js';
import { Perm } from '../../auth/permission.js';
import { clusterResource, groupResource, topicResource, type Resource } from '../../auth/resource.js';
import { requestCodeName, RequestCode, ResponseCode } from './codes.js';
import { responseTo, type RemotingCommand } from './command.js';

/** Resources of one request; `undefined` from the table means "any authenticated user". */
export type ResourcesOf = (request: RemotingCommand) => Resource[];

const field = (r: RemotingCommand, k: string): string => r.extFields[k] ?? '';
const none: ResourcesOf = () => [];
const pubTopic = (k: string): ResourcesOf => (r) => [topicResource(field(r, k), Perm.PUB)];
const consume: ResourcesOf = (r) => [topicResource(field(r, 'topic'), Perm.SUB), groupResource(field(r, 'consumerGroup'), Perm.SUB)];
const anyTopic: ResourcesOf = (r) => [topicResource(field(r, 'topic'), Perm.ANY)];

function bodyJson(r: RemotingCommand): Record<string, unknown> {
  try {
    const v: unknown = r.body && r.body.length > 0 ? JSON.parse(r.body.toString('utf8')) : {};
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {}; // the handler reports the bad body
  }
}

/** A heartbeat: SUB on each consumer group and each topic it subscribes to (retry topics count as the group). */
const heartbeat: ResourcesOf = (r) => {
  const out: Resource[] = [];
  const consumers = bodyJson(r)['consumerDataSet'];
  for (const c of Array.isArray(consumers) ? consumers : []) {
    const group = (c as { groupName?: unknown })?.groupName;
    if (typeof group !== 'string') continue;
    out.push(groupResource(group, Perm.SUB));
    const subs = (c as { subscriptionDataSet?: unknown }).subscriptionDataSet;
    for (const s of Array.isArray(subs) ? subs : []) {
      const topic = (s as { topic?: unknown })?.topic;
      if (typeof topic === 'string') out.push(topicResource(topic, Perm.SUB));
    }
  }
  return out;
};

const lockGroup: ResourcesOf = (r) => {
  const g = bodyJson(r)['consumerGroup'];
  return [groupResource(typeof g === 'string' ? g : '', Perm.SUB)];
};

/** Request codes of the broker's remoting port; a code missing here needs a super user. */
export const BROKER_RESOURCES: ReadonlyMap<number, ResourcesOf> = new Map<number, ResourcesOf>([
  [RequestCode.SEND_MESSAGE, pubTopic('topic')],
  [RequestCode.SEND_MESSAGE_V2, pubTopic('b')],
  [RequestCode.SEND_BATCH_MESSAGE, pubTopic('b')],
  [RequestCode.PULL_MESSAGE, consume],
  [RequestCode.LITE_PULL_MESSAGE, consume],
  [RequestCode.QUERY_CONSUMER_OFFSET, consume],
  [RequestCode.UPDATE_CONSUMER_OFFSET, consume],
  [RequestCode.CONSUMER_SEND_MSG_BACK, (r) => [groupResource(field(r, 'group'), Perm.SUB)]],
  [RequestCode.GET_CONSUMER_LIST_BY_GROUP, (r) => [groupResource(field(r, 'consumerGroup'), Perm.SUB)]],
  [RequestCode.HEART_BEAT, heartbeat],
  [RequestCode.UNREGISTER_CLIENT, (r) => (field(r, 'consumerGroup') !== '' ? [groupResource(field(r, 'consumerGroup'), Perm.ANY)] : [])],
  [RequestCode.LOCK_BATCH_MQ, lockGroup],
  [RequestCode.UNLOCK_BATCH_MQ, lockGroup],
  [RequestCode.CHECK_CLIENT_CONFIG, none],
  // 4.x clients send no topic with END_TRANSACTION; the half message was already checked when it was sent.
  [RequestCode.END_TRANSACTION, (r) => (field(r, 'topic') !== '' ? [topicResource(field(r, 'topic'), Perm.PUB)] : [])],
  [RequestCode.GET_MAX_OFFSET, anyTopic],
  [RequestCode.GET_MIN_OFFSET, anyTopic],
  [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, anyTopic],
  [RequestCode.GET_EARLIEST_MSG_STORETIME, anyTopic],
  [RequestCode.QUERY_MESSAGE, (r) => [topicResource(field(r, 'topic'), Perm.SUB)]],
  [RequestCode.VIEW_MESSAGE_BY_ID, (r) => (field(r, 'topic') !== '' ? [topicResource(field(r, 'topic'), Perm.SUB)] : [])],
]);

/** Request codes of the name server: look-ups are open to any authenticated user; writes need a super user. */
export const NAMESRV_RESOURCES: ReadonlyMap<number, ResourcesOf> = new Map<number, ResourcesOf>([
  [RequestCode.GET_ROUTEINFO_BY_TOPIC, none],
  [RequestCode.GET_BROKER_CLUSTER_INFO, none],
  [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, none],
  [RequestCode.GET_TOPICS_BY_CLUSTER, none],
  [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, none],
  [RequestCode.GET_KV_CONFIG, none],
  [RequestCode.GET_KVLIST_BY_NAMESPACE, none],
  [RequestCode.QUERY_DATA_VERSION, none],
]);

/** What a remoting listener calls per request when auth is on: undefined to go on, or the refusal to send. */
export type RemotingAuthCheck = (request: RemotingCommand) => RemotingCommand | undefined;

export function remotingAuthCheck(authorizer: Authorizer, table: ReadonlyMap<number, ResourcesOf>): RemotingAuthCheck {
  return (request) => {
    const a = authorizer.authenticateRemoting(request.extFields, request.body);
    if (!a.ok) return responseTo(request, ResponseCode.NO_PERMISSION, a.message);
    const of = table.get(request.code);
    const resources = of ? of(request) : [clusterResource(`request ${requestCodeName(request.code)}`)];
    const d = authorizer.authorize(a.user, resources);
    return d.ok ? undefined : responseTo(request, ResponseCode.NO_PERMISSION, d.message);
  };
}
