/** The admin HTTP face: JSON API, /healthz, /metrics. */
export { startAdminServer, type AdminServerHandle, type AdminServerOptions, type AdminTarget } from './server.js';
export { createBrokerMetrics, type BrokerMetrics, type MetricsSources } from './metrics.js';
export { HTTP_STATUS_BY_BROKER_CODE, HttpError, type ErrorBody, type ErrorCode } from './http-errors.js';
export type { Endpoint, LifecycleState, StatusReport } from './status.js';
