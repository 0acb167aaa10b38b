/** A pino logger whose lines a test can read (warnings the SDK promises to log). */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../../src/util/logger.js';

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}
