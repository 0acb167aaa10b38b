import assert from 'node:assert/strict';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, StoreError, type AppendResult } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { performance } from 'node:perf_hooks';
import { bodyOf, input, recordingLogger, tempDir, waitFor } from './helpers.js';

describe('store: I/O failure', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it('a failed commit-log write refuses appends at once, keeps reads, and appends resume when writes work again', async () => {
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
    assert.equal(failure.retriable, true);
    assert.match(failure.message, /appends are refused until a write works again/);
    // Refused at once while the retry time has not come: no write is tried.
    const t0 = performance.now();
    await assert.rejects(store.append(input('F', 0, Buffer.from('later'))), (e: unknown) => e instanceof StoreError && e.code === 'IO_ERROR');
    assert.ok(performance.now() - t0 < 50);
    assert.equal(lines.filter((l) => l.level === 50 && /refusing appends/.test(l.msg)).length, 1, 'logged once');
    // Reads of what is there still work.
    assert.ok((await store.read((acked[0] as AppendResult).commitLogOffset))?.body.equals(bodyOf(900, 0)));

    // The directory comes back: the next append after the retry time succeeds, with the next queue offset.
    await rm(join(dir, 'commitlog'));
    await rename(join(dir, 'commitlog.moved'), join(dir, 'commitlog'));
    let next: AppendResult | undefined;
    await waitFor(async () => {
      next = await store.append(input('F', 0, Buffer.from('after'))).catch(() => undefined);
      return next !== undefined;
    }, 5000, 'appends to resume');
    assert.equal(next?.queueOffset, acked.length);
    assert.ok(lines.some((l) => l.level === 40 && /appends resumed/.test(l.msg)));
    await store.close();

    const again = await openMessageStore({ ...opts, logger: silentLogger() });
    assert.equal(again.recovery.truncatedBytes, 0);
    for (const [i, a] of acked.entries()) assert.ok((await again.read(a.commitLogOffset))?.body.equals(bodyOf(900, i)));
    assert.equal(again.maxQueueOffset('F', 0), acked.length + 1);
    await again.close();
  });
});
