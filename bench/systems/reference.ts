/**
 * Apache RocketMQ 5 through the reference launcher (scripts/reference.mjs): started with REFERENCE_FLUSH=sync
 * (SYNC_FLUSH) or async (ASYNC_FLUSH) and stopped by close() — the runner also stops it on a signal. Its two
 * JVMs (name server, proxy with the broker in local mode) are the row's server processes. Topics are ones the
 * launcher seeds into every fresh store: TopicTest for sends, TopicTestForNormal for the consumer's pipe.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Durability } from '../types.js';
import { familySession } from './rocketmq-family.js';
import type { SystemSession } from './session.js';

const LAUNCHER = fileURLToPath(new URL('../../../scripts/reference.mjs', import.meta.url));

interface LauncherState {
  up: boolean;
  flush?: string;
  pids: { namesrv: number; proxy: number };
  grpc: string;
  namesrv: string;
}

function launcher(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => resolve({ code: -1, out, err: e.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** Stops the reference (short grace: its store is thrown away). Safe to call when it is not running. */
export async function stopReference(): Promise<void> {
  await launcher(['stop'], { REFERENCE_STOP_GRACE_MS: '1000' });
}

export async function openReference(flush: Durability): Promise<SystemSession> {
  // A reference left over from an interrupted run (or in the other flush mode) goes first.
  await stopReference();
  const started = await launcher(['start'], { REFERENCE_FLUSH: flush });
  if (started.code !== 0) {
    await stopReference();
    const why = started.err.trim().split('\n').filter((l) => l.includes('reference:')).slice(-2).join(' ');
    throw new Error(`reference did not start (exit ${started.code}): ${why.slice(0, 300)}`);
  }
  const status = await launcher(['status', '--json'], {});
  let state: LauncherState;
  try {
    state = JSON.parse(status.out) as LauncherState;
    if (!state.up) throw new Error('reports itself down');
  } catch (err) {
    await stopReference();
    throw new Error(`reference status: ${(err as Error).message}`);
  }
  return familySession({
    system: 'rocketmq',
    durability: flush,
    pids: [state.pids.namesrv, state.pids.proxy],
    grpc: state.grpc,
    namesrv: state.namesrv,
    sendTopic: 'TopicTest',
    txTopic: 'TopicTestForTransaction',
    pipeTopic: async () => 'TopicTestForNormal',
    note: `Apache RocketMQ 5.4.0 ${flush === 'sync' ? 'SYNC_FLUSH' : 'ASYNC_FLUSH'}, proxy local mode`,
    close: stopReference,
  });
}
