/** `apogee message get|query`. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { MessageView, SendResult } from '../../broker/types.js';
import { CliError, ExitCode } from '../errors.js';
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

interface SendOptions extends ClientOptions {
  topic: string;
  body?: string;
  bodyFile?: string;
  tag?: string;
  keys?: string[];
  messageGroup?: string;
  delayMs?: number;
  delayLevel?: number;
  property?: string[];
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

async function sendBody(opts: SendOptions): Promise<{ body: string; bodyEncoding: 'utf8' | 'base64' }> {
  if ((opts.body === undefined) === (opts.bodyFile === undefined)) {
    throw new CliError('give exactly one of --body TEXT or --body-file FILE', ExitCode.USAGE);
  }
  if (opts.body !== undefined) return { body: opts.body, bodyEncoding: 'utf8' };
  try {
    return { body: (await readFile(opts.bodyFile!)).toString('base64'), bodyEncoding: 'base64' };
  } catch (err) {
    throw new CliError(`cannot read --body-file ${opts.bodyFile}: ${(err as Error).message}`, ExitCode.USAGE);
  }
}

function properties(list: readonly string[] | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const out: Record<string, string> = {};
  for (const p of list) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CliError(`--property expects name=value, got ${JSON.stringify(p)}`, ExitCode.USAGE);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
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

  withClientOptions(
    message
      .command('send')
      .description("send one message (for trying a topic out; the message type defaults to the topic's)")
      .requiredOption('--topic <topic>', 'topic to send to')
      .option('--body <text>', 'message body as text')
      .option('--body-file <file>', 'message body read from a file (bytes as they are)')
      .option('--tag <tag>', 'message tag')
      .option('--keys <key>', 'business key, indexed for `message query` (repeatable)', collect)
      .option('--message-group <group>', 'message group (FIFO topics)')
      .option('--delay-ms <ms>', 'deliver this many ms from now (DELAY topics)', intArg(0, 365 * 24 * 3600 * 1000))
      .option('--delay-level <level>', 'deliver after RocketMQ 4.x delay level 1..18 (1s 5s 10s 30s 1m ... 2h; DELAY topics)', intArg(1, 18))
      .option('--property <name=value>', 'user property (repeatable)', collect),
  ).action(async (opts: SendOptions) => {
    const body = await sendBody(opts);
    const props = properties(opts.property);
    const ctx = clientContext(opts, env);
    const res = await ctx.client.post<{ result: SendResult }>(`/api/topics/${seg(opts.topic)}/messages`, {
      ...body,
      ...(opts.tag !== undefined ? { tag: opts.tag } : {}),
      ...(opts.keys !== undefined ? { keys: opts.keys } : {}),
      ...(opts.messageGroup !== undefined ? { messageGroup: opts.messageGroup } : {}),
      ...(opts.delayMs !== undefined ? { deliveryTimestamp: Date.now() + opts.delayMs } : {}),
      ...(opts.delayLevel !== undefined ? { delayLevel: opts.delayLevel } : {}),
      ...(props ? { properties: props } : {}),
    });
    const r = res.result;
    // A delayed message waits in the timer queue; its recall handle says so (its queue offset is the timer queue's).
    const where = r.recallHandle ? 'scheduled' : `queue ${r.queueId} offset ${r.queueOffset}`;
    ctx.out.write(ctx.json ? json(res) : `sent message ${r.messageId} to topic ${r.topic} (${where})\n`);
  });

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
