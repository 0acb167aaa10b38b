/**
 * One remoting connection per address (name servers and brokers), opened on first use and again after it drops,
 * with a backoff between failed connects (100 ms doubling to `maxBackoffMs`), so a restarting broker is not
 * hammered and callers get a typed, retriable error meanwhile. Nothing here ever rejects unobserved: a dropped
 * connection fails only the requests that were on it.
 */
import { ResponseCode, type SerializeType } from '../protocol/remoting/codes.js';
import type { RemotingCommand } from '../protocol/remoting/command.js';
import type { Logger } from '../util/logger.js';
import { MQBrokerError, MQClientError } from './errors.js';
import { RemotingClient } from './remoting-client.js';

export interface BrokerConnectionsOptions {
  logger: Logger;
  serializeType?: SerializeType;
  connectTimeoutMs?: number;
  maxBackoffMs?: number;
  /** Requests a server starts on a connection (check-backs, consumer-ids-changed). */
  onRequest: (addr: string, request: RemotingCommand) => RemotingCommand | undefined | Promise<RemotingCommand | undefined>;
  /** A new connection is up (the owner heartbeats on it, so a restarted broker learns the client again). */
  onConnected?: (addr: string, client: RemotingClient) => void;
}

interface Slot {
  client?: RemotingClient;
  connecting?: Promise<RemotingClient>;
  failures: number;
  notBefore: number;
  lastError?: string;
}

export class BrokerConnections {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(private readonly options: BrokerConnectionsOptions) {}

  /** The live connection to `addr`, connecting if needed; rejects with a retriable MQClientError while it cannot. */
  async get(addr: string): Promise<RemotingClient> {
    if (this.closed) throw new MQClientError('SHUTDOWN', 'the client is shut down');
    let slot = this.slots.get(addr);
    if (!slot) {
      slot = { failures: 0, notBefore: 0 };
      this.slots.set(addr, slot);
    }
    if (slot.client && !slot.client.isClosed) return slot.client;
    if (slot.connecting) return slot.connecting;
    if (Date.now() < slot.notBefore) {
      throw new MQClientError('CONNECT_FAILED', `connect to ${addr} failed (${slot.lastError ?? 'unknown'}); next attempt in ${slot.notBefore - Date.now()} ms`);
    }
    const s = slot;
    s.connecting = this.open(addr).then(
      (client) => {
        s.connecting = undefined;
        s.failures = 0;
        s.client = client;
        this.options.onConnected?.(addr, client);
        return client;
      },
      (err: unknown) => {
        s.connecting = undefined;
        s.failures++;
        s.lastError = (err as Error).message;
        s.notBefore = Date.now() + Math.min(100 * 2 ** (s.failures - 1), this.options.maxBackoffMs ?? 5000);
        this.options.logger.debug({ addr, failures: s.failures, err: s.lastError }, 'remoting connect failed');
        throw new MQClientError('CONNECT_FAILED', `connect to ${addr} failed: ${s.lastError}`, { cause: err });
      },
    );
    return s.connecting;
  }

  private async open(addr: string): Promise<RemotingClient> {
    const i = addr.lastIndexOf(':');
    const host = addr.slice(0, i);
    const port = Number(addr.slice(i + 1));
    if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new MQClientError('ILLEGAL_ARGUMENT', `'${addr}' is not host:port`);
    const client = await RemotingClient.connect({
      host,
      port,
      serializeType: this.options.serializeType ?? 0,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 3000,
      logger: this.options.logger,
      onRequest: (req) => this.options.onRequest(addr, req),
    });
    if (this.closed) {
      client.close();
      throw new MQClientError('SHUTDOWN', 'the client is shut down');
    }
    void client.whenClosed().then(() => this.options.logger.debug({ addr }, 'remoting connection closed'));
    return client;
  }

  /** A request; connection problems and timeouts become MQClientError, any response code is returned as is. */
  async invokeRaw(addr: string, code: number, extFields: Record<string, string>, body?: Buffer, timeoutMs = 3000): Promise<RemotingCommand> {
    const client = await this.get(addr);
    try {
      return await client.invoke(code, extFields, body, timeoutMs);
    } catch (err) {
      const msg = (err as Error).message;
      if (/no answer/.test(msg)) throw new MQClientError('TIMEOUT', `${addr} did not answer request code ${code} within ${timeoutMs} ms`, { cause: err });
      throw new MQClientError('CONNECTION_CLOSED', `connection to ${addr} closed during request code ${code}`, { cause: err });
    }
  }

  /** A request whose only good answer is SUCCESS (or one of `ok`); anything else is an MQBrokerError. */
  async invoke(addr: string, code: number, extFields: Record<string, string>, body?: Buffer, timeoutMs = 3000, ok: readonly number[] = [ResponseCode.SUCCESS]): Promise<RemotingCommand> {
    const r = await this.invokeRaw(addr, code, extFields, body, timeoutMs);
    if (!ok.includes(r.code)) throw new MQBrokerError(r.code, r.remark, addr);
    return r;
  }

  /** One-way; false when there is no live connection (it is not opened for a one-way). */
  async oneway(addr: string, code: number, extFields: Record<string, string>, body?: Buffer): Promise<boolean> {
    try {
      const c = await this.get(addr);
      return c.oneway(code, extFields, body);
    } catch (err) {
      this.options.logger.debug({ addr, code, err: (err as Error).message }, 'one-way request not sent');
      return false;
    }
  }

  /** Addresses with a live connection now. */
  connected(): string[] {
    return [...this.slots].filter(([, s]) => s.client && !s.client.isClosed).map(([a]) => a);
  }

  close(): void {
    this.closed = true;
    for (const s of this.slots.values()) s.client?.close();
    this.slots.clear();
  }
}
