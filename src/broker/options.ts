import type { ConsumptionMetricsSink } from './consumption/metrics-sink.js';
import type { TransactionOptions } from './transaction/constants.js';
import type { MessageStore } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** Everything the broker needs; `Broker.open(options)` (broker.ts) takes it. */
export interface BrokerOptions {
  store: MessageStore;
  /** Metadata (topics, groups, consumer offsets) lives in `<dataDir>/config/`. */
  dataDir: string;
  logger: Logger;
  clock?: Clock;
  /** Name shown in routes and as store host. */
  brokerName?: string;
  /** host:port written as store_host into records. */
  storeHost?: string;
  /** Create a consumer group on first use (default true); false requires `createGroup` first. */
  autoCreateGroups?: boolean;
  /** Largest accepted message body in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Longest accepted delay of a DELAY message ahead of now, ms (default 24 h). */
  maxDelayMs?: number;
  /** Check-back timing and limits (defaults: RocketMQ's 6 s immunity, 30 s interval, 15 checks). */
  transaction?: Partial<TransactionOptions>;
  /** Default queue count of a new topic (default 8). */
  defaultQueueNums?: number;
  /** Body bytes one receive gathers at most (default 16 MiB; at least one message is always returned). */
  maxReceiveBytes?: number;
  /** Receive long polls waiting per consumer group (default 1024); more are refused TOO_MANY_REQUESTS. */
  maxLongPollsPerGroup?: number;
  /** Receives delivery, ack and dead-letter counts (admin metrics); none by default. */
  consumptionMetrics?: ConsumptionMetricsSink;
}
