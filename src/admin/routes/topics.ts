/** /api/topics: list, create, describe (queues with min/max offsets), update, delete. */
import type { TopicSpec } from '../../broker/types.js';
import { validate } from '../body.js';
import type { Router } from '../router.js';
import { topicCreateBody, topicUpdateBody } from '../schemas.js';
import type { RouteContext } from './context.js';

export function registerTopicRoutes(router: Router, ctx: RouteContext): void {
  router.add('GET', '/api/topics', async () => ({ status: 200, json: { topics: ctx.broker().listTopics() } }));

  router.add('POST', '/api/topics', async (req) => {
    const body = validate(topicCreateBody, await req.body(), 'topic');
    const topic = await ctx.broker().createTopic(body satisfies TopicSpec);
    return { status: 201, json: { topic } };
  });

  router.add('GET', '/api/topics/:name', async (req) => {
    const d = ctx.broker().describeTopic(req.params.name!);
    return { status: 200, json: { topic: d.config, queues: d.queues } };
  });

  router.add('PUT', '/api/topics/:name', async (req) => {
    const body = validate(topicUpdateBody, await req.body(), 'topic update');
    const topic = await ctx.broker().updateTopic({ name: req.params.name!, ...body });
    return { status: 200, json: { topic } };
  });

  router.add('DELETE', '/api/topics/:name', async (req) => {
    await ctx.broker().deleteTopic(req.params.name!);
    return { status: 200, json: { deleted: req.params.name } };
  });
}
