/**
 * Remoting test assembly: a real broker via startBroker (gRPC, name server and remoting on free ports) and
 * helpers that speak the classic protocol with the project's own remoting client.
 */
import type { RunningBroker, StartBrokerOptions } from '../../../src/app.js';
import { RemotingClient } from '../../../src/client/remoting-client.js';
import type { SerializeType } from '../../../src/protocol/remoting/codes.js';
import type { RemotingCommand } from '../../../src/protocol/remoting/command.js';
import { decodeMessages, encodeProperties } from '../../../src/protocol/remoting/message-codec.js';
import { startInProcessBroker } from '../../helpers/in-process-broker.js';

export interface RemotingHarness {
  running: RunningBroker;
  namesrv: { host: string; port: number };
  remoting: { host: string; port: number };
  grpc: string;
  client(serializeType?: SerializeType, onRequest?: (r: RemotingCommand) => RemotingCommand | undefined): Promise<RemotingClient>;
  close(): Promise<void>;
}

export async function startRemotingHarness(options: StartBrokerOptions = {}): Promise<RemotingHarness> {
  const broker = await startInProcessBroker(options, 'apogee-remoting-');
  const running = broker.running;
  const clients: RemotingClient[] = [];
  const remoting = running.remotingEndpoint!;
  return {
    running,
    namesrv: running.namesrvEndpoint!,
    remoting,
    grpc: `${running.grpcEndpoint.host}:${running.grpcEndpoint.port}`,
    async client(serializeType = 0, onRequest) {
      const c = await RemotingClient.connect({ host: remoting.host, port: remoting.port, serializeType, ...(onRequest ? { onRequest } : {}) });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await broker.close();
    },
  };
}

/** A SEND_MESSAGE_V2 header as the Java client writes it. */
export function sendV2(topic: string, queueId: number, props: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    a: 'test-producer-group',
    b: topic,
    c: 'TBW102',
    d: '4',
    e: String(queueId),
    f: '0',
    g: String(Date.now()),
    h: '0',
    i: encodeProperties(props),
    j: '0',
    k: 'false',
    m: 'false',
    ...extra,
  };
}

export function pullHeader(group: string, topic: string, queueId: number, offset: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    consumerGroup: group,
    topic,
    queueId: String(queueId),
    queueOffset: String(offset),
    maxMsgNums: '32',
    sysFlag: String(0x2 | 0x4),
    commitOffset: '0',
    suspendTimeoutMillis: '0',
    subscription: '*',
    subVersion: '0',
    expressionType: 'TAG',
    ...extra,
  };
}

export function bodies(r: RemotingCommand): string[] {
  return r.body ? decodeMessages(r.body).map((m) => m.body.toString()) : [];
}

export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
