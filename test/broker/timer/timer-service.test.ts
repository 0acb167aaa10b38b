import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BrokerError, BrokerErrorCode } from '../../../src/broker/errors.js';
import { Prop } from '../../../src/broker/properties.js';
import { TIMER_OP_TOPIC, TIMER_QUEUE_ID, TIMER_TOPIC } from '../../../src/broker/timer/index.js';
import type { MessageStore } from '../../../src/store/types.js';
import { Rig, message, waitFor } from './harness.js';

/** Acceptance: delivery within this many ms of its time. */
const SLACK_MS = 100;

function isCode(code: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof BrokerError && e.code === code;
}

test('messages due at +1 s, +3 s and in the past arrive in time order, none early, within 100 ms', async () => {
  const rig = await Rig.create();
  try {
    const svc = await rig.open();
    const t0 = Date.now();
    const late = await svc.schedule(message('T', 'plus3', 1, { TAGS: 'tagA', color: 'red' }), t0 + 3000);
    const soon = await svc.schedule(message('T', 'plus1', 1), t0 + 1000);
    const pastAt = t0 - 5000;
    const scheduledPastAt = Date.now();
    await svc.schedule(message('T', 'past', 1), pastAt);
    assert.ok(late.recallHandle.length > 0 && soon.messageId.length > 0);

    await waitFor(() => rig.deliveries.length >= 3, 6000, 'three deliveries');
    assert.deepEqual(rig.deliveries.map((d) => d.body), ['past', 'plus1', 'plus3']);
    const [past, plus1, plus3] = rig.deliveries as [(typeof rig.deliveries)[0], (typeof rig.deliveries)[0], (typeof rig.deliveries)[0]];
    assert.ok(past.at - scheduledPastAt <= SLACK_MS, `past-due message took ${past.at - scheduledPastAt} ms`);
    for (const d of [plus1, plus3]) {
      assert.ok(d.at >= d.deliverAt, `${d.body} delivered ${d.deliverAt - d.at} ms early`);
      assert.ok(d.at - d.deliverAt <= SLACK_MS, `${d.body} delivered ${d.at - d.deliverAt} ms late`);
    }
    await waitFor(() => svc.pendingCount() === 0, 2000, 'no pending timers');

    // The real copies: right queue, original properties, system addressing removed, delivery time kept.
    const real = await rig.realMessages('T', 1);
    assert.deepEqual(real.map((m) => m.body.toString()), ['past', 'plus1', 'plus3']);
    const r3 = real[2]!;
    assert.equal(r3.properties['color'], 'red');
    assert.equal(r3.properties['TAGS'], 'tagA');
    assert.equal(r3.properties[Prop.UNIQ_KEY], late.messageId);
    assert.equal(r3.properties[Prop.TIMER_DELIVER_MS], String(t0 + 3000));
    assert.equal(r3.properties[Prop.REAL_TOPIC], undefined);
    assert.equal(r3.properties[Prop.REAL_QUEUE_ID], undefined);
    assert.deepEqual(svc.stats(), { ...svc.stats(), pending: 0, delivered: 3, recalled: 0, dropped: 0 });
  } finally {
    await rig.destroy();
  }
});

test('a clean restart before the timers are due still delivers each of them once, on time', async () => {
  const rig = await Rig.create();
  try {
    let svc = await rig.open();
    const t0 = Date.now();
    await svc.schedule(message('R', 'a'), t0 + 900);
    await svc.schedule(message('R', 'b'), t0 + 1300);
    await svc.schedule(message('R', 'c', 0), t0 - 1);
    await waitFor(() => rig.deliveries.length === 1, 2000, 'the past-due message');
    await rig.close();
    assert.ok(Date.now() < t0 + 900, 'restart happened before the timers were due');

    svc = await rig.open();
    assert.equal(svc.pendingCount(), 2, 'both future timers rebuilt from the log');
    assert.equal(svc.stats().recovered, 2);
    await waitFor(() => rig.deliveries.length === 3, 3000, 'two more deliveries');
    assert.deepEqual(rig.deliveries.map((d) => d.body), ['c', 'a', 'b']);
    for (const d of rig.deliveries.slice(1)) {
      assert.ok(d.at >= d.deliverAt, `${d.body} early`);
      assert.ok(d.at - d.deliverAt <= SLACK_MS, `${d.body} ${d.at - d.deliverAt} ms late`);
    }
    await waitFor(() => svc.pendingCount() === 0, 2000, 'no pending timers');
    await rig.close();

    // Once more: nothing is pending, so nothing can be delivered again.
    svc = await rig.open();
    assert.equal(svc.pendingCount(), 0);
    assert.equal((await rig.realMessages('R')).length, 3);
    const ck = JSON.parse(await readFile(join(rig.dir, 'config', 'timerCheckpoint.json'), 'utf8')) as Record<string, number>;
    assert.equal(ck['timerQueueOffset'], rig.messageStore.maxQueueOffset(TIMER_TOPIC, TIMER_QUEUE_ID), 'checkpoint past every finished timer');
    assert.equal(ck['opQueueOffset'], rig.messageStore.maxQueueOffset(TIMER_OP_TOPIC, 0));
  } finally {
    await rig.destroy();
  }
});

test('a recalled message is never delivered, also after a restart; bad recalls are typed errors', async () => {
  const rig = await Rig.create();
  try {
    let svc = await rig.open();
    const t0 = Date.now();
    const a = await svc.schedule(message('Q', 'a'), t0 + 400);
    const b = await svc.schedule(message('Q', 'b'), t0 + 400);
    const c = await svc.schedule(message('Q', 'c'), t0 + 1200);
    await svc.schedule(message('Q', 'after-c'), t0 + 1300);

    await assert.rejects(svc.recall('OTHER', b.recallHandle), isCode(BrokerErrorCode.BAD_REQUEST), 'handle of another topic');
    await assert.rejects(svc.recall('Q', 'garbage!'), isCode(BrokerErrorCode.BAD_REQUEST));
    const forged = Buffer.from(JSON.stringify([1, 'Q', 123456789, t0, 'X'])).toString('base64url');
    await assert.rejects(svc.recall('Q', forged), isCode(BrokerErrorCode.NOT_FOUND), 'well-formed but unknown');
    assert.equal(svc.pendingCount(), 4, 'failed recalls change nothing');

    // Recall b, not the oldest timer a: after the restart the checkpoint still starts at a, so b's recall must
    // come from its durable op record.
    await svc.recall('Q', b.recallHandle);
    assert.equal(svc.pendingCount(), 3);
    await assert.rejects(svc.recall('Q', b.recallHandle), isCode(BrokerErrorCode.NOT_FOUND), 'recalled twice');

    await rig.close();
    svc = await rig.open();
    assert.equal(svc.pendingCount(), 3, 'the recall survived the restart');
    await svc.recall('Q', c.recallHandle); // a handle from before the restart still works

    await waitFor(() => rig.deliveries.length === 2, 3000, 'a and after-c');
    assert.deepEqual(rig.deliveries.map((d) => d.body), ['a', 'after-c'], 'delivery is in time order, so b/c would have come before after-c');
    await waitFor(() => svc.pendingCount() === 0, 2000, 'no pending timers');
    await assert.rejects(svc.recall('Q', a.recallHandle), isCode(BrokerErrorCode.NOT_FOUND), 'already delivered');

    await rig.close();
    svc = await rig.open();
    assert.equal(svc.pendingCount(), 0);
    assert.deepEqual((await rig.realMessages('Q')).map((m) => m.body.toString()), ['a', 'after-c']);
    assert.equal(rig.deliveries.length, 2);
  } finally {
    await rig.destroy();
  }
});

test('a recall handle with a changed delivery time or message id does not recall', async () => {
  const rig = await Rig.create();
  try {
    const svc = await rig.open();
    const r = await svc.schedule(message('Q', 'x'), Date.now() + 60_000);
    const [v, topic, timerId, deliverAt, messageId] = JSON.parse(Buffer.from(r.recallHandle, 'base64url').toString()) as [number, string, number, number, string];
    const enc = (x: unknown[]): string => Buffer.from(JSON.stringify(x)).toString('base64url');
    await assert.rejects(svc.recall('Q', enc([v, topic, timerId, deliverAt + 1, messageId])), isCode(BrokerErrorCode.NOT_FOUND));
    await assert.rejects(svc.recall('Q', enc([v, topic, timerId, deliverAt, messageId + 'X'])), isCode(BrokerErrorCode.NOT_FOUND));
    assert.equal(svc.pendingCount(), 1);
    await svc.recall('Q', r.recallHandle);
    assert.equal(svc.pendingCount(), 0);
  } finally {
    await rig.destroy();
  }
});

test('delivery times too far ahead or not timestamps are ILLEGAL_DELIVERY_TIME and store nothing', async () => {
  const rig = await Rig.create();
  try {
    const svc = await rig.open();
    const s = rig.messageStore;
    const before = s.maxQueueOffset(TIMER_TOPIC, TIMER_QUEUE_ID);
    const day = 24 * 3_600_000;
    await assert.rejects(svc.schedule(message('T', 'x'), Date.now() + day + 5000), (e: unknown) => isCode('ILLEGAL_DELIVERY_TIME')(e) && /maximum/.test((e as Error).message));
    for (const bad of [Number.NaN, -5, 1.5, Number.POSITIVE_INFINITY]) {
      await assert.rejects(svc.schedule(message('T', 'x'), bad), isCode('ILLEGAL_DELIVERY_TIME'), String(bad));
    }
    assert.equal(s.maxQueueOffset(TIMER_TOPIC, TIMER_QUEUE_ID), before);
    assert.equal(svc.pendingCount(), 0);
    // Just inside the limit is accepted.
    const ok = await svc.schedule(message('T', 'x'), Date.now() + day - 5000);
    assert.equal(svc.pendingCount(), 1);
    await svc.recall('T', ok.recallHandle);
  } finally {
    await rig.destroy();
  }
  const rig2 = await Rig.create();
  try {
    const svc = await rig2.open({ maxDelayMs: 10_000 });
    await assert.rejects(svc.schedule(message('T', 'x'), Date.now() + 11_000), isCode('ILLEGAL_DELIVERY_TIME'));
  } finally {
    await rig2.destroy();
  }
});

test('a non-retriable delivery failure drops the timer for good; a retriable one is retried', async () => {
  const rig = await Rig.create();
  try {
    let failures = 0;
    rig.deliverHook = async (rec) => {
      const body = rec.body.toString();
      if (body === 'gone') throw new BrokerError(BrokerErrorCode.TOPIC_NOT_FOUND, 'topic deleted');
      if (body === 'flaky' && failures++ < 2) throw new BrokerError(BrokerErrorCode.UNAVAILABLE, 'busy', true);
      await rig.messageStore.append((await import('../../../src/broker/timer/index.js')).toRealAppendInput(rec));
    };
    let svc = await rig.open({ retryInitialBackoffMs: 20 });
    const now = Date.now();
    await svc.schedule(message('F', 'gone'), now);
    await svc.schedule(message('F', 'flaky'), now);
    await waitFor(() => svc.pendingCount() === 0, 3000, 'both timers finished');
    assert.equal(failures, 3, 'two failures then success');
    assert.equal(svc.stats().dropped, 1);
    assert.equal(svc.stats().delivered, 1);
    assert.equal(svc.stats().retried, 2);
    assert.deepEqual((await rig.realMessages('F')).map((m) => m.body.toString()), ['flaky']);
    await rig.close();
    svc = await rig.open();
    assert.equal(svc.pendingCount(), 0, 'the dropped timer stays dropped after a restart');
  } finally {
    await rig.destroy();
  }
});

test('failures that never stop end in a drop after maxDeliveryAttempts', async () => {
  const rig = await Rig.create();
  try {
    let calls = 0;
    rig.deliverHook = async () => {
      calls++;
      throw new Error('disk on fire');
    };
    const svc = await rig.open({ retryInitialBackoffMs: 5, maxDeliveryAttempts: 3 });
    await svc.schedule(message('F', 'x'), Date.now());
    await waitFor(() => svc.pendingCount() === 0, 3000, 'timer dropped');
    assert.equal(calls, 3);
    assert.equal(svc.stats().dropped, 1);
  } finally {
    await rig.destroy();
  }
});

test('concurrent deliveries are capped and all due timers still go out', async () => {
  const rig = await Rig.create();
  try {
    let inFlight = 0;
    let maxInFlight = 0;
    rig.deliverHook = async (rec) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 3));
      await rig.messageStore.append((await import('../../../src/broker/timer/index.js')).toRealAppendInput(rec));
      inFlight--;
    };
    const svc = await rig.open({ maxConcurrentDeliveries: 4 });
    const now = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => svc.schedule(message('C', `m${i}`), now - 1000 + i)));
    await waitFor(() => svc.pendingCount() === 0, 5000, 'all 40 delivered');
    assert.equal(maxInFlight, 4);
    assert.equal((await rig.realMessages('C')).length, 40);
  } finally {
    await rig.destroy();
  }
});

test('a failed op append after delivery does not deliver the message twice', async () => {
  const rig = await Rig.create();
  try {
    let opFailures = 1;
    const wrap = (s: MessageStore): MessageStore =>
      Object.assign(Object.create(s) as MessageStore, {
        append: async (input: Parameters<MessageStore['append']>[0]) => {
          if (input.topic === TIMER_OP_TOPIC && opFailures-- > 0) throw new Error('injected op failure');
          return s.append(input);
        },
      });
    const svc = await rig.open({ retryInitialBackoffMs: 10 }, wrap);
    await svc.schedule(message('D', 'once'), Date.now());
    await waitFor(() => svc.pendingCount() === 0, 3000, 'timer finished');
    assert.equal(rig.deliveries.length, 1, 'deliver called once');
    assert.equal(svc.stats().deduplicated, 1, 'the retry found the real copy');
    assert.equal((await rig.realMessages('D')).length, 1);
  } finally {
    await rig.destroy();
  }
});

test('lifecycle: not before start, not after close; protectedOffset follows the oldest pending timer', async () => {
  const rig = await Rig.create();
  try {
    const store = await (await import('./harness.js')).openTestStore(rig.dir);
    const { TimerService } = await import('../../../src/broker/timer/index.js');
    const { silentLogger } = await import('../../../src/util/logger.js');
    const svc = new TimerService({ store, logger: silentLogger(), deliver: async () => {} });
    await assert.rejects(svc.schedule(message('L', 'x'), Date.now()), isCode(BrokerErrorCode.UNAVAILABLE));
    assert.equal(svc.protectedOffset(), 0, 'before start everything is protected');
    await Promise.all([svc.start(), svc.start()]);
    assert.equal(svc.protectedOffset(), Number.MAX_SAFE_INTEGER, 'nothing pending');
    const r1 = await svc.schedule(message('L', 'x'), Date.now() + 60_000);
    const r2 = await svc.schedule(message('L', 'y'), Date.now() + 30_000);
    assert.equal(svc.protectedOffset(), r1.commitLogOffset);
    await svc.recall('L', r1.recallHandle);
    assert.equal(svc.protectedOffset(), r2.commitLogOffset);
    await svc.close();
    await svc.close();
    await assert.rejects(svc.schedule(message('L', 'x'), Date.now()), isCode(BrokerErrorCode.UNAVAILABLE));
    await assert.rejects(svc.recall('L', r2.recallHandle), isCode(BrokerErrorCode.UNAVAILABLE));
    await store.close();
  } finally {
    await rig.destroy();
  }
});

test('a long pending timer does not make restarts replay everything after it (snapshot checkpoint)', async () => {
  const rig = await Rig.create();
  const opts = { snapshotMinWindow: 8, checkpointIntervalMs: 10 };
  try {
    let svc = await rig.open(opts);
    const long = await svc.schedule(message('S', 'long'), Date.now() + 60_000);
    const now = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => svc.schedule(message('S', `short${i}`), now - 100 + i)));
    await waitFor(() => svc.pendingCount() === 1, 3000, 'the short timers delivered');
    const ckPath = join(rig.dir, 'config', 'timerCheckpoint.json');
    const readCk = async (): Promise<Record<string, unknown>> => JSON.parse(await readFile(ckPath, 'utf8')) as Record<string, unknown>;
    let ck: Record<string, unknown> = {};
    const deadline = Date.now() + 3000;
    while (typeof ck['snapshot'] !== 'string' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      ck = await readCk();
    }
    assert.equal(typeof ck['snapshot'], 'string', 'checkpoint names a snapshot');
    assert.equal(ck['timerQueueOffset'] !== 0, true, 'and no longer starts at the long timer');
    await rig.close();

    svc = await rig.open(opts);
    assert.equal(svc.pendingCount(), 1);
    const replayed = svc.stats().replayEntries;
    assert.ok(replayed <= 1 + 2 * 8 * 2, `replayed ${replayed} entries; a plain checkpoint would need 81`);
    await svc.recall('S', long.recallHandle); // the snapshot entry is a full pending timer
    assert.equal(svc.pendingCount(), 0);
    await rig.close();
    svc = await rig.open(opts);
    assert.equal(svc.pendingCount(), 0, 'the recall of a snapshot entry is durable');
    assert.equal(rig.deliveries.length, 40);
  } finally {
    await rig.destroy();
  }
});
