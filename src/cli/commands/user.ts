/** `apogee user create|update|list|describe|delete`: the ACL's users (access key / secret key, super user, defaults). */
import type { Command } from 'commander';
import type { AclUserView } from '../../auth/acl-store.js';
import { seg } from '../admin-client.js';
import { fields, json, table } from '../output.js';
import { choiceArg, clientContext, withClientOptions, type ClientOptions } from './common.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What the broker accepts (RocketMQ's plain-ACL spellings). */
export const PERM_CHOICES = ['DENY', 'PUB', 'SUB', 'PUB|SUB'] as const;

interface UserOptions extends ClientOptions {
  secretKey?: string;
  super?: boolean;
  defaultTopicPerm?: string;
  defaultGroupPerm?: string;
}

function userBody(opts: UserOptions): Record<string, unknown> {
  return {
    ...(opts.secretKey !== undefined ? { secretKey: opts.secretKey } : {}),
    ...(opts.super !== undefined ? { admin: opts.super } : {}),
    ...(opts.defaultTopicPerm !== undefined ? { defaultTopicPerm: opts.defaultTopicPerm } : {}),
    ...(opts.defaultGroupPerm !== undefined ? { defaultGroupPerm: opts.defaultGroupPerm } : {}),
  };
}

const line = (u: AclUserView): string =>
  `${u.accessKey} (${u.admin ? 'super user' : `default topic ${u.defaultTopicPerm}, default group ${u.defaultGroupPerm}`})`;

export function describeUser(u: AclUserView): string {
  return (
    fields([
      ['access key', u.accessKey],
      ['super user', u.admin],
      ['default topic perm', u.defaultTopicPerm],
      ['default group perm', u.defaultGroupPerm],
    ]) +
    table(
      ['KIND', 'NAME', 'PERM'],
      [...Object.entries(u.topicPerms).map(([n, p]) => ['topic', n, p]), ...Object.entries(u.groupPerms).map(([n, p]) => ['group', n, p])],
    )
  );
}

export function registerUserCommands(program: Command, env: Env): void {
  const user = program.command('user').description('manage the users of authentication and ACL (auth.enabled)');
  const permArg = choiceArg(PERM_CHOICES);

  withClientOptions(
    user
      .command('create <accessKey>')
      .description('create a user with an access key and secret key')
      .requiredOption('--secret-key <secret>', 'the secret key clients sign with (6-128 characters)')
      .option('--super', 'super user: every topic, group and administrative request')
      .option('--default-topic-perm <perm>', `permission on topics without a rule: ${PERM_CHOICES.join(', ')} (default DENY)`, permArg)
      .option('--default-group-perm <perm>', `permission on groups without a rule: ${PERM_CHOICES.join(', ')} (default DENY)`, permArg),
  ).action(async (accessKey: string, opts: UserOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.post<{ user: AclUserView }>('/api/users', { accessKey, ...userBody(opts) });
    ctx.out.write(ctx.json ? json(res) : `created user ${line(res.user)}\n`);
  });

  withClientOptions(
    user
      .command('update <accessKey>')
      .description("change a user's secret key, super-user flag or default permissions")
      .option('--secret-key <secret>', 'new secret key')
      .option('--super', 'make a super user')
      .option('--no-super', 'make an ordinary user')
      .option('--default-topic-perm <perm>', 'permission on topics without a rule', permArg)
      .option('--default-group-perm <perm>', 'permission on groups without a rule', permArg),
  ).action(async (accessKey: string, opts: UserOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.put<{ user: AclUserView }>(`/api/users/${seg(accessKey)}`, userBody(opts));
    ctx.out.write(ctx.json ? json(res) : `updated user ${line(res.user)}\n`);
  });

  withClientOptions(user.command('list').description('list users (never their secret keys)')).action(async (opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.get<{ users: AclUserView[] }>('/api/users');
    if (ctx.json) return ctx.out.write(json(res));
    ctx.out.write(
      table(
        ['ACCESS KEY', 'SUPER', 'DEFAULT TOPIC', 'DEFAULT GROUP', 'RULES'],
        res.users.map((u) => [u.accessKey, u.admin, u.defaultTopicPerm, u.defaultGroupPerm, Object.keys(u.topicPerms).length + Object.keys(u.groupPerms).length]),
      ),
    );
  });

  withClientOptions(user.command('describe <accessKey>').description("show a user and its rules")).action(async (accessKey: string, opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const res = await ctx.client.get<{ user: AclUserView }>(`/api/users/${seg(accessKey)}`);
    ctx.out.write(ctx.json ? json(res) : describeUser(res.user));
  });

  withClientOptions(user.command('delete <accessKey>').description('delete a user (its clients are refused from the next request on)')).action(
    async (accessKey: string, opts: ClientOptions) => {
      const ctx = clientContext(opts, env);
      const res = await ctx.client.delete<{ deleted: string }>(`/api/users/${seg(accessKey)}`);
      ctx.out.write(ctx.json ? json(res) : `deleted user ${res.deleted}\n`);
    },
  );
}
