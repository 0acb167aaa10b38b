/**
 * Apogee as users run it: `apogee start` as a child process on free ports with a temp data dir, `--flush sync`
 * or `--flush async`; topics made through its admin API. Stopped (and its data dir removed) by close().
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from '../child.js';
import type { Durability } from '../types.js';
import { familySession } from './rocketmq-family.js';
import type { SystemSession } from './session.js';

const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export async function createTopic(adminUrl: string, name: string, messageType: string): Promise<void> {
  const res = await fetch(`${adminUrl}/api/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, messageType, queueNums: 8 }),
  });
  if (!res.ok) throw new Error(`create topic ${name}: ${res.status} ${await res.text()}`);
}

export interface ApogeeSession extends SystemSession {
  readonly pid: number;
}

export async function openApogee(flush: Durability): Promise<ApogeeSession> {
  const dataDir = await mkdtemp(join(tmpdir(), `apogee-bench-${flush}-`));
  let child;
  try {
    child = await startChild(
      CLI_MAIN,
      ['start', '--data-dir', dataDir, '--grpc-port', '0', '--http-port', '0', '--namesrv-port', '0', '--remoting-port', '0', '--flush', flush, '--log-level', 'warn'],
      /^apogee ready grpc=(\S+):(\d+) http=(\S+):(\d+) namesrv=(\S+) remoting=(\S+)/,
    );
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const c = child;
  const close = async (): Promise<void> => {
    await c.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const adminUrl = `http://${c.ready[3]}:${c.ready[4]}`;
    await createTopic(adminUrl, 'Bench', 'NORMAL');
    await createTopic(adminUrl, 'BenchTx', 'TRANSACTION');
    const session = familySession({
      system: 'apogee',
      durability: flush,
      pids: [c.pid],
      grpc: `${c.ready[1]}:${c.ready[2]}`,
      namesrv: c.ready[5] as string,
      sendTopic: 'Bench',
      txTopic: 'BenchTx',
      pipeTopic: async (purpose) => {
        const name = `BenchPipe_${purpose}`;
        await createTopic(adminUrl, name, 'NORMAL');
        return name;
      },
      note: `apogee start --flush ${flush}`,
      close,
    });
    return { ...session, pid: c.pid };
  } catch (err) {
    await close();
    throw err;
  }
}
