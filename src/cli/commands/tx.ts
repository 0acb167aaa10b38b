/** `apogee tx list|commit|rollback|given-up|resend`: operators' view and manual resolution of transactions. */
import type { Command } from 'commander';
import type { GivenUpTransaction } from '../../broker/api.js';
import { seg } from '../admin-client.js';
import { duration, json, table, time } from '../output.js';
import { clientContext, withClientOptions, type ClientOptions } from './common.js';

type Env = Readonly<Record<string, string | undefined>>;

interface TopicOptions extends ClientOptions {
  topic?: string;
}

interface PendingJson {
  transactionId: string;
  topic: string;
  producerGroup: string;
  bornHost: string;
  bornAt: number;
  ageMs: number;
  checks: number;
  lastCheckAt: number;
  state: string;
}

const topicQuery = (topic: string | undefined): string => (topic === undefined ? '' : `?topic=${seg(topic)}`);
const producer = (group: string, host: string): string => (host ? `${group}@${host}` : group);

export function registerTxCommands(program: Command, env: Env): void {
  const tx = program.command('tx').description('inspect and resolve transactional (half) messages on a running broker');

  withClientOptions(
    tx.command('list').description('list pending half messages: age, check-backs so far, producer').option('--topic <topic>', 'only this real topic'),
  ).action(async (opts: TopicOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.get<{ transactions: PendingJson[]; total: number }>(`/api/transactions${topicQuery(opts.topic)}`);
    if (ctx.json) return ctx.out.write(json(res));
    if (res.transactions.length === 0) return ctx.out.write('no pending transactions\n');
    const rows = res.transactions.map((t) => [t.transactionId, t.topic, duration(t.ageMs), t.checks, t.state, producer(t.producerGroup, t.bornHost), time(t.lastCheckAt)]);
    ctx.out.write(table(['TRANSACTION-ID', 'TOPIC', 'AGE', 'CHECKS', 'STATE', 'PRODUCER', 'LAST-CHECK'], rows));
    if (res.total > res.transactions.length) ctx.out.write(`(${res.total - res.transactions.length} more, newer ones not shown)\n`);
  });

  for (const [action, done] of [
    ['commit', 'committed'],
    ['rollback', 'rolled back'],
  ] as const) {
    withClientOptions(
      tx
        .command(`${action} <transactionId>`)
        .description(`${action} a pending transaction by hand (a repeat is OK; the opposite of an earlier end is refused)`),
    ).action(async (id: string, opts: ClientOptions) => {
      const ctx = clientContext(opts, env);
      const res = await ctx.client.post<{ transactionId: string; state: string }>(`/api/transactions/${seg(id)}/${action}`, {});
      ctx.out.write(ctx.json ? json(res) : `${done} transaction ${id}\n`);
    });
  }

  withClientOptions(
    tx
      .command('given-up')
      .description(`list half messages given up after the max check-backs (TRANS_CHECK_MAX_TIME_TOPIC)`)
      .option('--topic <topic>', 'only this real topic'),
  ).action(async (opts: TopicOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.get<{ transactions: GivenUpTransaction[] }>(`/api/transactions/given-up${topicQuery(opts.topic)}`);
    if (ctx.json) return ctx.out.write(json(res));
    if (res.transactions.length === 0) return ctx.out.write('no given-up transactions\n');
    const rows = res.transactions.map((t) => [t.transactionId, t.topic, t.checks, t.state, producer(t.producerGroup, t.bornHost), time(t.givenUpAt)]);
    ctx.out.write(table(['TRANSACTION-ID', 'TOPIC', 'CHECKS', 'STATE', 'PRODUCER', 'GIVEN-UP-AT'], rows));
  });

  withClientOptions(
    tx.command('resend <transactionId>').description('send a given-up half message to its real topic (commits its transaction)'),
  ).action(async (id: string, opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.post<{ transactionId: string; state: string }>(`/api/transactions/given-up/${seg(id)}/resend`, {});
    ctx.out.write(ctx.json ? json(res) : `resent transaction ${id} to its topic (committed)\n`);
  });
}
