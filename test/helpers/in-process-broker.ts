/**
 * A broker in the test's own process with every listener on a free port and its data in a fresh temp dir (or a
 * given one, which is then left in place). Async flush with a short interval keeps tests fast; options override.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker, type StartBrokerOptions } from '../../src/app.js';
import { silentLogger } from '../../src/util/logger.js';

export interface InProcessBroker {
  running: RunningBroker;
  dataDir: string;
  /** Closes the broker and removes the data dir if this helper made it. */
  close(): Promise<void>;
}

export async function startInProcessBroker(options: StartBrokerOptions = {}, prefix = 'apogee-test-', dataDir?: string): Promise<InProcessBroker> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), prefix)));
  const running = await startBroker({
    dataDir: dir,
    grpcPort: 0,
    httpPort: 0,
    namesrvPort: 0,
    remotingPort: 0,
    flush: 'async',
    asyncFlushIntervalMs: 20,
    logger: silentLogger(),
    ...options,
  });
  return {
    running,
    dataDir: dir,
    async close() {
      await running.close();
      if (dataDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
