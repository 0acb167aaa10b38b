/**
 * The broker's remoting front (port 10911 by default): the handler table of every request code Apogee serves,
 * the classic clients' group membership, long-polling pulls and the check-back channel to remoting producers.
 */
import type { SecureContext } from 'node:tls';
import type { Authorizer } from '../../auth/authorizer.js';
import type { Broker } from '../../broker/broker.js';
import { GroupMembership } from '../../broker/clients/group-membership.js';
import type { Logger } from '../../util/logger.js';
import { BROKER_RESOURCES, remotingAuthCheck } from './auth.js';
import { RequestCode } from './codes.js';
import type { RemotingConnection } from './connection.js';
import * as admin from './handlers/admin.js';
import * as consumers from './handlers/consumers.js';
import type { RemotingContext } from './handlers/context.js';
import * as offsets from './handlers/offsets.js';
import { handlePull } from './handlers/pull.js';
import { PullHoldService } from './handlers/pull-hold.js';
import { handleQueryMessage, handleViewMessage } from './handlers/query.js';
import { handleSend, handleSendBatch } from './handlers/send.js';
import { handleEndTransaction, remotingCheckBackChannel } from './handlers/transaction.js';
import { responseTo } from './command.js';
import { ResponseCode } from './codes.js';
import { RemotingAdmission } from './admission.js';
import type { MemoryBudget } from '../../util/memory-budget.js';
import { startRemotingServer, type RemotingHandler, type RemotingServerHandle } from './server.js';

export interface RemotingBrokerOptions {
  broker: Broker;
  host: string;
  port: number;
  /** Host clients are told to connect to (routes, message ids); default: `host`, or 127.0.0.1 for a wildcard. */
  advertisedHost?: string;
  logger: Logger;
  brokerName: string;
  clusterName: string;
  maxBodyBytes: number;
  maxPendingRequestsPerConnection?: number;
  /** Unread response bytes per connection before the broker stops reading from it. */
  maxWriteBufferBytes?: number;
  maxHeldPulls?: number;
  /** Requests in progress over all connections; more are answered SYSTEM_BUSY (default 10,000). */
  maxInFlight?: number;
  /** The global byte budget shared with the other fronts; absent = not counted. */
  budget?: MemoryBudget;
  /** Close a connection that has not read its answers for this long while over maxWriteBufferBytes. */
  writeStallCloseMs?: number;
  /** Signature and ACL checks on every request (auth on). */
  authorizer?: Authorizer;
  /** Serve TLS only. */
  tlsContext?: SecureContext;
}

export interface RemotingConnectionInfo {
  remoteAddress: string;
  clientId: string | undefined;
  inFlight: number;
  writeBuffered: number;
  paused: boolean;
}

export interface RemotingBrokerHandle {
  readonly port: number;
  /** host:port as routes name it. */
  readonly address: string;
  readonly membership: GroupMembership<RemotingConnection>;
  connections(): number;
  connectionInfo(): RemotingConnectionInfo[];
  /** Pull requests held by long polling right now. */
  heldPulls(): number;
  /** Requests in progress over all connections, and requests refused SYSTEM_BUSY since start. */
  inFlight(): number;
  refused(): number;
  close(): Promise<void>;
}

export async function startRemotingBroker(options: RemotingBrokerOptions): Promise<RemotingBrokerHandle> {
  const membership = new GroupMembership<RemotingConnection>(() => Date.now());
  const pullHolds = new PullHoldService(options.maxHeldPulls ?? 100_000);
  const admission = new RemotingAdmission(options.maxInFlight ?? 10_000, options.budget);
  const host = options.advertisedHost ?? (options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host);
  let address = `${host}:${options.port}`;
  const ctx: RemotingContext = {
    broker: options.broker,
    membership,
    logger: options.logger,
    brokerName: options.brokerName,
    clusterName: options.clusterName,
    advertisedAddress: () => address,
    pullHolds,
    maxBodyBytes: options.maxBodyBytes,
    notifyConsumerIdsChanged: (groups) => {
      for (const g of groups) {
        for (const m of membership.consumersOf(g)) m.channel.sendOneway(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: g });
      }
    },
  };
  const h = new Map<number, RemotingHandler>();
  const on = (code: number, fn: RemotingHandler): void => void h.set(code, fn);
  on(RequestCode.SEND_MESSAGE, (r, c) => handleSend(ctx, r, c));
  on(RequestCode.SEND_MESSAGE_V2, (r, c) => handleSend(ctx, r, c));
  on(RequestCode.SEND_BATCH_MESSAGE, (r, c) => handleSendBatch(ctx, r, c));
  on(RequestCode.PULL_MESSAGE, (r, c) => handlePull(ctx, r, c));
  on(RequestCode.LITE_PULL_MESSAGE, (r, c) => handlePull(ctx, r, c));
  on(RequestCode.HEART_BEAT, (r, c) => consumers.handleHeartbeat(ctx, r, c));
  on(RequestCode.UNREGISTER_CLIENT, (r) => consumers.handleUnregister(ctx, r));
  on(RequestCode.CHECK_CLIENT_CONFIG, (r) => responseTo(r, ResponseCode.SUCCESS));
  on(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (r) => consumers.handleConsumerList(ctx, r));
  on(RequestCode.CONSUMER_SEND_MSG_BACK, (r) => consumers.handleSendBack(ctx, r));
  on(RequestCode.LOCK_BATCH_MQ, (r) => consumers.handleLockBatch(ctx, r));
  on(RequestCode.UNLOCK_BATCH_MQ, (r) => consumers.handleUnlockBatch(ctx, r));
  on(RequestCode.QUERY_CONSUMER_OFFSET, (r) => offsets.handleQueryConsumerOffset(ctx, r));
  on(RequestCode.UPDATE_CONSUMER_OFFSET, (r) => offsets.handleUpdateConsumerOffset(ctx, r));
  on(RequestCode.GET_MAX_OFFSET, (r) => offsets.handleMaxOffset(ctx, r));
  on(RequestCode.GET_MIN_OFFSET, (r) => offsets.handleMinOffset(ctx, r));
  on(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (r) => offsets.handleSearchOffset(ctx, r));
  on(RequestCode.GET_EARLIEST_MSG_STORETIME, (r) => offsets.handleEarliestStoreTime(ctx, r));
  on(RequestCode.END_TRANSACTION, (r) => handleEndTransaction(ctx, r));
  on(RequestCode.VIEW_MESSAGE_BY_ID, (r) => handleViewMessage(ctx, r));
  on(RequestCode.QUERY_MESSAGE, (r) => handleQueryMessage(ctx, r));
  on(RequestCode.UPDATE_AND_CREATE_TOPIC, (r) => admin.handleUpdateAndCreateTopic(ctx, r));
  on(RequestCode.DELETE_TOPIC_IN_BROKER, (r) => admin.handleDeleteTopic(ctx, r));
  on(RequestCode.GET_ALL_TOPIC_CONFIG, (r) => admin.handleAllTopicConfig(ctx, r));
  on(RequestCode.GET_TOPIC_CONFIG, (r) => admin.handleTopicConfig(ctx, r));
  on(RequestCode.GET_TOPIC_STATS_INFO, (r) => admin.handleTopicStats(ctx, r));
  on(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, (r) => admin.handleUpdateSubscriptionGroup(ctx, r));
  on(RequestCode.DELETE_SUBSCRIPTIONGROUP, (r) => admin.handleDeleteSubscriptionGroup(ctx, r));
  on(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (r) => admin.handleAllSubscriptionGroups(ctx, r));
  on(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, (r) => admin.handleSubscriptionGroupConfig(ctx, r));
  on(RequestCode.GET_CONSUMER_CONNECTION_LIST, (r) => admin.handleConsumerConnections(ctx, r));
  on(RequestCode.GET_PRODUCER_CONNECTION_LIST, (r) => admin.handleProducerConnections(ctx, r));
  on(RequestCode.GET_CONSUME_STATS, (r) => admin.handleConsumeStats(ctx, r));
  on(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, (r) => admin.handleTopicConsumedByWho(ctx, r));
  on(RequestCode.GET_BROKER_RUNTIME_INFO, (r) => admin.handleBrokerRuntimeInfo(ctx, r));
  on(RequestCode.GET_BROKER_CONFIG, (r) => admin.handleBrokerConfig(ctx, r));

  const server: RemotingServerHandle = await startRemotingServer({
    host: options.host,
    port: options.port,
    logger: options.logger,
    handlers: h,
    maxFrameBytes: options.maxBodyBytes + 1024 * 1024, // the largest body plus room for header and batch framing
    ...(options.authorizer ? { authorize: remotingAuthCheck(options.authorizer, BROKER_RESOURCES) } : {}),
    ...(options.tlsContext ? { tlsContext: options.tlsContext } : {}),
    ...(options.maxPendingRequestsPerConnection !== undefined ? { maxPendingRequestsPerConnection: options.maxPendingRequestsPerConnection } : {}),
    ...(options.maxWriteBufferBytes !== undefined ? { maxWriteBufferBytes: options.maxWriteBufferBytes } : {}),
    ...(options.writeStallCloseMs !== undefined ? { writeStallCloseMs: options.writeStallCloseMs } : {}),
    admission,
    onConnection: (conn) =>
      conn.onClosed(() => {
        const change = membership.channelClosed(conn);
        if (conn.clientId !== undefined) options.broker.queueLocks.releaseClient(conn.clientId);
        if (change.consumerGroupsChanged.length > 0) ctx.notifyConsumerIdsChanged(change.consumerGroupsChanged);
      }),
  });
  address = `${host}:${server.port}`;
  const stopArrivals = options.broker.onMessageArrived((topic, queueId) => pullHolds.arrived(topic, queueId));
  options.broker.addCheckBackChannel(remotingCheckBackChannel(ctx));
  const sweeper = setInterval(() => {
    const change = membership.expire();
    if (change.consumerGroupsChanged.length > 0) ctx.notifyConsumerIdsChanged(change.consumerGroupsChanged);
  }, 10_000);
  sweeper.unref();
  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    get address() {
      return address;
    },
    membership,
    connections: () => server.connections.size,
    connectionInfo: () =>
      [...server.connections].map((c) => ({ remoteAddress: c.remoteAddress, clientId: c.clientId, inFlight: c.inFlight, writeBuffered: c.writeBuffered, paused: c.isPaused })),
    heldPulls: () => pullHolds.size,
    inFlight: () => admission.inFlight,
    refused: () => admission.refused,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        stopArrivals();
        pullHolds.wakeAll();
        await server.close();
      })()),
  };
}
