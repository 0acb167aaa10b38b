import type { BrokerApi } from '../../broker/api.js';

/** What route handlers reach: the broker, only while it serves (otherwise a 503 is thrown). */
export interface RouteContext {
  broker(): BrokerApi;
}
