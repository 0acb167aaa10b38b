/**
 * The Settings a server answers a client's Settings with. The official Node client hangs without one, and
 * crashes when a producer's backoff policy is not exponential; a push consumer reads fifo,
 * receive_batch_size, long_polling_timeout and max_attempts from it.
 */
import type { GroupConfig, RetryPolicy as BrokerRetryPolicy } from '../../../broker/types.js';
import type { ClientDeclaration } from '../../../broker/clients/types.js';
import { DEFAULT_MAX_DELIVERY_ATTEMPTS } from '../../../broker/group-registry.js';
import { DEFAULT_RETRY_POLICY } from '../../../broker/retry-policy.js';
import {
  ClientType,
  Code,
  Language,
  type RetryPolicy,
  type Settings,
} from '../generated/apache/rocketmq/v2/definition.js';
import type { GrpcRuntime } from '../context.js';
import { checkGroup, checkTopic, fail } from '../validation.js';
import { clientKind, msToDuration } from '../wire.js';

/** A consumer group the broker does not know yet (it is created on first receive) gets the broker's defaults. */
const DEFAULT_GROUP_RETRY: BrokerRetryPolicy = DEFAULT_RETRY_POLICY;
const DEFAULT_MAX_ATTEMPTS = DEFAULT_MAX_DELIVERY_ATTEMPTS;

/**
 * Always exponential: the Node client ignores a customized policy (and then retries nothing), so a ladder is
 * sent as the exponential curve through its first and last step.
 */
export function exponentialOf(p: BrokerRetryPolicy, maxAttempts: number): RetryPolicy {
  let initialMs: number;
  let maxMs: number;
  let multiplier: number;
  if (p.kind === 'exponential') {
    ({ initialMs, maxMs, multiplier } = p);
  } else {
    const d = p.delaysMs.length > 0 ? p.delaysMs : [1000];
    initialMs = d[0]!;
    maxMs = d[d.length - 1]!;
    multiplier = d.length > 1 && initialMs > 0 ? Math.pow(maxMs / initialMs, 1 / (d.length - 1)) : 1;
  }
  return {
    maxAttempts,
    strategy: {
      $case: 'exponentialBackoff',
      exponentialBackoff: { initial: msToDuration(initialMs), max: msToDuration(maxMs), multiplier },
    },
  };
}

export interface SettingsOutcome {
  answer: Settings;
  declaration: ClientDeclaration;
}

function userAgentOf(s: Settings): string | undefined {
  const ua = s.userAgent;
  if (!ua) return undefined;
  return [Language[ua.language] ?? String(ua.language), ua.version, ua.hostname].filter((x) => x !== '').join(' ');
}

/** Validates a client's Settings and builds the answer plus what the registry should record. */
export function answerSettings(rt: GrpcRuntime, client: Settings, remoteAddress: string): SettingsOutcome {
  const s = rt.settings;
  const pubSub = client.pubSub;
  let type = client.clientType ?? ClientType.CLIENT_TYPE_UNSPECIFIED;
  if (type === ClientType.CLIENT_TYPE_UNSPECIFIED) {
    if (pubSub?.$case === 'publishing') type = ClientType.PRODUCER;
    else if (pubSub?.$case === 'subscription') type = ClientType.SIMPLE_CONSUMER;
  }
  const kind = clientKind(type);
  if (kind === undefined || kind === 'UNSPECIFIED') fail(Code.UNRECOGNIZED_CLIENT_TYPE, `client_type ${type} is not a known client type`);
  const userAgent = userAgentOf(client);

  const base: Settings = {
    clientType: type,
    accessPoint: client.accessPoint,
    requestTimeout: client.requestTimeout,
    userAgent: client.userAgent,
    metric: { on: false, endpoints: undefined },
    backoffPolicy: undefined,
    pubSub: undefined,
  };

  if (kind === 'PRODUCER') {
    const topics = (pubSub?.$case === 'publishing' ? pubSub.publishing.topics : []).map((t) => checkTopic(t, s, 'publishing.topics'));
    base.backoffPolicy = exponentialOf(
      { kind: 'exponential', initialMs: s.producerBackoffInitialMs, maxMs: s.producerBackoffMaxMs, multiplier: s.producerBackoffMultiplier },
      s.producerMaxAttempts,
    );
    base.pubSub = {
      $case: 'publishing',
      publishing: {
        topics: pubSub?.$case === 'publishing' ? pubSub.publishing.topics : [],
        maxBodySize: s.maxBodyBytes,
        validateMessageType: s.validateMessageType,
      },
    };
    const declaration: ClientDeclaration = { kind, topics, remoteAddress };
    if (userAgent !== undefined) declaration.userAgent = userAgent;
    return { answer: base, declaration };
  }

  if (pubSub?.$case !== 'subscription') fail(Code.BAD_REQUEST, `a ${kind} must send subscription settings`);
  const sub = pubSub.subscription;
  const group = checkGroup(sub.group, s, 'subscription.group');
  const topics = sub.subscriptions.map((e) => checkTopic(e.topic, s, 'subscription.subscriptions.topic'));
  const cfg: GroupConfig | undefined = rt.broker.getGroup(group);
  const maxAttempts = cfg?.maxDeliveryAttempts ?? DEFAULT_MAX_ATTEMPTS;
  base.backoffPolicy = exponentialOf(cfg?.retryPolicy ?? DEFAULT_GROUP_RETRY, maxAttempts);
  base.pubSub = {
    $case: 'subscription',
    subscription: {
      group: sub.group,
      subscriptions: sub.subscriptions,
      fifo: cfg?.fifo ?? false,
      // Always sent: the Node push consumer takes an absent value as 0 and then receives nothing.
      receiveBatchSize: s.receiveBatchSize,
      longPollingTimeout: msToDuration(s.longPollingTimeoutMs),
      liteSubscriptionQuota: undefined,
      maxLiteTopicSize: undefined,
    },
  };
  const declaration: ClientDeclaration = { kind, group, topics, remoteAddress };
  if (userAgent !== undefined) declaration.userAgent = userAgent;
  return { answer: base, declaration };
}
