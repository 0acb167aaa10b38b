/** /api/messages: look-up by message id, query by topic + key; POST /api/topics/:name/messages sends one. */
import { BrokerErrorCode } from '../../broker/errors.js';
import { validate } from '../body.js';
import { HttpError } from '../http-errors.js';
import type { Router } from '../router.js';
import { messageQuery, messageSendBody } from '../schemas.js';
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

  router.add('POST', '/api/topics/:name/messages', async (req) => {
    const m = validate(messageSendBody, await req.body(), 'message');
    const broker = ctx.broker();
    const topic = req.params.name!;
    const body = Buffer.from(m.body, m.bodyEncoding);
    if (m.bodyEncoding === 'base64' && body.toString('base64').replace(/=+$/, '') !== m.body.replace(/=+$/, '')) {
      throw new HttpError(400, BrokerErrorCode.BAD_REQUEST, 'invalid message: field "body" is not valid base64');
    }
    // Default the type to the topic's so a plain `send` works on any non-transactional topic.
    const messageType = m.messageType ?? broker.getTopic(topic)?.messageType ?? 'NORMAL';
    if (messageType === 'TRANSACTION') {
      throw new HttpError(400, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, `topic '${topic}' takes transactional messages, which need a producer (not the admin API)`);
    }
    const result = await broker.send({
      topic,
      body,
      messageType,
      ...(m.tag !== undefined ? { tag: m.tag } : {}),
      ...(m.keys !== undefined ? { keys: m.keys } : {}),
      ...(m.messageGroup !== undefined ? { messageGroup: m.messageGroup } : {}),
      ...(m.deliveryTimestamp !== undefined ? { deliveryTimestamp: m.deliveryTimestamp } : {}),
      ...(m.delayLevel !== undefined ? { delayLevel: m.delayLevel } : {}),
      ...(m.properties !== undefined ? { properties: m.properties } : {}),
      ...(m.queueId !== undefined ? { queueId: m.queueId } : {}),
      bornHost: req.remote,
    });
    return { status: 201, json: { result } };
  });
}
