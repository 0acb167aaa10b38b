/**
 * Apogee and Apache RocketMQ speak the same protocols, so one session shape serves both: remoting and SDK senders
 * through the name server, grpc-js stubs and the official Node client through the gRPC endpoint, transactions
 * through both gRPC clients, and pipes through the official client's Producer + SimpleConsumer.
 */
import { grpcStubsSender } from '../clients/grpc-stubs.js';
import { officialNodePipe, officialNodeSender } from '../clients/official-node.js';
import { remotingSender, sdkSender } from '../clients/remoting.js';
import type { ClientName, Durability, SystemName } from '../types.js';
import type { Pipe, SendOptions, Sender, SystemSession } from './session.js';

export interface FamilyEndpoints {
  system: SystemName;
  durability: Durability;
  pids: number[];
  grpc: string;
  namesrv: string;
  sendTopic: string;
  txTopic: string;
  /** A NORMAL topic of its own for each pipe purpose. */
  pipeTopic(purpose: string): Promise<string>;
  note?: string;
  close(): Promise<void>;
}

export function familySession(ep: FamilyEndpoints): SystemSession {
  const runId = Date.now().toString(36);
  return {
    system: ep.system,
    durability: ep.durability,
    pids: ep.pids,
    ...(ep.note ? { note: ep.note } : {}),
    javaClassic: { namesrv: ep.namesrv, topic: ep.sendTopic },
    openSender: async (client: ClientName, opts: SendOptions): Promise<Sender> => {
      const topic = opts.transactional ? ep.txTopic : ep.sendTopic;
      switch (client) {
        case 'grpc-stubs':
          return grpcStubsSender(ep.grpc, topic, opts);
        case 'official-node':
          return officialNodeSender(ep.grpc, topic, opts);
        case 'remoting':
          return remotingSender(ep.namesrv, topic, opts);
        case 'sdk':
          return sdkSender(ep.namesrv, topic, opts);
        default:
          throw new Error(`${ep.system} is not measured through ${client}`);
      }
    },
    openPipe: async (purpose: string): Promise<Pipe> => officialNodePipe(ep.grpc, await ep.pipeTopic(purpose), `bench-${purpose}-${runId}`),
    close: () => ep.close(),
  };
}
