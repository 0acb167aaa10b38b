/**
 * Identities the client makes up: its client id (`ip@instance`, what the broker groups heartbeats and queue locks
 * by) and each message's unique id (UNIQ_KEY, 32 hex characters in MessageClientIDSetter's layout: address, pid
 * and a random word, then milliseconds since the start of the month and a counter).
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address, else loopback (what the broker sees is what it records anyway). */
export function localIPv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

let instanceCounter = 0;

/** Unique per client object, so two producers or consumers in one process are two clients to the broker. */
export function newClientId(instanceName?: string): string {
  instanceCounter++;
  return `${localIPv4()}@${instanceName ?? `${process.pid}#${instanceCounter}#${randomBytes(3).toString('hex')}`}`;
}

const prefix = ((): Buffer => {
  const b = Buffer.alloc(10);
  const ip = localIPv4().split('.').map(Number);
  for (let i = 0; i < 4; i++) b[i] = (ip[i] ?? 0) & 255;
  b.writeUInt16BE(process.pid & 0xffff, 4);
  randomBytes(4).copy(b, 6);
  return b;
})();
const prefixHex = prefix.toString('hex').toUpperCase();
let counter = 0;
let monthStart = 0;
let nextMonth = 0;

function resetMonth(now: number): void {
  const d = new Date(now);
  monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  nextMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function newUniqueId(): string {
  const now = Date.now();
  if (now >= nextMonth) resetMonth(now);
  counter = (counter + 1) & 0xffff;
  const time = (now - monthStart) >>> 0;
  return prefixHex + time.toString(16).toUpperCase().padStart(8, '0') + counter.toString(16).toUpperCase().padStart(4, '0');
}
