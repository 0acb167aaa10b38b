import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openMessageStore, type AppendResult, type DispatchEvent } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { bodyOf, input, tempDir, waitFor } from './helpers.js';

describe('store: flush modes and group commit', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it('sync: 200 concurrent appends are all durable and share fdatasyncs', async () => {
    const d = `${dir}/sync`;
    const store = await openMessageStore({ dataDir: d, flushMode: 'sync', segmentSize: 64 * 1024, logger: silentLogger() });
    const events: DispatchEvent[] = [];
    const flushedAtDispatch: boolean[] = [];
    store.onDispatch((e) => {
      events.push(e);
      // Sync mode: an event fires only once its record is on disk.
      flushedAtDispatch.push(store.stats().flushedOffset >= e.commitLogOffset + 1);
    });
    const before = store.stats().fsyncCount;
    const results: AppendResult[] = await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.append(input(`T${i % 4}`, i % 2, bodyOf(700, i)))),
    );
    const s = store.stats();
    const fsyncs = s.fsyncCount - before;
    assert.ok(fsyncs > 0, 'at least one fdatasync');
    assert.ok(fsyncs < 200, `group commit: ${fsyncs} fdatasyncs for 200 appends`);
    assert.equal(s.appendCount, 200);
    // Every acknowledged byte is below the flushed offset.
    const end = Math.max(...results.map((r) => r.commitLogOffset + r.size));
    assert.ok(s.flushedOffset >= end, `flushed ${s.flushedOffset} < ${end}`);
    assert.equal(events.length, 200);
    assert.ok(flushedAtDispatch.every(Boolean));
    await store.close();

    const again = await openMessageStore({ dataDir: d, flushMode: 'sync', segmentSize: 64 * 1024, logger: silentLogger() });
    for (let i = 0; i < results.length; i++) {
      const m = await again.read((results[i] as AppendResult).commitLogOffset);
      assert.ok(m?.body.equals(bodyOf(700, i)));
    }
    await again.close();
  });

  it('async: appends resolve after the write; the background flush makes them durable', async () => {
    const d = `${dir}/async`;
    const store = await openMessageStore({ dataDir: d, flushMode: 'async', asyncFlushIntervalMs: 20, logger: silentLogger() });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => store.append(input('A', i % 3, bodyOf(100, i)))));
    const end = Math.max(...results.map((r) => r.commitLogOffset + r.size));
    assert.ok(store.stats().fsyncCount < 10, `async mode does not fdatasync per append (${store.stats().fsyncCount})`);
    await waitFor(() => store.stats().flushedOffset >= end, 5000, 'background flush');
    assert.ok(store.stats().fsyncCount >= 1);
    await store.close();
    const again = await openMessageStore({ dataDir: d, flushMode: 'async', logger: silentLogger() });
    assert.equal(again.maxQueueOffset('A', 0) + again.maxQueueOffset('A', 1) + again.maxQueueOffset('A', 2), 500);
    await again.close();
  });

  it('async: the background flush keeps up while appends never stop', async () => {
    const d = `${dir}/async-busy`;
    const store = await openMessageStore({ dataDir: d, flushMode: 'async', asyncFlushIntervalMs: 10, logger: silentLogger() });
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) await store.append(input('Busy', w, bodyOf(256, i)));
    });
    try {
      await waitFor(() => store.stats().fsyncCount >= 3 && store.stats().flushedOffset > 0, 5000, 'flushes during a busy stream');
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    await store.close();
  });

  it('backpressure: callers beyond the pending limit wait and none is dropped', async () => {
    const d = `${dir}/bp`;
    const store = await openMessageStore({ dataDir: d, flushMode: 'sync', maxPendingAppendBytes: 8 * 1024, logger: silentLogger() });
    const n = 600;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => store.append(input('BP', 0, bodyOf(1024, i)))));
    assert.deepEqual(
      results.map((r) => r.queueOffset).sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );
    // With at most ~8 KiB pending, a batch holds only a handful of records, so there are many batches.
    assert.ok(store.stats().fsyncCount >= n / 16, `fsyncs ${store.stats().fsyncCount}`);
    const entries = await store.readQueue('BP', 0, 0, n);
    assert.equal(entries.length, n);
    await store.close();
  });

  it('close drains appends already admitted and then refuses new ones', async () => {
    const d = `${dir}/drain`;
    const store = await openMessageStore({ dataDir: d, flushMode: 'sync', logger: silentLogger() });
    const pending = Array.from({ length: 50 }, (_, i) => store.append(input('D', 0, bodyOf(64, i))));
    const closed = store.close();
    const results = await Promise.all(pending);
    await closed;
    assert.equal(results.length, 50);
    const again = await openMessageStore({ dataDir: d, flushMode: 'sync', logger: silentLogger() });
    assert.equal(again.recovery.crashed, false);
    assert.equal(again.maxQueueOffset('D', 0), 50);
    await again.close();
  });
});
