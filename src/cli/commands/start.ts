/**
 * `apogee start`: load config (defaults < file < env < flags), start the broker, print the ready line on stdout,
 * shut down cleanly on SIGINT/SIGTERM (a second signal exits at once).
 */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.js';
import { createLogger, type Logger } from '../../util/logger.js';
import { flagValues, withConfigFlags, type ConfigFlagOptions } from '../config-flags.js';
import { CliError, ExitCode } from '../errors.js';
import { START_DESCRIPTION } from '../descriptions.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A clean stop flushes and removes the abort marker; past this, exit anyway (the next start recovers). */
export const SHUTDOWN_DEADLINE_MS = 5000;

export function registerStartCommand(program: Command, env: Env): void {
  withConfigFlags(program.command('start').description(START_DESCRIPTION)).action(
    async (opts: ConfigFlagOptions) => {
      let loaded;
      try {
        loaded = await loadConfig({ ...(opts.config !== undefined ? { configFile: opts.config } : {}), env, flags: flagValues(opts) });
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message, ExitCode.USAGE);
        throw err;
      }
      const { config } = loaded;
      const logger = createLogger({ level: config.logLevel, pretty: config.logPretty });
      if (Object.keys(loaded.origins).length > 0) logger.info({ from: loaded.origins }, 'config sources');

      // Signals are handled from here on: one that arrives during recovery stops the broker once it is open.
      const shutdown = new Shutdown(logger);
      // Imported here so client commands do not load the broker, store and gRPC.
      const { startBroker } = await import('../../app.js');
      let running;
      try {
        running = await startBroker({ ...config, logger });
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message, ExitCode.USAGE);
        logger.error({ err }, 'broker failed to start');
        throw new CliError(`cannot start broker: ${(err as Error).message}`, ExitCode.REQUEST_FAILED);
      }
      if (!shutdown.requested) {
        const { grpcEndpoint: g, httpEndpoint: h } = running;
        const ns = running.namesrvEndpoint ? ` namesrv=${running.namesrvEndpoint.host}:${running.namesrvEndpoint.port}` : '';
        const rm = running.remotingEndpoint ? ` remoting=${running.remotingEndpoint.host}:${running.remotingEndpoint.port}` : '';
        process.stdout.write(`apogee ready grpc=${g.host}:${g.port} http=${h.host}:${h.port}${ns}${rm} data=${running.dataDir}\n`);
      }
      shutdown.attach(running.close);
    },
  );
}

/** SIGINT/SIGTERM: close within the deadline and exit 0; a second signal exits at once. */
class Shutdown {
  requested = false;
  private close: (() => Promise<void>) | undefined;

  constructor(private readonly logger: Logger) {
    const onSignal = (signal: NodeJS.Signals): void => this.onSignal(signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  attach(close: () => Promise<void>): void {
    this.close = close;
    if (this.requested) this.run();
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.requested) {
      this.logger.warn({ signal }, 'second signal: exiting without waiting for a clean shutdown');
      process.exit(130);
    }
    this.requested = true;
    this.logger.info({ signal }, this.close ? 'shutting down' : 'shutting down once the broker is open');
    setTimeout(() => {
      this.logger.error(`clean shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    if (this.close) this.run();
  }

  private run(): void {
    this.close!().then(
      () => process.exit(0),
      (err: unknown) => {
        this.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  }
}
