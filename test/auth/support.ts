/**
 * Auth test assembly: a real broker (startBroker, every port free) with auth on, an admin HTTP helper that sends
 * the token, a log capture (to prove no secret is ever logged) and the remoting signature as RocketMQ's
 * AclClientRPCHook computes it (written here from the hook's rule, independent of src/auth).
 */
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import type { RunningBroker, StartBrokerOptions } from '../../src/app.js';
import { startInProcessBroker } from '../helpers/in-process-broker.js';

export const ADMIN_TOKEN = 'test-admin-token-0123';

export interface SecureBroker {
  running: RunningBroker;
  dataDir: string;
  /** Every log line the broker wrote (debug level). */
  logs: string[];
  grpc: string;
  /** Admin API call with the token; returns status and parsed JSON. */
  admin(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

export async function startSecureBroker(options: StartBrokerOptions = {}, dataDir?: string): Promise<SecureBroker> {
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const broker = await startInProcessBroker({ logger, auth: { enabled: true, adminToken: ADMIN_TOKEN }, ...options }, 'apogee-auth-', dataDir);
  const running = broker.running;
  const base = `http://${running.httpEndpoint.host}:${running.httpEndpoint.port}`;
  return {
    running,
    dataDir: broker.dataDir,
    logs,
    grpc: `${running.grpcEndpoint.host}:${running.grpcEndpoint.port}`,
    async admin(method, path, body, token = ADMIN_TOKEN) {
      const res = await fetch(base + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token !== null ? { authorization: `Bearer ${token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
    },
    close: () => broker.close(),
  };
}

/** Creates a user and its rules through the admin API; fails the test on any refusal. */
export async function createUser(
  b: SecureBroker,
  spec: { accessKey: string; secretKey: string; admin?: boolean; defaultTopicPerm?: string; defaultGroupPerm?: string },
  rules: { topics?: Record<string, string>; groups?: Record<string, string> } = {},
): Promise<void> {
  const r = await b.admin('POST', '/api/users', spec);
  if (r.status !== 201) throw new Error(`creating user ${spec.accessKey}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  for (const [kind, table] of [['topics', rules.topics], ['groups', rules.groups]] as const) {
    for (const [name, perm] of Object.entries(table ?? {})) {
      const s = await b.admin('PUT', `/api/users/${spec.accessKey}/${kind}/${encodeURIComponent(name)}`, { perm });
      if (s.status !== 200) throw new Error(`rule ${kind} ${name}: HTTP ${s.status} ${JSON.stringify(s.json)}`);
    }
  }
}

export async function createTopic(b: SecureBroker, name: string, messageType = 'NORMAL'): Promise<void> {
  const r = await b.admin('POST', '/api/topics', { name, messageType });
  if (r.status !== 201) throw new Error(`creating topic ${name}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
}

/**
 * extFields signed as RocketMQ's AclClientRPCHook does: AccessKey added, then Signature = base64(HMAC-SHA1(secret,
 * values of all fields sorted by key (Java String order) concatenated, then the body)).
 */
export function signRemoting(accessKey: string, secretKey: string, extFields: Record<string, string>, body?: Buffer): Record<string, string> {
  const fields: Record<string, string> = { ...extFields, AccessKey: accessKey };
  const content = Object.keys(fields)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => fields[k])
    .join('');
  const mac = createHmac('sha1', secretKey).update(Buffer.from(content, 'utf8'));
  if (body) mac.update(body);
  return { ...fields, Signature: mac.digest('base64') };
}

/** Asserts no log line holds any of the secrets (or the admin token). */
export function leakedSecrets(logs: readonly string[], secrets: readonly string[]): string[] {
  return secrets.filter((s) => logs.some((l) => l.includes(s)));
}
