/** /api/groups: list, create, describe (per-queue progress and lag), update, delete, reset-offset. */
import type { GroupSpec, OffsetResetTarget } from '../../broker/types.js';
import { validate } from '../body.js';
import { HttpError } from '../http-errors.js';
import type { Router } from '../router.js';
import { groupCreateBody, groupUpdateBody, resetOffsetBody } from '../schemas.js';
import type { RouteContext } from './context.js';

export function registerGroupRoutes(router: Router, ctx: RouteContext): void {
  router.add('GET', '/api/groups', async () => ({ status: 200, json: { groups: ctx.broker().listGroups() } }));

  router.add('POST', '/api/groups', async (req) => {
    const body = validate(groupCreateBody, await req.body(), 'group');
    const group = await ctx.broker().createGroup(body satisfies GroupSpec);
    return { status: 201, json: { group } };
  });

  router.add('GET', '/api/groups/:name', async (req) => {
    const d = ctx.broker().describeGroup(req.params.name!);
    return { status: 200, json: { group: d.config, queues: d.queues, retrying: d.retrying, deadLettered: d.deadLettered } };
  });

  router.add('PUT', '/api/groups/:name', async (req) => {
    const body = validate(groupUpdateBody, await req.body(), 'group update');
    const group = await ctx.broker().updateGroup({ name: req.params.name!, ...body });
    return { status: 200, json: { group } };
  });

  router.add('DELETE', '/api/groups/:name', async (req) => {
    await ctx.broker().deleteGroup(req.params.name!);
    return { status: 200, json: { deleted: req.params.name } };
  });

  router.add('POST', '/api/groups/:name/dead-letters/:id/resend', async (req) => {
    const result = await ctx.broker().resendDeadLetter(req.params.name!, req.params.id!);
    return { status: 201, json: { result } };
  });

  router.add('POST', '/api/groups/:name/reset-offset', async (req) => {
    const body = validate(resetOffsetBody, await req.body(), 'reset-offset request');
    const target = parseResetTarget(body.to);
    const queues = await ctx.broker().resetOffset(req.params.name!, body.topic, target);
    return { status: 200, json: { group: req.params.name, topic: body.topic, target, queues } };
  });
}

/** `earliest` | `latest` | epoch ms (number or digits) | ISO-8601 date-time. */
export function parseResetTarget(to: number | string): OffsetResetTarget {
  if (typeof to === 'number') return { kind: 'timestamp', timestamp: to };
  const s = to.trim();
  if (s === 'earliest' || s === 'latest') return { kind: s };
  if (/^\d+$/.test(s)) return { kind: 'timestamp', timestamp: Number(s) };
  const t = /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(t)) {
    throw new HttpError(400, 'BAD_REQUEST', `invalid reset-offset request: field "to" must be earliest, latest, epoch milliseconds or an ISO-8601 time, got ${JSON.stringify(to)}`);
  }
  return { kind: 'timestamp', timestamp: t };
}
