/** `apogee message get|query`. */
import type { Command } from 'commander';
import type { MessageView } from '../../broker/types.js';
import { seg } from '../admin-client.js';
import { fields, json, table, time } from '../output.js';
import { clientContext, intArg, withClientOptions, type ClientOptions } from './common.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A message as the admin API returns it: body as base64 plus a utf8 preview. */
interface MessageJson extends Omit<MessageView, 'body'> {
  body: string;
  bodySize: number;
  bodyPreview: string;
}

interface QueryOptions extends ClientOptions {
  topic: string;
  key: string;
  max?: number;
}

const oneLine = (s: string, max: number): string => {
  const flat = s.replace(/[\r\n\t]+/g, ' ');
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
};

function messageBlock(m: MessageJson): string {
  const props = Object.entries(m.properties).map(([k, v]) => `${k}=${v}`).join(' ');
  return fields([
    ['message id', m.messageId],
    ['topic', m.topic],
    ['type', m.messageType],
    ['queue', m.queueId],
    ['queue offset', m.queueOffset],
    ['commit-log offset', m.commitLogOffset],
    ['tag', m.tag],
    ['keys', m.keys.join(' ')],
    ['message group', m.messageGroup],
    ['delivery time', time(m.deliveryTimestamp)],
    ['properties', props],
    ['born', `${time(m.bornTimestamp) ?? '-'} from ${m.bornHost || '-'}`],
    ['stored', `${time(m.storeTimestamp) ?? '-'} on ${m.storeHost || '-'}`],
    ['reconsume times', m.reconsumeTimes],
    ['body size', m.bodySize],
    ['body (utf8)', oneLine(m.bodyPreview, 200)],
  ]);
}

export function registerMessageCommands(program: Command, env: Env): void {
  const message = program.command('message').description('look up stored messages on a running broker');

  withClientOptions(message.command('get <id>').description('show the message(s) with this message id')).action(async (id: string, opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.get<{ messages: MessageJson[] }>(`/api/messages/${seg(id)}`);
    ctx.out.write(ctx.json ? json(res) : res.messages.map(messageBlock).join('\n'));
  });

  withClientOptions(
    message
      .command('query')
      .description('find messages of a topic by business key (KEYS), newest first')
      .requiredOption('--topic <topic>', 'topic to search')
      .requiredOption('--key <key>', 'business key')
      .option('--max <n>', 'at most this many messages (default 32)', intArg(1, 64)),
  ).action(async (opts: QueryOptions) => {
    const ctx = clientContext(opts, env);
    const q = new URLSearchParams({ topic: opts.topic, key: opts.key, ...(opts.max !== undefined ? { max: String(opts.max) } : {}) });
    const res = await ctx.client.get<{ messages: MessageJson[] }>(`/api/messages?${q.toString()}`);
    if (ctx.json) return ctx.out.write(json(res));
    if (res.messages.length === 0) return ctx.out.write(`no message of topic ${opts.topic} has key ${opts.key}\n`);
    const rows = res.messages.map((m) => [m.messageId, m.queueId, m.queueOffset, m.tag, m.keys.join(' '), time(m.storeTimestamp), oneLine(m.bodyPreview, 40)]);
    ctx.out.write(table(['MESSAGE-ID', 'QUEUE', 'OFFSET', 'TAG', 'KEYS', 'STORED', 'BODY'], rows));
  });
}
