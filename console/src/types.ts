/** Shapes of the admin API's answers (see README "Admin HTTP API"). */

export interface Endpoint { host: string; port: number }

export interface StoreStats {
  commitLogMinOffset?: number;
  commitLogMaxOffset: number;
  flushedOffset: number;
  segments: number;
  commitLogBytesOnDisk: number;
  fsyncCount: number;
  [k: string]: unknown;
}

export interface Status {
  state: string;
  version: string;
  brokerName: string;
  dataDir: string;
  flush: string;
  startedAt: number;
  uptimeMs: number;
  grpc?: Endpoint;
  http?: Endpoint;
  namesrv?: Endpoint;
  remoting?: Endpoint;
  topics?: number;
  groups?: number;
  store?: StoreStats;
}

export interface RatePoint { t: number; sendRate: number; consumeRate: number; deliverRate: number; flushMs: number }
export interface History { intervalMs: number; capacity: number; points: RatePoint[] }

export interface Topic {
  name: string;
  messageType: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  createdAt: number;
}
export interface TopicStats extends Topic { system: boolean; messages: number; appended: number; rate: number }
export interface QueueOffsets { queueId: number; minOffset: number; maxOffset: number }

export interface Group { name: string; fifo: boolean; maxDeliveryAttempts: number; consumeFromWhere: string; createdAt: number }
export interface GroupStats extends Group { topics: string[]; lag: number; inFlight: number; retrying: number; deadLettered: number }
export interface GroupQueue { topic: string; queueId: number; offset: number; maxOffset: number; lag: number; inFlight: number; retrying: number; deadLettered: number }
export interface GroupDescription { group: Group; queues: GroupQueue[]; retrying: number; deadLettered: number }

export interface Message {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  messageId: string;
  messageType: string;
  tag?: string;
  keys: string[];
  messageGroup?: string;
  deliveryTimestamp?: number;
  properties: Record<string, string>;
  body: string;
  bodySize: number;
  bodyPreview: string;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  reconsumeTimes: number;
}

export interface PendingTx {
  transactionId: string;
  messageId: string;
  topic: string;
  queueId: number;
  producerGroup: string;
  bornHost: string;
  bornAt: number;
  ageMs: number;
  checks: number;
  lastCheckAt: number;
  nextCheckAt: number;
  state: string;
}
export interface GivenUpTx {
  transactionId: string;
  messageId: string;
  topic: string;
  producerGroup: string;
  bornAt: number;
  givenUpAt: number;
  checks: number;
  bodySize: number;
  state: string;
}

export interface ClientInfo { protocol: string; clientId: string; role: string; group?: string; address?: string; lastSeen?: number }
