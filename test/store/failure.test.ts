import assert from 'node:assert/strict';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, StoreError, type AppendResult } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { bodyOf, input, recordingLogger, tempDir } from './helpers.js';

describe('store: I/O failure', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it('a failed commit-log write refuses further appends; reopening recovers everything acknowledged', async () => {
    const { logger, lines } = recordingLogger();
    const opts = { dataDir: dir, flushMode: 'sync' as const, segmentSize: 4096 };
    const store = await openMessageStore({ ...opts, logger });
    const acked: AppendResult[] = [];
    for (let i = 0; i < 2; i++) acked.push(await store.append(input('F', 0, bodyOf(900, i))));
    // The next segment cannot be created: its directory is now a file.
    await rename(join(dir, 'commitlog'), join(dir, 'commitlog.moved'));
    await writeFile(join(dir, 'commitlog'), 'not a directory');
    let failure: unknown;
    for (let i = 2; i < 20 && failure === undefined; i++) {
      try {
        acked.push(await store.append(input('F', 0, bodyOf(900, i))));
      } catch (err) {
        failure = err;
      }
    }
    assert.ok(failure instanceof StoreError, `expected a StoreError, got ${String(failure)}`);
    assert.equal(failure.code, 'IO_ERROR');
    assert.match(failure.message, /refused until the store is reopened/);
    await assert.rejects(store.append(input('F', 0, Buffer.from('later'))), (e: unknown) => e instanceof StoreError && e.code === 'IO_ERROR');
    assert.ok(lines.some((l) => l.level === 50 && /refusing further appends/.test(l.msg)));
    // Reads of what is there still work.
    assert.ok((await store.read((acked[0] as AppendResult).commitLogOffset))?.body.equals(bodyOf(900, 0)));
    await store.close();

    await rm(join(dir, 'commitlog'));
    await rename(join(dir, 'commitlog.moved'), join(dir, 'commitlog'));
    const again = await openMessageStore({ ...opts, logger: silentLogger() });
    assert.equal(again.recovery.crashed, true, 'a failed store does not close cleanly');
    for (const [i, a] of acked.entries()) assert.ok((await again.read(a.commitLogOffset))?.body.equals(bodyOf(900, i)));
    assert.equal(again.maxQueueOffset('F', 0), acked.length);
    const next = await again.append(input('F', 0, Buffer.from('after')));
    assert.equal(next.queueOffset, acked.length);
    await again.close();
  });
});
