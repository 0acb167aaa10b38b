/** /api/messages: look-up by message id, query by topic + key. */
import { BrokerErrorCode } from '../../broker/errors.js';
import { validate } from '../body.js';
import { HttpError } from '../http-errors.js';
import type { Router } from '../router.js';
import { messageQuery } from '../schemas.js';
import { messageJson } from '../views.js';
import type { RouteContext } from './context.js';

export function registerMessageRoutes(router: Router, ctx: RouteContext): void {
  router.add('GET', '/api/messages/:id', async (req) => {
    const id = req.params.id!;
    const messages = await ctx.broker().getMessageById(id);
    if (messages.length === 0) throw new HttpError(404, BrokerErrorCode.MESSAGE_NOT_FOUND, `no message with id ${id}`);
    return { status: 200, json: { messages: messages.map(messageJson) } };
  });

  router.add('GET', '/api/messages', async (req) => {
    const q = validate(messageQuery, Object.fromEntries(req.query), 'message query (expects topic=, key= and optional max=)');
    const messages = await ctx.broker().queryMessagesByKey(q.topic, q.key, q.max);
    return { status: 200, json: { messages: messages.map(messageJson) } };
  });
}
