/**
 * The SDK's typed errors, as the classic Java client splits them: MQClientError for what went wrong on this side
 * (no route, connection lost, timeout, bad argument), MQBrokerError for a broker's refusal with RocketMQ's response
 * code and remark. `retriable` says whether sending again (maybe to another broker) can help.
 */

/** RocketMQ's -1: no response code, the failure is the client's own. */
export const NO_RESPONSE_CODE = -1;

export type ClientErrorKind = 'ILLEGAL_ARGUMENT' | 'NOT_STARTED' | 'NO_ROUTE' | 'CONNECT_FAILED' | 'CONNECTION_CLOSED' | 'TIMEOUT' | 'SHUTDOWN' | 'PROTOCOL';

export class MQClientError extends Error {
  override readonly name: string = 'MQClientError';
  readonly responseCode: number;
  readonly remark: string;
  readonly kind: ClientErrorKind | 'BROKER';
  readonly retriable: boolean;

  constructor(kind: ClientErrorKind | 'BROKER', message: string, options: { responseCode?: number; retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.kind = kind;
    this.responseCode = options.responseCode ?? NO_RESPONSE_CODE;
    this.remark = message;
    this.retriable = options.retriable ?? (kind === 'CONNECT_FAILED' || kind === 'CONNECTION_CLOSED' || kind === 'TIMEOUT' || kind === 'NO_ROUTE');
  }
}

/** Response codes after which the Java producer sends again (DefaultMQProducer's retryResponseCodes). */
const RETRIABLE_BROKER_CODES: ReadonlySet<number> = new Set([1 /* SYSTEM_ERROR */, 2 /* SYSTEM_BUSY */, 14 /* SERVICE_NOT_AVAILABLE */, 16 /* NO_PERMISSION */, 17 /* TOPIC_NOT_EXIST */]);

export class MQBrokerError extends MQClientError {
  override readonly name: string = 'MQBrokerError';
  /** The broker (host:port) that answered. */
  readonly brokerAddr: string;

  constructor(responseCode: number, remark: string | undefined, brokerAddr: string) {
    super('BROKER', `CODE: ${responseCode} DESC: ${remark ?? ''} BROKER: ${brokerAddr}`, { responseCode, retriable: RETRIABLE_BROKER_CODES.has(responseCode) });
    this.brokerAddr = brokerAddr;
    (this as { remark: string }).remark = remark ?? '';
  }
}

export const isMQClientError = (e: unknown): e is MQClientError => e instanceof MQClientError;
