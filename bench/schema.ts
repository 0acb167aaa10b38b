/** A check of a results file against the schema; main.ts runs it before writing, the tests on samples. */
import { SECTIONS } from './types.js';

export const SYSTEMS = ['apogee', 'rocketmq', 'rabbitmq-classic', 'rabbitmq-quorum', 'nats-jetstream', 'redis-always', 'redis-everysec'] as const;
export const REQUIRED_ROW_KEYS = ['section', 'system', 'client', 'durability', 'inFlight', 'bodyBytes', 'msgsPerSec', 'p50Ms', 'p99Ms', 'cpuMsPer1k', 'peakRssMb'] as const;
const NULLABLE_NUMBERS = ['msgsPerSec', 'p50Ms', 'p99Ms', 'cpuMsPer1k', 'peakRssMb'] as const;

/** Problems found (empty: the file matches). */
export function schemaProblems(file: unknown): string[] {
  const out: string[] = [];
  if (typeof file !== 'object' || file === null) return ['not an object'];
  const f = file as Record<string, unknown>;
  if (typeof f.date !== 'string' || Number.isNaN(Date.parse(f.date))) out.push('date: not an ISO date string');
  if (typeof f.node !== 'string') out.push('node: not a string');
  if (typeof f.cores !== 'number') out.push('cores: not a number');
  if (typeof f.quick !== 'boolean') out.push('quick: not a boolean');
  if (!Array.isArray(f.rows)) return [...out, 'rows: not an array'];
  f.rows.forEach((row: unknown, i: number) => {
    const r = row as Record<string, unknown>;
    for (const k of REQUIRED_ROW_KEYS) if (!(k in r)) out.push(`rows[${i}].${k}: missing`);
    if (!(SYSTEMS as readonly unknown[]).includes(r.system)) out.push(`rows[${i}].system: ${String(r.system)} is not one of ${SYSTEMS.join(', ')}`);
    if (r.durability !== 'sync' && r.durability !== 'async') out.push(`rows[${i}].durability: ${String(r.durability)}`);
    if (!(SECTIONS as readonly unknown[]).includes(r.section)) out.push(`rows[${i}].section: ${String(r.section)}`);
    if (typeof r.client !== 'string') out.push(`rows[${i}].client: not a string`);
    for (const k of ['inFlight', 'bodyBytes'] as const) if (typeof r[k] !== 'number') out.push(`rows[${i}].${k}: not a number`);
    for (const k of NULLABLE_NUMBERS) if (r[k] !== null && typeof r[k] !== 'number') out.push(`rows[${i}].${k}: neither a number nor null`);
    if (r.msgsPerSec === null && r.section !== 'idle' && typeof r.note !== 'string') out.push(`rows[${i}]: msgsPerSec null without a note`);
  });
  return out;
}
