/**
 * The console's "connected clients": gRPC clients from the live-client registry, classic clients from the remoting
 * front's group membership (one row per group a client declared in its heartbeats).
 */
import type { ClientRegistry } from '../broker/clients/registry.js';
import type { GroupMembership } from '../broker/clients/group-membership.js';
import type { ClientSummary } from './routes/console.js';

export function clientSummaries(grpc: ClientRegistry | undefined, remoting: GroupMembership<{ readonly remoteAddress: string }> | undefined): ClientSummary[] {
  const out: ClientSummary[] = [];
  for (const c of grpc?.list() ?? []) {
    out.push({
      protocol: 'grpc',
      clientId: c.clientId,
      role: c.kind === 'PRODUCER' ? 'producer' : c.kind.endsWith('CONSUMER') ? 'consumer' : 'unknown',
      ...(c.group !== undefined ? { group: c.group } : {}),
      ...(c.remoteAddress !== undefined ? { address: c.remoteAddress } : {}),
      lastSeen: c.lastSeen,
    });
  }
  for (const { role, group, member } of remoting?.members() ?? []) {
    out.push({ protocol: 'remoting', clientId: member.clientId, role, group, address: member.channel.remoteAddress, lastSeen: member.lastSeen });
  }
  return out;
}
