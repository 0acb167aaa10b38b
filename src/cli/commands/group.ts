/** `apogee group create|update|list|describe|delete|reset-offset`. */
import type { Command } from 'commander';
import type { ConsumeFromWhere, GroupConfig, GroupQueueState } from '../../broker/types.js';
import { seg } from '../admin-client.js';
import { CliError, ExitCode } from '../errors.js';
import { fields, json, table, time } from '../output.js';
import { choiceArg, clientContext, intArg, withClientOptions, type ClientOptions } from './common.js';

type Env = Readonly<Record<string, string | undefined>>;

interface GroupOptions extends ClientOptions {
  fifo?: boolean;
  maxDeliveryAttempts?: number;
  consumeFrom?: ConsumeFromWhere;
}

interface ResetOptions extends ClientOptions {
  topic: string;
  to: string;
}

interface GroupDescribeResponse {
  group: GroupConfig;
  queues: GroupQueueState[];
  retrying: number;
  deadLettered: number;
}

const CONSUME_FROM = ['young', 'earliest', 'latest'] as const;

const describeGroupLine = (g: GroupConfig): string =>
  `${g.name} (${g.fifo ? 'FIFO' : 'concurrent'}, max delivery attempts ${g.maxDeliveryAttempts}, consume from ${g.consumeFromWhere})`;

function groupBody(opts: GroupOptions): Record<string, unknown> {
  return {
    ...(opts.fifo !== undefined ? { fifo: opts.fifo } : {}),
    ...(opts.maxDeliveryAttempts !== undefined ? { maxDeliveryAttempts: opts.maxDeliveryAttempts } : {}),
    ...(opts.consumeFrom !== undefined ? { consumeFromWhere: opts.consumeFrom } : {}),
  };
}

/** `earliest` | `latest` | epoch ms | ISO-8601 time; checked here so a typo never reaches the broker. */
export function parseResetTo(to: string): string | number {
  const s = to.trim();
  if (s === 'earliest' || s === 'latest') return s;
  if (/^\d+$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s))) return s;
  throw new CliError(`--to must be earliest, latest, epoch milliseconds or an ISO-8601 time (e.g. 2025-01-31T12:00:00Z), got ${JSON.stringify(to)}`, ExitCode.USAGE);
}

export function registerGroupCommands(program: Command, env: Env): void {
  const group = program.command('group').description('manage consumer groups on a running broker');
  const consumeFrom = choiceArg(CONSUME_FROM);

  withClientOptions(
    group
      .command('create <name>')
      .description('create a consumer group')
      .option('--fifo', 'deliver messages of one message group in order')
      .option('--max-delivery-attempts <n>', 'deliveries before dead-lettering (default 17: 16 retries)', intArg(1, 1000))
      .option('--consume-from <where>', `where a new group starts: ${CONSUME_FROM.join('|')}`, consumeFrom),
  ).action(async (name: string, opts: GroupOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.post<{ group: GroupConfig }>('/api/groups', { name, ...groupBody(opts) });
    ctx.out.write(ctx.json ? json(res) : `created group ${describeGroupLine(res.group)}\n`);
  });

  withClientOptions(
    group
      .command('update <name>')
      .description("change a consumer group's settings")
      .option('--fifo', 'deliver messages of one message group in order')
      .option('--no-fifo', 'concurrent delivery')
      .option('--max-delivery-attempts <n>', 'deliveries before dead-lettering', intArg(1, 1000))
      .option('--consume-from <where>', `where the group starts on new queues: ${CONSUME_FROM.join('|')}`, consumeFrom),
  ).action(async (name: string, opts: GroupOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.put<{ group: GroupConfig }>(`/api/groups/${seg(name)}`, groupBody(opts));
    ctx.out.write(ctx.json ? json(res) : `updated group ${describeGroupLine(res.group)}\n`);
  });

  withClientOptions(group.command('list').description('list consumer groups')).action(async (opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.get<{ groups: GroupConfig[] }>('/api/groups');
    if (ctx.json) return ctx.out.write(json(res));
    const rows = [...res.groups]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((g) => [g.name, g.fifo ? 'yes' : 'no', g.maxDeliveryAttempts, g.consumeFromWhere, time(g.createdAt)]);
    ctx.out.write(table(['NAME', 'FIFO', 'MAX-ATTEMPTS', 'CONSUME-FROM', 'CREATED'], rows));
  });

  withClientOptions(group.command('describe <name>').description("show a group's progress and lag per queue")).action(
    async (name: string, opts: ClientOptions) => {
      const ctx = clientContext(opts, env);
      const res = await ctx.client.get<GroupDescribeResponse>(`/api/groups/${seg(name)}`);
      if (ctx.json) return ctx.out.write(json(res));
      ctx.out.write(`group ${describeGroupLine(res.group)}\n`);
      ctx.out.write(fields([['retrying', res.retrying], ['dead-lettered', res.deadLettered]]));
      if (res.queues.length === 0) return ctx.out.write('no consume progress yet\n');
      const rows = res.queues.map((q) => [q.topic, q.queueId, q.offset, q.maxOffset, q.lag, q.inFlight, q.retrying, q.deadLettered]);
      ctx.out.write(table(['TOPIC', 'QUEUE', 'OFFSET', 'MAX-OFFSET', 'LAG', 'IN-FLIGHT', 'RETRYING', 'DLQ'], rows));
    },
  );

  withClientOptions(group.command('delete <name>').description('delete a consumer group')).action(async (name: string, opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.delete<{ deleted: string }>(`/api/groups/${seg(name)}`);
    ctx.out.write(ctx.json ? json(res) : `deleted group ${name}\n`);
  });

  withClientOptions(
    group.command('resend-dead-letter <group> <messageId>').description("send a message of the group's %DLQ% topic back to its original topic"),
  ).action(async (name: string, messageId: string, opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.post<{ result: { messageId: string; topic: string; queueId: number; queueOffset: number } }>(
      `/api/groups/${seg(name)}/dead-letters/${seg(messageId)}/resend`,
      {},
    );
    const r = res.result;
    ctx.out.write(ctx.json ? json(res) : `resent message ${messageId} to topic ${r.topic} as ${r.messageId}\n`);
  });

  withClientOptions(
    group
      .command('reset-offset <group>')
      .description("move a group's consume offsets on a topic")
      .requiredOption('--topic <topic>', 'topic whose queues are reset')
      .requiredOption('--to <target>', 'earliest | latest | epoch ms | ISO-8601 time'),
  ).action(async (name: string, opts: ResetOptions) => {
    const to = parseResetTo(opts.to);
    const ctx = clientContext(opts, env);
    const res = await ctx.client.post<{ queues: Array<{ queueId: number; offset: number }> }>(`/api/groups/${seg(name)}/reset-offset`, {
      topic: opts.topic,
      to,
    });
    if (ctx.json) return ctx.out.write(json(res));
    ctx.out.write(`reset group ${name} on topic ${opts.topic} to ${typeof to === 'number' ? time(to) ?? to : to}\n`);
    ctx.out.write(table(['QUEUE', 'OFFSET'], res.queues.map((q) => [q.queueId, q.offset])));
  });
}
