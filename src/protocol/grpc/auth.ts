/**
 * Authentication and ACL on the gRPC front: verifies the v2 clients' `authorization` signature and checks the
 * resources each RPC touches, as RocketMQ 5 does (send/end-transaction/recall: PUB on the topic; receive, ack,
 * change-invisible, forward-to-DLQ, offsets, pull, assignment: SUB on the group and the topic; route look-ups:
 * PUB or SUB on the topic; consumer heartbeats and terminations: SUB on the group). Failures are v2 statuses:
 * UNAUTHORIZED (missing header, unknown user, bad signature) and FORBIDDEN (no permission).
 */
import type { Metadata } from '@grpc/grpc-js';
import type { AclUser } from '../../auth/acl-store.js';
import type { Authorizer } from '../../auth/authorizer.js';
import { Perm } from '../../auth/permission.js';
import { clusterResource, groupResource, topicResource, type Resource } from '../../auth/resource.js';
import { GRPC_DATE_TIME_HEADER } from '../../auth/signature.js';
import { ClientType, Code, type Settings, type Status, type Resource as V2Resource, type MessageQueue } from './generated/apache/rocketmq/v2/definition.js';
import { status } from './codes.js';
import { header } from './context.js';

type Named = { topic?: V2Resource | undefined; group?: V2Resource | undefined; messageQueue?: MessageQueue | undefined };

const name = (r: V2Resource | undefined): string => r?.name ?? '';
const subTopic = (r: V2Resource | undefined): Resource => topicResource(name(r), Perm.SUB);
const subGroup = (r: V2Resource | undefined): Resource => groupResource(name(r), Perm.SUB);
/** Group and topic, both SUB: what every consuming RPC needs. */
const consume = (req: Named): Resource[] => [subGroup(req.group), subTopic(req.topic ?? req.messageQueue?.topic)];

const CONSUMER_TYPES = new Set<ClientType>([
  ClientType.PUSH_CONSUMER,
  ClientType.SIMPLE_CONSUMER,
  ClientType.PULL_CONSUMER,
  ClientType.LITE_PUSH_CONSUMER,
  ClientType.LITE_SIMPLE_CONSUMER,
]);

/** RPC name → the resources its request touches. An RPC missing here needs a super user (fail closed). */
const RPC_RESOURCES: Readonly<Record<string, (req: never) => Resource[]>> = {
  QueryRoute: (r: Named) => [topicResource(name(r.topic), Perm.ANY)],
  SendMessage: (r: { messages: Array<{ topic?: V2Resource | undefined }> }) => {
    const topics = new Set(r.messages.map((m) => name(m.topic)));
    if (topics.size === 0) topics.add('');
    return [...topics].map((t) => topicResource(t, Perm.PUB));
  },
  EndTransaction: (r: Named) => [topicResource(name(r.topic), Perm.PUB)],
  RecallMessage: (r: Named) => [topicResource(name(r.topic), Perm.PUB)],
  Heartbeat: (r: Named & { clientType: ClientType }) => (CONSUMER_TYPES.has(r.clientType) ? [subGroup(r.group)] : []),
  NotifyClientTermination: (r: Named) => (name(r.group) !== '' ? [subGroup(r.group)] : []),
  QueryAssignment: consume,
  ReceiveMessage: consume,
  AckMessage: consume,
  ChangeInvisibleDuration: consume,
  ForwardMessageToDeadLetterQueue: consume,
  PullMessage: consume,
  UpdateOffset: consume,
  GetOffset: consume,
  SyncLiteSubscription: consume,
  QueryOffset: (r: Named) => [subTopic(r.messageQueue?.topic)],
};

/** A Settings command's resources: PUB on each published topic, SUB on the group and each subscribed topic. */
function settingsResources(s: Settings): Resource[] {
  const out: Resource[] = [];
  const p = s.pubSub;
  if (p?.$case === 'publishing') for (const t of p.publishing.topics) out.push(topicResource(t.name, Perm.PUB));
  else if (p?.$case === 'subscription') {
    out.push(subGroup(p.subscription.group));
    for (const e of p.subscription.subscriptions) out.push(subTopic(e.topic));
  }
  return out;
}

export type GrpcAuthResult = { readonly user: AclUser; readonly status?: undefined } | { readonly user?: undefined; readonly status: Status };

export class GrpcAuth {
  constructor(private readonly authorizer: Authorizer) {}

  /** Who sent this call; an UNAUTHORIZED status when nobody verifiable did. */
  authenticate(metadata: Metadata): GrpcAuthResult {
    const a = this.authorizer.authenticateGrpc(header(metadata, 'authorization'), header(metadata, GRPC_DATE_TIME_HEADER));
    return a.ok ? { user: a.user } : { status: status(Code.UNAUTHORIZED, a.message) };
  }

  /** undefined when the call may proceed; otherwise the status to answer with. */
  check(rpc: string, metadata: Metadata, request: unknown): Status | undefined {
    const a = this.authenticate(metadata);
    if (!a.user) return a.status;
    const of = RPC_RESOURCES[rpc] as ((req: unknown) => Resource[]) | undefined;
    return this.allow(a.user, of ? of(request) : [clusterResource(`RPC ${rpc}`)]);
  }

  /** A Settings command on a Telemetry stream: signature again (the user may have been changed since), then ACL. */
  checkSettings(metadata: Metadata, settings: Settings): Status | undefined {
    const a = this.authenticate(metadata);
    return a.user ? this.allow(a.user, settingsResources(settings)) : a.status;
  }

  private allow(user: AclUser, resources: readonly Resource[]): Status | undefined {
    const d = this.authorizer.authorize(user, resources);
    return d.ok ? undefined : status(Code.FORBIDDEN, d.message);
  }
}
