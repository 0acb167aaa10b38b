/** `apogee status`: health and store statistics of a running broker. */
import type { Command } from 'commander';
import type { StatusReport } from '../../admin/status.js';
import { bytes, duration, fields, json, time } from '../output.js';
import { clientContext, withClientOptions, type ClientOptions } from './common.js';

type Env = Readonly<Record<string, string | undefined>>;

export function registerStatusCommand(program: Command, env: Env): void {
  withClientOptions(program.command('status').description('health and store statistics of a running broker')).action(async (opts: ClientOptions) => {
    const ctx = clientContext(opts, env);
    const s = await ctx.client.get<StatusReport>('/api/status');
    if (ctx.json) return ctx.out.write(json(s));
    const ep = (e: StatusReport['grpc']): string | undefined => (e ? `${e.host}:${e.port}` : undefined);
    ctx.out.write(
      fields([
        ['state', s.state],
        ['version', s.version],
        ['broker', s.brokerName],
        ['data dir', s.dataDir],
        ['flush', s.flush],
        ['grpc', ep(s.grpc)],
        ['http', ep(s.http)],
        ['started', time(s.startedAt)],
        ['uptime', duration(s.uptimeMs)],
        ['topics', s.topics],
        ['groups', s.groups],
        ['commit log', s.store ? `${bytes(s.store.commitLogBytesOnDisk)} in ${s.store.segments} segment(s), offsets ${s.store.commitLogMinOffset}..${s.store.commitLogMaxOffset}` : undefined],
        ['flushed offset', s.store?.flushedOffset],
        ['appends / fsyncs', s.store ? `${s.store.appendCount} / ${s.store.fsyncCount}` : undefined],
        ['last stop', s.recovery ? (s.recovery.crashed ? `crash (recovered to ${s.recovery.recoveredTo}, cut ${s.recovery.truncatedBytes} bytes)` : 'clean') : undefined],
      ]),
    );
  });
}
