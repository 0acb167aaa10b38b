/**
 * Users (access key / secret key), super users and per-user permissions on topics and groups, persisted as
 * `acl.json` in the data dir. Reads are plain map look-ups (the hot path); every change is written atomically
 * (temp file with mode 0600 + fsync + rename + directory fsync) before it is applied, so a crash leaves the old
 * or the new rules and never a rule the file does not hold.
 */
import { join } from 'node:path';
import { parsePerm, Perm, permName, type Perm as PermBits, type PermName } from './permission.js';
import { readSecretFile, writeSecretFile } from './secret-file.js';

export const ACL_FILE_NAME = 'acl.json';
const FORMAT_VERSION = 1;

export interface AclUser {
  readonly accessKey: string;
  readonly secretKey: string;
  /** Super user: every resource and every administrative request. */
  readonly admin: boolean;
  readonly defaultTopicPerm: PermBits;
  readonly defaultGroupPerm: PermBits;
  readonly topicPerms: ReadonlyMap<string, PermBits>;
  readonly groupPerms: ReadonlyMap<string, PermBits>;
}

/** A user as shown to operators: everything but the secret. */
export interface AclUserView {
  accessKey: string;
  admin: boolean;
  defaultTopicPerm: PermName;
  defaultGroupPerm: PermName;
  topicPerms: Record<string, PermName>;
  groupPerms: Record<string, PermName>;
}

export interface UserSpec {
  accessKey: string;
  secretKey: string;
  admin?: boolean;
  defaultTopicPerm?: string;
  defaultGroupPerm?: string;
}

export interface UserUpdate {
  secretKey?: string;
  admin?: boolean;
  defaultTopicPerm?: string;
  defaultGroupPerm?: string;
}

export type AuthErrorCode = 'BAD_REQUEST' | 'NOT_FOUND' | 'ALREADY_EXISTS';

/** A refused change to the ACL (bad name, unknown user...). */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface FileUser {
  accessKey: string;
  secretKey: string;
  admin: boolean;
  defaultTopicPerm: PermName;
  defaultGroupPerm: PermName;
  topicPerms: Record<string, PermName>;
  groupPerms: Record<string, PermName>;
}

interface AclFile {
  version: number;
  users: FileUser[];
}

/** RocketMQ's rule for access keys (plain ACL: at least 6 characters, letters, digits, `_` and `-`). */
const ACCESS_KEY = /^[A-Za-z0-9_-]{6,64}$/;
const RESOURCE_NAME = /^[%|A-Za-z0-9_-]{1,255}$/;

function checkAccessKey(ak: string): void {
  if (!ACCESS_KEY.test(ak)) throw new AuthError('BAD_REQUEST', `access key must be 6-64 characters of [A-Za-z0-9_-], got ${JSON.stringify(ak)}`);
}

function checkSecretKey(sk: string): void {
  // Never echo the secret in a message.
  if (sk.length < 6 || sk.length > 128) throw new AuthError('BAD_REQUEST', 'secret key must be 6-128 characters');
}

function checkResourceName(kind: string, name: string): void {
  if (!RESOURCE_NAME.test(name)) throw new AuthError('BAD_REQUEST', `${kind} name must be 1-255 characters of [%|A-Za-z0-9_-], got ${JSON.stringify(name)}`);
}

function perm(text: string | undefined, what: string, fallback: PermBits): PermBits {
  if (text === undefined) return fallback;
  const p = parsePerm(text);
  if (p === undefined) throw new AuthError('BAD_REQUEST', `${what} must be one of DENY, PUB, SUB, PUB|SUB, got ${JSON.stringify(text)}`);
  return p;
}

function toView(u: AclUser): AclUserView {
  return {
    accessKey: u.accessKey,
    admin: u.admin,
    defaultTopicPerm: permName(u.defaultTopicPerm),
    defaultGroupPerm: permName(u.defaultGroupPerm),
    topicPerms: Object.fromEntries([...u.topicPerms].map(([k, v]) => [k, permName(v)])),
    groupPerms: Object.fromEntries([...u.groupPerms].map(([k, v]) => [k, permName(v)])),
  };
}

function toFile(users: Iterable<AclUser>): AclFile {
  return { version: FORMAT_VERSION, users: [...users].map((u) => ({ ...toView(u), secretKey: u.secretKey })) };
}

function fromFile(path: string, data: unknown): Map<string, AclUser> {
  const bad = (why: string): Error => new Error(`ACL file ${path} is invalid: ${why}`);
  if (typeof data !== 'object' || data === null) throw bad('not a JSON object');
  const f = data as Partial<AclFile>;
  if (f.version !== FORMAT_VERSION) throw bad(`format version ${String(f.version)}; this Apogee reads version ${FORMAT_VERSION}`);
  if (!Array.isArray(f.users)) throw bad('"users" must be an array');
  const out = new Map<string, AclUser>();
  for (const u of f.users as FileUser[]) {
    try {
      checkAccessKey(u.accessKey);
      checkSecretKey(u.secretKey);
      const rules = (o: Record<string, PermName> | undefined, kind: string): Map<string, PermBits> =>
        new Map(Object.entries(o ?? {}).map(([name, p]) => (checkResourceName(kind, name), [name, perm(p, `${kind} ${name}`, Perm.DENY)])));
      out.set(u.accessKey, {
        accessKey: u.accessKey,
        secretKey: u.secretKey,
        admin: u.admin === true,
        defaultTopicPerm: perm(u.defaultTopicPerm, 'defaultTopicPerm', Perm.DENY),
        defaultGroupPerm: perm(u.defaultGroupPerm, 'defaultGroupPerm', Perm.DENY),
        topicPerms: rules(u.topicPerms, 'topic'),
        groupPerms: rules(u.groupPerms, 'group'),
      });
    } catch (err) {
      throw bad(`user ${JSON.stringify(u?.accessKey)}: ${(err as Error).message}`);
    }
  }
  return out;
}

export class AclStore {
  private users: Map<string, AclUser>;
  /** Changes are applied one at a time, each after its file write. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    users: Map<string, AclUser>,
  ) {
    this.users = users;
  }

  /** Loads `<dataDir>/acl.json` (none yet: no users). Throws naming the file when it cannot be read or is invalid. */
  static async open(dataDir: string): Promise<AclStore> {
    const path = join(dataDir, ACL_FILE_NAME);
    const text = await readSecretFile(path);
    if (text === undefined) return new AclStore(path, new Map());
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new Error(`ACL file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    return new AclStore(path, fromFile(path, data));
  }

  /** The user with this access key (hot path: one map look-up). */
  user(accessKey: string): AclUser | undefined {
    return this.users.get(accessKey);
  }

  get size(): number {
    return this.users.size;
  }

  list(): AclUserView[] {
    return [...this.users.values()].sort((a, b) => (a.accessKey < b.accessKey ? -1 : 1)).map(toView);
  }

  view(accessKey: string): AclUserView {
    return toView(this.must(accessKey));
  }

  createUser(spec: UserSpec): Promise<AclUserView> {
    return this.change(() => {
      checkAccessKey(spec.accessKey);
      checkSecretKey(spec.secretKey);
      if (this.users.has(spec.accessKey)) throw new AuthError('ALREADY_EXISTS', `user ${spec.accessKey} already exists`);
      const u: AclUser = {
        accessKey: spec.accessKey,
        secretKey: spec.secretKey,
        admin: spec.admin === true,
        defaultTopicPerm: perm(spec.defaultTopicPerm, 'defaultTopicPerm', Perm.DENY),
        defaultGroupPerm: perm(spec.defaultGroupPerm, 'defaultGroupPerm', Perm.DENY),
        topicPerms: new Map(),
        groupPerms: new Map(),
      };
      return { key: u.accessKey, user: u };
    });
  }

  updateUser(accessKey: string, update: UserUpdate): Promise<AclUserView> {
    return this.change(() => {
      const old = this.must(accessKey);
      if (update.secretKey !== undefined) checkSecretKey(update.secretKey);
      const u: AclUser = {
        ...old,
        ...(update.secretKey !== undefined ? { secretKey: update.secretKey } : {}),
        ...(update.admin !== undefined ? { admin: update.admin } : {}),
        defaultTopicPerm: perm(update.defaultTopicPerm, 'defaultTopicPerm', old.defaultTopicPerm),
        defaultGroupPerm: perm(update.defaultGroupPerm, 'defaultGroupPerm', old.defaultGroupPerm),
      };
      return { key: accessKey, user: u };
    });
  }

  deleteUser(accessKey: string): Promise<void> {
    return this.change(() => {
      this.must(accessKey);
      return { key: accessKey, user: undefined };
    }).then(() => undefined);
  }

  /** Sets (perm given) or removes (perm undefined) one user's rule on a topic or group. */
  setRule(accessKey: string, kind: 'topic' | 'group', name: string, permText: string | undefined): Promise<AclUserView> {
    return this.change(() => {
      const old = this.must(accessKey);
      checkResourceName(kind, name);
      const rules = new Map(kind === 'topic' ? old.topicPerms : old.groupPerms);
      if (permText === undefined) {
        if (!rules.delete(name)) throw new AuthError('NOT_FOUND', `user ${accessKey} has no rule on ${kind} ${name}`);
      } else rules.set(name, perm(permText, 'perm', Perm.DENY));
      const u: AclUser = kind === 'topic' ? { ...old, topicPerms: rules } : { ...old, groupPerms: rules };
      return { key: accessKey, user: u };
    });
  }

  private must(accessKey: string): AclUser {
    const u = this.users.get(accessKey);
    if (!u) throw new AuthError('NOT_FOUND', `no user with access key ${accessKey}`);
    return u;
  }

  /** Validates against the current state, writes the file with the change, then applies it. */
  private change(plan: () => { key: string; user: AclUser | undefined }): Promise<AclUserView> {
    const run = async (): Promise<AclUserView> => {
      const { key, user } = plan();
      const next = new Map(this.users);
      if (user) next.set(key, user);
      else next.delete(key);
      await writeSecretFile(this.path, JSON.stringify(toFile(next.values()), null, 1));
      this.users = next;
      return user ? toView(user) : ({ accessKey: key } as AclUserView);
    };
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
