/**
 * Redis Streams on this machine (APOGEE_BENCH_REDIS_URL, default redis://127.0.0.1:6379): XADD of one field per
 * message. Durability is set for the run — CONFIG SET appendonly yes and appendfsync always (labelled sync) or
 * everysec (async) — and the original settings are restored by close() (and on a signal, through cleanup.ts);
 * an AOF directory the run created is removed again. The server process is redis-server.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { onCleanup } from '../cleanup.js';
import { pidsByComm } from '../proc-sampler.js';
import { idOf, type Pipe, type SystemSession } from './session.js';

type Fsync = 'always' | 'everysec';
type Entry = [string, string[]];

/** XREADGROUP's one stream: RESP2 gives [[key, entries]], RESP3 a map (ioredis: [key, entries] or an object). */
export function streamEntries(res: unknown): Entry[] {
  if (!res) return [];
  if (Array.isArray(res)) {
    if (Array.isArray(res[0])) return ((res[0] as unknown[])[1] as Entry[] | undefined) ?? [];
    return (res[1] as Entry[] | undefined) ?? [];
  }
  return (Object.values(res as Record<string, Entry[]>)[0] as Entry[] | undefined) ?? [];
}

async function configGet(r: Redis, key: string): Promise<string> {
  const v = (await r.config('GET', key)) as string[];
  return v[1] ?? '';
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Waits until no AOF rewrite is running or scheduled (turning AOF on starts one). */
async function aofSettled(r: Redis): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const info = await r.info('persistence');
    if (/aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    if (Date.now() > until) throw new Error('AOF rewrite did not finish within 30 s');
    await sleep(50);
  }
}

export async function openRedis(fsync: Fsync): Promise<SystemSession> {
  const url = process.env.APOGEE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  const dir = await configGet(r, 'dir');
  const aofDir = join(dir, await configGet(r, 'appenddirname'));
  const original = { appendonly: await configGet(r, 'appendonly'), appendfsync: await configGet(r, 'appendfsync') };
  const aofDirExisted = await exists(aofDir);
  try {
    await access(dir, constants.W_OK);
  } catch {
    r.disconnect();
    throw new Error(`Redis's dir ${dir} is not writable here: AOF cannot be turned on`);
  }
  const keys: string[] = [];
  const readers: Redis[] = [];
  const restore = onCleanup(async () => {
    for (const k of keys) await r.del(k).catch(() => 0);
    for (const x of readers) x.disconnect();
    await r.config('SET', 'appendfsync', original.appendfsync);
    await r.config('SET', 'appendonly', original.appendonly);
    if (!aofDirExisted && original.appendonly === 'no') await rm(aofDir, { recursive: true, force: true });
    r.disconnect();
  });
  try {
    await r.config('SET', 'appendonly', 'yes');
    await aofSettled(r);
    await r.config('SET', 'appendfsync', fsync);
  } catch (err) {
    await restore();
    throw err;
  }
  const newKey = (): string => {
    const k = `apogee-bench-${randomUUID()}`;
    keys.push(k);
    return k;
  };
  return {
    system: fsync === 'always' ? 'redis-always' : 'redis-everysec',
    durability: fsync === 'always' ? 'sync' : 'async',
    pids: pidsByComm('redis-server'),
    note: `appendonly yes, appendfsync ${fsync} (set for the run; was appendonly ${original.appendonly}, appendfsync ${original.appendfsync})`,
    openSender: async (_client, opts) => {
      const key = newKey();
      const body = Buffer.alloc(opts.bodyBytes, 0x62);
      return { send: () => r.xadd(key, '*', 'b', body), close: () => {} };
    },
    openPipe: async (): Promise<Pipe> => {
      const key = newKey();
      await r.xgroup('CREATE', key, 'bench', '0', 'MKSTREAM');
      // XREADGROUP BLOCK holds its connection: the consumer reads and acks on its own.
      const reader = new Redis(url, { maxRetriesPerRequest: 1 });
      readers.push(reader);
      let running = false;
      let loop: Promise<void> | undefined;
      return {
        send: async (body) => {
          await r.xadd(key, '*', 'b', body);
        },
        consume: async (onMessage) => {
          running = true;
          loop = (async (): Promise<void> => {
            while (running) {
              const entries = streamEntries(await reader.call('XREADGROUP', 'GROUP', 'bench', 'c1', 'COUNT', '256', 'BLOCK', '200', 'STREAMS', key, '>'));
              if (entries.length === 0) continue;
              for (const [, fields] of entries) onMessage(idOf(fields[1] ?? ''));
              await reader.call('XACK', key, 'bench', ...entries.map(([id]) => id));
            }
          })().catch((err: unknown) => {
            if (running) process.stderr.write(`bench: redis consumer stopped: ${(err as Error).message}\n`);
          });
        },
        close: async () => {
          running = false;
          await loop?.catch(() => {});
        },
      };
    },
    close: restore,
  };
}
