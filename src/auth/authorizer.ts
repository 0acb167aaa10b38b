/**
 * Authentication (who is asking: a known access key whose signature verifies) and authorization (may this user
 * touch these resources) over the ACL store. Pure decisions; each front maps them to its own status codes:
 * `unauthenticated` → gRPC UNAUTHORIZED / remoting NO_PERMISSION, `forbidden` → gRPC FORBIDDEN / NO_PERMISSION.
 * Messages name the user and the resource, never a secret or a signature.
 */
import type { AclStore, AclUser } from './acl-store.js';
import { permits } from './permission.js';
import { describeResource, type Resource } from './resource.js';
import {
  ACCESS_KEY_FIELD,
  GRPC_DATE_TIME_HEADER,
  grpcSignatureMatches,
  parseGrpcAuthorization,
  remotingSignatureMatches,
  SIGNATURE_FIELD,
} from './signature.js';

export type AuthDecision =
  | { readonly ok: true; readonly user: AclUser }
  | { readonly ok: false; readonly kind: 'unauthenticated' | 'forbidden'; readonly message: string };

const denied = (kind: 'unauthenticated' | 'forbidden', message: string): AuthDecision => ({ ok: false, kind, message });

export class Authorizer {
  constructor(private readonly store: AclStore) {}

  /** gRPC: the `authorization` and `x-mq-date-time` metadata values ('' when absent). */
  authenticateGrpc(authorization: string, dateTime: string): AuthDecision {
    if (authorization === '') return denied('unauthenticated', 'authentication required: no authorization header (configure the client with session credentials)');
    if (dateTime === '') return denied('unauthenticated', `authentication required: no ${GRPC_DATE_TIME_HEADER} header`);
    const parsed = parseGrpcAuthorization(authorization);
    if (typeof parsed === 'string') return denied('unauthenticated', parsed);
    const user = this.store.user(parsed.accessKey);
    if (!user) return denied('unauthenticated', `unknown access key ${parsed.accessKey}`);
    if (!grpcSignatureMatches(user.secretKey, dateTime, parsed.signature)) return denied('unauthenticated', `signature does not match for access key ${user.accessKey}`);
    return { ok: true, user };
  }

  /** Remoting: the request's extFields and body as received. */
  authenticateRemoting(extFields: Readonly<Record<string, string>>, body: Buffer | undefined): AuthDecision {
    const ak = extFields[ACCESS_KEY_FIELD];
    if (ak === undefined || ak === '') return denied('unauthenticated', 'authentication required: no AccessKey (configure the client with AclClientRPCHook)');
    if (extFields[SIGNATURE_FIELD] === undefined) return denied('unauthenticated', `no Signature for access key ${ak}`);
    const user = this.store.user(ak);
    if (!user) return denied('unauthenticated', `unknown access key ${ak}`);
    if (!remotingSignatureMatches(user.secretKey, extFields, body)) return denied('unauthenticated', `signature does not match for access key ${ak}`);
    return { ok: true, user };
  }

  /** Checks every resource; the first one refused decides the message. A super user passes everything. */
  authorize(user: AclUser, resources: readonly Resource[]): AuthDecision {
    if (user.admin) return { ok: true, user };
    for (const r of resources) {
      let ok: boolean;
      if (r.kind === 'cluster') ok = false;
      else if (r.kind === 'topic') ok = permits(r.need, user.topicPerms.get(r.name) ?? user.defaultTopicPerm);
      else ok = permits(r.need, user.groupPerms.get(r.name) ?? user.defaultGroupPerm);
      if (!ok) return denied('forbidden', `user ${user.accessKey} has no permission on ${describeResource(r)}`);
    }
    return { ok: true, user };
  }
}
