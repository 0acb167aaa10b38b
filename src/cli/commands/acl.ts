/** `apogee acl set|remove|list`: one user's permission on one topic or group (PUB, SUB, PUB|SUB, DENY). */
import type { Command } from 'commander';
import type { AclUserView } from '../../auth/acl-store.js';
import { seg } from '../admin-client.js';
import { CliError, ExitCode } from '../errors.js';
import { json, table } from '../output.js';
import { choiceArg, clientContext, withClientOptions, type ClientOptions } from './common.js';
import { PERM_CHOICES } from './user.js';

type Env = Readonly<Record<string, string | undefined>>;

interface RuleOptions extends ClientOptions {
  topic?: string;
  group?: string;
  perm?: string;
}

/** `/api/users/AK/topics/NAME` or `/groups/NAME`; exactly one of --topic / --group. */
function rulePath(accessKey: string, opts: RuleOptions): string {
  if ((opts.topic === undefined) === (opts.group === undefined)) throw new CliError('give exactly one of --topic NAME or --group NAME', ExitCode.USAGE);
  const [kind, name] = opts.topic !== undefined ? ['topics', opts.topic] : ['groups', opts.group!];
  return `/api/users/${seg(accessKey)}/${kind}/${seg(name)}`;
}

function rows(u: AclUserView): string[][] {
  return [
    [u.accessKey, 'topic', '(default)', u.defaultTopicPerm],
    [u.accessKey, 'group', '(default)', u.defaultGroupPerm],
    ...Object.entries(u.topicPerms).map(([n, p]) => [u.accessKey, 'topic', n, p]),
    ...Object.entries(u.groupPerms).map(([n, p]) => [u.accessKey, 'group', n, p]),
  ];
}

export function registerAclCommands(program: Command, env: Env): void {
  const acl = program.command('acl').description("manage users' permissions on topics and groups");
  const permArg = choiceArg(PERM_CHOICES);

  withClientOptions(
    acl
      .command('set <accessKey>')
      .description("set a user's permission on a topic or a group (DENY wins over the defaults)")
      .option('--topic <name>', 'the topic')
      .option('--group <name>', 'the consumer/producer group')
      .requiredOption('--perm <perm>', PERM_CHOICES.join(', '), permArg),
  ).action(async (accessKey: string, opts: RuleOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.put<{ user: AclUserView }>(rulePath(accessKey, opts), { perm: opts.perm });
    ctx.out.write(ctx.json ? json(res) : `${accessKey}: ${opts.topic !== undefined ? `topic ${opts.topic}` : `group ${opts.group}`} = ${opts.perm}\n`);
  });

  withClientOptions(
    acl
      .command('remove <accessKey>')
      .description("remove a user's rule on a topic or group (the user's default applies again)")
      .option('--topic <name>', 'the topic')
      .option('--group <name>', 'the group'),
  ).action(async (accessKey: string, opts: RuleOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.delete<{ user: AclUserView }>(rulePath(accessKey, opts));
    ctx.out.write(ctx.json ? json(res) : `${accessKey}: rule on ${opts.topic !== undefined ? `topic ${opts.topic}` : `group ${opts.group}`} removed\n`);
  });

  withClientOptions(acl.command('list [accessKey]').description('list the rules of one user or of all users')).action(
    async (accessKey: string | undefined, opts: ClientOptions) => {
      const ctx = clientContext(opts, env);
      const users =
        accessKey !== undefined
          ? [(await ctx.client.get<{ user: AclUserView }>(`/api/users/${seg(accessKey)}`)).user]
          : (await ctx.client.get<{ users: AclUserView[] }>('/api/users')).users;
      if (ctx.json) return ctx.out.write(json({ users }));
      ctx.out.write(table(['ACCESS KEY', 'KIND', 'NAME', 'PERM'], users.flatMap((u) => (u.admin ? [[u.accessKey, 'all', '(super user)', 'PUB|SUB']] : rows(u)))));
    },
  );
}
