/** The shapes /healthz and /api/status report. */
import type { RecoveryReport, StoreStats } from '../store/types.js';

/** The running broker's lifecycle as operators see it. */
export type LifecycleState = 'starting' | 'serving' | 'stopping' | 'stopped';

export interface Endpoint {
  host: string;
  port: number;
}

export interface StatusReport {
  state: LifecycleState;
  version: string;
  brokerName: string;
  dataDir: string;
  flush: 'sync' | 'async';
  startedAt: number;
  uptimeMs: number;
  grpc?: Endpoint;
  http?: Endpoint;
  namesrv?: Endpoint;
  remoting?: Endpoint;
  topics?: number;
  groups?: number;
  store?: StoreStats;
  recovery?: RecoveryReport;
}
