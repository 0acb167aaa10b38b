/**
 * Section "ceiling": the official Node client against a no-op MessagingService (noop-grpc-server.ts, a child
 * process) at each window — the client's own ceiling on this machine, so Apogee's official-client rows can be
 * read as a fraction of what the client allows (issue 12: ≥ 0.9×). Baseline rows, system `noop-grpc`.
 */
import { fileURLToPath } from 'node:url';
import { startChild } from './child.js';
import { officialNodeSender } from './clients/official-node.js';
import type { Sizes } from './options.js';
import { sendRows } from './rows.js';
import type { SystemSession } from './systems/session.js';
import type { BaselineRow } from './types.js';

const NOOP_MAIN = fileURLToPath(new URL('./noop-grpc-server.js', import.meta.url));

export async function ceilingRows(windows: readonly number[], sizes: Sizes): Promise<BaselineRow[]> {
  const noop = await startChild(NOOP_MAIN, [], /^noop-grpc ready (\d+)$/);
  try {
    const endpoint = `127.0.0.1:${noop.ready[1]}`;
    // Durability does not apply (nothing is stored); 'async' marks "acknowledged before any disk".
    const session = {
      system: 'apogee',
      durability: 'async',
      pids: [noop.pid],
      openSender: (_c: unknown, opts: { bodyBytes: number; transactional: boolean }) => officialNodeSender(endpoint, 'Bench', opts),
    } as unknown as SystemSession;
    const rows = await sendRows(session, 'ceiling', 'official-node', windows, 1024, sizes);
    return rows.map((r) => ({ ...r, system: 'noop-grpc' as const, note: 'no-op gRPC server: stores nothing' }));
  } finally {
    await noop.stop();
  }
}
