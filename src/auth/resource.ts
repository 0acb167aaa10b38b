/**
 * What a request touches: a topic or a consumer/producer group with the permission it needs, or the cluster
 * itself (administration: super users only). Retry and dead-letter topics belong to their group.
 */
import { Perm, permName, type Perm as PermBits } from './permission.js';

export type Resource =
  | { readonly kind: 'topic'; readonly name: string; readonly need: PermBits }
  | { readonly kind: 'group'; readonly name: string; readonly need: PermBits }
  | { readonly kind: 'cluster'; readonly what: string };

const RETRY_PREFIX = '%RETRY%';
const DLQ_PREFIX = '%DLQ%';

/** The topic, or its group when the topic is `%RETRY%group` / `%DLQ%group` (the group's SUB right covers them). */
export function topicResource(name: string, need: PermBits): Resource {
  if (name.startsWith(RETRY_PREFIX)) return { kind: 'group', name: name.slice(RETRY_PREFIX.length), need: Perm.SUB };
  if (name.startsWith(DLQ_PREFIX)) return { kind: 'group', name: name.slice(DLQ_PREFIX.length), need: Perm.SUB };
  return { kind: 'topic', name, need };
}

export function groupResource(name: string, need: PermBits): Resource {
  return { kind: 'group', name, need };
}

/** Administration (create/delete topics and groups, broker registration...). */
export function clusterResource(what: string): Resource {
  return { kind: 'cluster', what };
}

export function describeResource(r: Resource): string {
  if (r.kind === 'cluster') return `${r.what} (super user only)`;
  const need = r.need & Perm.ANY ? 'PUB or SUB' : permName(r.need);
  return `${r.kind} ${r.name} (needs ${need})`;
}
