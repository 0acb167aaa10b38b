import { pino, type Logger as PinoLogger } from 'pino';

/** The logger type every layer receives (injected, never imported as a global). */
export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
}

/** JSON logs on stderr by default; `pretty` prints short human lines instead (no extra dependency). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!options.pretty) return pino({ level, base: { app: 'apogee' } }, pino.destination(2));
  return pino({ level, base: undefined, timestamp: false }, {
    write(line: string): void {
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        const { level: lv, msg, time: _t, ...rest } = rec;
        const extra = Object.keys(rest).length > 0 ? ' ' + JSON.stringify(rest) : '';
        process.stderr.write(`${pino.levels.labels[Number(lv)] ?? lv} ${String(msg ?? '')}${extra}\n`);
      } catch {
        process.stderr.write(line);
      }
    },
  });
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
