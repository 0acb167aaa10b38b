/**
 * Read-only views the web console needs beyond the CLI's: rate history, per-topic and per-group summaries (one
 * request for a whole list page), a group's dead letters, and connected clients (when the assembly reports them).
 */
import { z } from 'zod';
import { DLQ_PREFIX } from '../../broker/broker.js';
import { isBrokerError } from '../../broker/errors.js';
import { validate } from '../body.js';
import type { RateHistory } from '../history.js';
import type { Router } from '../router.js';
import { isSystemTopicName } from '../topic-kinds.js';
import { messageJson } from '../views.js';
import type { RouteContext } from './context.js';

/** Live client sessions by protocol and group, as the protocol layers know them. */
export interface ClientSummary {
  protocol: 'grpc' | 'remoting';
  clientId: string;
  role: 'producer' | 'consumer' | 'unknown';
  group?: string;
  address?: string;
  lastSeen?: number;
}

export interface ConsoleRouteOptions {
  history: RateHistory;
  /** Undefined when the assembly does not report clients; the console then says so. */
  clients?: () => ClientSummary[];
}

const deadLetterQuery = z.strictObject({
  offset: z.coerce.number().int().min(0).default(0),
  max: z.coerce.number().int().min(1).max(200).default(50),
});

export function registerConsoleRoutes(router: Router, ctx: RouteContext, options: ConsoleRouteOptions): void {
  const { history } = options;

  router.add('GET', '/api/stats/history', async () => ({ status: 200, json: await history.snapshot() }));

  router.add('GET', '/api/stats/topics', async () => {
    const broker = ctx.broker();
    const rates = (await history.snapshot()).topics;
    const topics = [];
    for (const t of broker.listTopics()) {
      let messages = 0;
      try {
        for (const q of broker.describeTopic(t.name).queues) messages += q.maxOffset - q.minOffset;
      } catch (err) {
        if (isBrokerError(err)) continue; // deleted between list and describe
        throw err;
      }
      topics.push({ ...t, system: isSystemTopicName(t.name), messages, appended: rates[t.name]?.appended ?? 0, rate: rates[t.name]?.rate ?? 0 });
    }
    return { status: 200, json: { topics } };
  });

  router.add('GET', '/api/stats/groups', async () => {
    const broker = ctx.broker();
    const groups = [];
    for (const g of broker.listGroups()) {
      try {
        const d = broker.describeGroup(g.name);
        let lag = 0;
        let inFlight = 0;
        const topics = new Set<string>();
        for (const q of d.queues) {
          lag += q.lag;
          inFlight += q.inFlight;
          topics.add(q.topic);
        }
        groups.push({ ...g, topics: [...topics], lag, inFlight, retrying: d.retrying, deadLettered: d.deadLettered });
      } catch (err) {
        if (isBrokerError(err)) continue;
        throw err;
      }
    }
    return { status: 200, json: { groups } };
  });

  router.add('GET', '/api/groups/:name/dead-letters', async (req) => {
    const q = validate(deadLetterQuery, Object.fromEntries(req.query), 'dead-letter query (expects optional offset= and max=)');
    const broker = ctx.broker();
    const name = req.params.name!;
    broker.describeGroup(name); // 404 for an unknown group
    const topic = DLQ_PREFIX + name;
    if (!broker.getTopic(topic)) return { status: 200, json: { topic, messages: [], minOffset: 0, maxOffset: 0, nextOffset: 0 } };
    // The dead-letter topic has one queue (see Broker.ensureDeadLetterTopic).
    const page = await broker.pull(topic, 0, q.offset, q.max);
    return { status: 200, json: { topic, messages: page.messages.map(messageJson), minOffset: page.minOffset, maxOffset: page.maxOffset, nextOffset: page.nextOffset } };
  });

  router.add('GET', '/api/clients', async () => {
    if (!options.clients) return { status: 200, json: { reported: false, clients: [] } };
    return { status: 200, json: { reported: true, clients: options.clients() } };
  });
}
