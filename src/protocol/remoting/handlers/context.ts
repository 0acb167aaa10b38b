/** What every broker-side remoting handler gets: the broker, the classic clients' group membership, addresses. */
import type { Broker } from '../../../broker/broker.js';
import type { GroupMembership } from '../../../broker/clients/group-membership.js';
import type { Logger } from '../../../util/logger.js';
import type { RemotingConnection } from '../connection.js';
import type { PullHoldService } from './pull-hold.js';

export interface RemotingContext {
  broker: Broker;
  membership: GroupMembership<RemotingConnection>;
  logger: Logger;
  brokerName: string;
  clusterName: string;
  /** host:port clients reach this broker's remoting listener at (routes, offset message ids). */
  advertisedAddress: () => string;
  pullHolds: PullHoldService;
  maxBodyBytes: number;
  /** Tells every member of the consumer groups to rebalance now (NOTIFY_CONSUMER_IDS_CHANGED). */
  notifyConsumerIdsChanged: (groups: readonly string[]) => void;
}
