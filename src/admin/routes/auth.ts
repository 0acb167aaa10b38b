/**
 * /api/users: users (access key / secret key, super user flag, default permissions) and their per-topic and
 * per-group rules. Secrets go in, never out: answers show everything but the secret key.
 */
import { z } from 'zod';
import { AuthError, type AclStore } from '../../auth/acl-store.js';
import { validate } from '../body.js';
import { HttpError } from '../http-errors.js';
import type { Router } from '../router.js';

const perm = z.string().min(1);
const userCreateBody = z.strictObject({
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  admin: z.boolean().optional(),
  defaultTopicPerm: perm.optional(),
  defaultGroupPerm: perm.optional(),
});
const userUpdateBody = z.strictObject({
  secretKey: z.string().min(1).optional(),
  admin: z.boolean().optional(),
  defaultTopicPerm: perm.optional(),
  defaultGroupPerm: perm.optional(),
});
const ruleBody = z.strictObject({ perm });

const STATUS = { BAD_REQUEST: 400, NOT_FOUND: 404, ALREADY_EXISTS: 409 } as const;

/** Runs an ACL change, turning its refusal into the matching HTTP error. */
async function acl<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AuthError) throw new HttpError(STATUS[err.code], err.code, err.message);
    throw err;
  }
}

const kindOf = (segment: string): 'topic' | 'group' => (segment === 'topics' ? 'topic' : 'group');

export function registerAuthRoutes(router: Router, store: AclStore): void {
  router.add('GET', '/api/users', async () => ({ status: 200, json: { users: store.list() } }));

  router.add('POST', '/api/users', async (req) => {
    const body = validate(userCreateBody, await req.body(), 'user');
    const user = await acl(() => store.createUser(body));
    return { status: 201, json: { user } };
  });

  router.add('GET', '/api/users/:accessKey', async (req) => ({ status: 200, json: { user: await acl(() => store.view(req.params.accessKey!)) } }));

  router.add('PUT', '/api/users/:accessKey', async (req) => {
    const body = validate(userUpdateBody, await req.body(), 'user update');
    const user = await acl(() => store.updateUser(req.params.accessKey!, body));
    return { status: 200, json: { user } };
  });

  router.add('DELETE', '/api/users/:accessKey', async (req) => {
    await acl(() => store.deleteUser(req.params.accessKey!));
    return { status: 200, json: { deleted: req.params.accessKey } };
  });

  for (const segment of ['topics', 'groups'] as const) {
    router.add('PUT', `/api/users/:accessKey/${segment}/:name`, async (req) => {
      const body = validate(ruleBody, await req.body(), `${kindOf(segment)} rule`);
      const user = await acl(() => store.setRule(req.params.accessKey!, kindOf(segment), req.params.name!, body.perm));
      return { status: 200, json: { user } };
    });
    router.add('DELETE', `/api/users/:accessKey/${segment}/:name`, async (req) => {
      const user = await acl(() => store.setRule(req.params.accessKey!, kindOf(segment), req.params.name!, undefined));
      return { status: 200, json: { user } };
    });
  }
}
