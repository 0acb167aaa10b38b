/** `apogee topic create|update|list|describe|delete`. */
import type { Command } from 'commander';
import { MESSAGE_TYPES, type MessageType, type QueueDescription, type TopicConfig } from '../../broker/types.js';
import { seg } from '../admin-client.js';
import { json, perm, table, time } from '../output.js';
import { choiceArg, clientContext, intArg, withClientOptions, type ClientOptions } from './common.js';

type Env = Readonly<Record<string, string | undefined>>;

interface TopicOptions extends ClientOptions {
  type?: MessageType;
  queues?: number;
  readQueues?: number;
  writeQueues?: number;
  perm?: number;
}

const describeTopicLine = (t: TopicConfig): string =>
  `${t.name} (${t.messageType}, ${t.readQueueNums === t.writeQueueNums ? `${t.readQueueNums} queues` : `${t.readQueueNums} read / ${t.writeQueueNums} write queues`}, ${perm(t.perm)})`;

export function registerTopicCommands(program: Command, env: Env): void {
  const topic = program.command('topic').description('manage topics on a running broker');
  const types = choiceArg(MESSAGE_TYPES);

  withClientOptions(
    topic
      .command('create <name>')
      .description('create a topic')
      .requiredOption('--type <type>', `message type: ${MESSAGE_TYPES.join('|')}`, types)
      .option('--queues <n>', "read and write queue count (default: the broker's defaultTopicQueueNums, 8)", intArg(1, 1024))
      .option('--perm <bits>', 'permission bits: 6 read+write, 4 read, 2 write', intArg(0, 7)),
  ).action(async (name: string, opts: TopicOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.post<{ topic: TopicConfig }>('/api/topics', {
      name,
      messageType: opts.type,
      ...(opts.queues !== undefined ? { queueNums: opts.queues } : {}),
      ...(opts.perm !== undefined ? { perm: opts.perm } : {}),
    });
    ctx.out.write(ctx.json ? json(res) : `created topic ${describeTopicLine(res.topic)}\n`);
  });

  withClientOptions(
    topic
      .command('update <name>')
      .description("change a topic's type, queue counts or permission")
      .option('--type <type>', `message type: ${MESSAGE_TYPES.join('|')}`, types)
      .option('--queues <n>', 'read and write queue count', intArg(1, 1024))
      .option('--read-queues <n>', 'read queue count', intArg(1, 1024))
      .option('--write-queues <n>', 'write queue count', intArg(1, 1024))
      .option('--perm <bits>', 'permission bits: 6 read+write, 4 read, 2 write', intArg(0, 7)),
  ).action(async (name: string, opts: TopicOptions) => {
    const ctx = clientContext(opts, env);
    const body = {
      ...(opts.type !== undefined ? { messageType: opts.type } : {}),
      ...(opts.queues !== undefined ? { queueNums: opts.queues } : {}),
      ...(opts.readQueues !== undefined ? { readQueueNums: opts.readQueues } : {}),
      ...(opts.writeQueues !== undefined ? { writeQueueNums: opts.writeQueues } : {}),
      ...(opts.perm !== undefined ? { perm: opts.perm } : {}),
    };
    const res = await ctx.client.put<{ topic: TopicConfig }>(`/api/topics/${seg(name)}`, body);
    ctx.out.write(ctx.json ? json(res) : `updated topic ${describeTopicLine(res.topic)}\n`);
  });

  withClientOptions(topic.command('list').description('list topics')).action(async (opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.get<{ topics: TopicConfig[] }>('/api/topics');
    if (ctx.json) return ctx.out.write(json(res));
    const rows = [...res.topics]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => [t.name, t.messageType, t.readQueueNums, t.writeQueueNums, perm(t.perm), time(t.createdAt)]);
    ctx.out.write(table(['NAME', 'TYPE', 'READ-QUEUES', 'WRITE-QUEUES', 'PERM', 'CREATED'], rows));
  });

  withClientOptions(topic.command('describe <name>').description('show a topic and its queues with min/max offsets')).action(
    async (name: string, opts: ClientOptions) => {
      const ctx = clientContext(opts, env);
      const res = await ctx.client.get<{ topic: TopicConfig; queues: QueueDescription[] }>(`/api/topics/${seg(name)}`);
      if (ctx.json) return ctx.out.write(json(res));
      ctx.out.write(`topic ${describeTopicLine(res.topic)}\n`);
      ctx.out.write(table(['QUEUE', 'MIN-OFFSET', 'MAX-OFFSET', 'MESSAGES'], res.queues.map((q) => [q.queueId, q.minOffset, q.maxOffset, q.maxOffset - q.minOffset])));
    },
  );

  withClientOptions(topic.command('delete <name>').description('delete a topic')).action(async (name: string, opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.delete<{ deleted: string }>(`/api/topics/${seg(name)}`);
    ctx.out.write(ctx.json ? json(res) : `deleted topic ${name}\n`);
  });
}
