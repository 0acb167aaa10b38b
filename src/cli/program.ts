/** The `apogee` command line: builds the commander program and runs it, mapping every failure to an exit code. */
import { Command, CommanderError } from 'commander';
import { registerAclCommands } from './commands/acl.js';
import { registerGroupCommands } from './commands/group.js';
import { registerMessageCommands } from './commands/message.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTopicCommands } from './commands/topic.js';
import { registerTxCommands } from './commands/tx.js';
import { registerUserCommands } from './commands/user.js';
import { CONFIG_DESCRIPTION, START_DESCRIPTION } from './descriptions.js';
import { CliError, ExitCode } from './errors.js';
import { cliVersion } from './version.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `start` and `config` need the config schema (zod) and `start` the logger (pino); they are loaded only when the
 * command line names them, so the client commands start fast.
 */
export async function buildProgram(env: Env, version: string, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('apogee')
    .description('Apogee: a RocketMQ-compatible message broker')
    .version(version)
    // Settings below are inherited by every subcommand created after them.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeErr: (s) => void process.stderr.write(s), writeOut: (s) => void process.stdout.write(s) });
  const needsConfig = argv.slice(2).some((a) => a === 'start' || a === 'config');
  if (needsConfig) (await import('./commands/start.js')).registerStartCommand(program, env);
  else program.command('start').description(START_DESCRIPTION);
  registerTopicCommands(program, env);
  registerGroupCommands(program, env);
  registerMessageCommands(program, env);
  registerTxCommands(program, env);
  registerStatusCommand(program, env);
  registerUserCommands(program, env);
  registerAclCommands(program, env);
  if (needsConfig) (await import('./commands/config.js')).registerConfigCommands(program, env);
  else program.command('config').description(CONFIG_DESCRIPTION);
  return program;
}

/** Runs one command line; resolves with the exit code (a started broker keeps running after it resolves). */
export async function runCli(argv: readonly string[], env: Env): Promise<number> {
  const program = await buildProgram(env, await cliVersion(), argv);
  try {
    await program.parseAsync([...argv]);
    return ExitCode.OK;
  } catch (err) {
    // commander has already printed its own message (unknown option, missing argument, help...).
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    if (err instanceof CliError) {
      process.stderr.write(err.message.split('\n').map((l) => `error: ${l}\n`).join(''));
      return err.exitCode;
    }
    process.stderr.write(`error: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return ExitCode.REQUEST_FAILED;
  }
}
