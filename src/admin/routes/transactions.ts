/**
 * /api/transactions: pending half messages, manual COMMIT/ROLLBACK (the broker's idempotency rules apply), and
 * the given-up half messages of TRANS_CHECK_MAX_TIME_TOPIC with a resend to their real topic.
 */
import type { PendingTransaction } from '../../broker/api.js';
import { DEFAULT_TRANSACTION_OPTIONS } from '../../broker/transaction/constants.js';
import { validate } from '../body.js';
import type { Router } from '../router.js';
import { transactionQuery } from '../schemas.js';
import type { RouteContext } from './context.js';

function pendingJson(p: PendingTransaction, now: number, checkIntervalMs: number): Record<string, unknown> {
  return {
    transactionId: p.transactionId,
    messageId: p.messageId,
    topic: p.topic,
    queueId: p.queueId,
    producerGroup: p.producerGroup,
    bornHost: p.bornHost ?? '',
    bornAt: p.bornAt,
    ageMs: Math.max(0, now - p.bornAt),
    checks: p.checks,
    lastCheckAt: p.lastCheckAt,
    immunityMs: p.immunityMs,
    // The scheduler checks once the immunity has passed, then at most every check interval.
    nextCheckAt: Math.max(p.bornAt + p.immunityMs, p.lastCheckAt > 0 ? p.lastCheckAt + checkIntervalMs : 0),
    state: p.gaveUp ? 'given-up' : p.awaitingAnswer ? 'checking' : 'pending',
  };
}

export function registerTransactionRoutes(router: Router, ctx: RouteContext, checkIntervalMs: number = DEFAULT_TRANSACTION_OPTIONS.checkIntervalMs): void {
  router.add('GET', '/api/transactions', async (req) => {
    const q = validate(transactionQuery, Object.fromEntries(req.query), 'transaction query (expects optional topic= and max=)');
    const now = Date.now();
    const all = ctx.broker().listTransactions(q.topic);
    // Oldest first, the ones an operator looks at; `total` says how many there are in all.
    return { status: 200, json: { transactions: all.slice(0, q.max).map((p) => pendingJson(p, now, checkIntervalMs)), total: all.length } };
  });

  router.add('GET', '/api/transactions/given-up', async (req) => {
    const q = validate(transactionQuery, Object.fromEntries(req.query), 'given-up query (expects optional topic= and max=)');
    return { status: 200, json: { transactions: await ctx.broker().listGivenUpTransactions(q.topic, q.max) } };
  });

  router.add('POST', '/api/transactions/given-up/:id/resend', async (req) => {
    const id = req.params.id!;
    await ctx.broker().resendGivenUpTransaction(id);
    return { status: 200, json: { transactionId: id, state: 'committed' } };
  });

  for (const [action, resolution, state] of [
    ['commit', 'COMMIT', 'committed'],
    ['rollback', 'ROLLBACK', 'rolled-back'],
  ] as const) {
    router.add('POST', `/api/transactions/:id/${action}`, async (req) => {
      const id = req.params.id!;
      await ctx.broker().endTransaction({ transactionId: id, resolution, source: 'operator' });
      return { status: 200, json: { transactionId: id, state } };
    });
  }
}
