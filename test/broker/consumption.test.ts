import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BrokerErrorCode, isBrokerError } from '../../src/broker/errors.js';
import type { Clock } from '../../src/util/clock.js';
import { openBrokerFixture, type BrokerFixture } from './fixture.js';

/** A clock tests move by hand, so invisible times expire exactly when a test says. */
class ManualClock implements Clock {
  t = Date.now();
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const isCode = (c: string) => (e: unknown) => isBrokerError(e) && e.code === c;

describe('pop consumption', () => {
  let fx: BrokerFixture;
  const clock = new ManualClock();
  before(async () => {
    fx = await openBrokerFixture({ clock }, { clock });
    await fx.broker.createTopic({ name: 'T', messageType: 'NORMAL', queueNums: 2 });
    await fx.broker.createTopic({ name: 'F', messageType: 'FIFO', queueNums: 2 });
    await fx.broker.createTopic({ name: 'Other', messageType: 'NORMAL', queueNums: 1 });
  });
  after(async () => fx.close());

  const send = (topic: string, body: string, extra: Record<string, unknown> = {}) =>
    fx.broker.send({ topic, body: Buffer.from(body), messageType: 'NORMAL', ...extra });
  const receive = (group: string, topic = 'T', max = 32, invisibleDurationMs = 30_000) =>
    fx.broker.receive({ group, topic, maxMessages: max, invisibleDurationMs, pollTimeoutMs: 0 });

  it('gives each group every message once; unacked messages come back with the next attempt', async () => {
    for (let i = 0; i < 10; i++) await send('T', `m${i}`);
    const a1 = await receive('gA');
    const b1 = await receive('gB');
    assert.equal(a1.length, 10);
    assert.equal(b1.length, 10);
    const sent = Array.from({ length: 10 }, (_, i) => `m${i}`).sort();
    assert.deepEqual(a1.map((m) => m.body.toString()).sort(), sent, 'group A: every message once');
    assert.deepEqual(b1.map((m) => m.body.toString()).sort(), sent, 'group B: every message once');
    assert.ok(a1.every((m) => m.deliveryAttempt === 1));
    assert.equal((await receive('gA')).length, 0, 'in-flight messages are invisible');
    // gA acks half; after the invisible time the other half comes back with attempt 2.
    const acked = new Set<string>();
    for (const m of a1.slice(0, 5)) {
      await fx.broker.ack('gA', 'T', m.receiptHandle);
      acked.add(m.messageId);
    }
    clock.advance(30_001);
    const a2 = await receive('gA');
    assert.equal(a2.length, 5);
    assert.ok(a2.every((m) => m.deliveryAttempt === 2 && !acked.has(m.messageId)));
    for (const m of a2) await fx.broker.ack('gA', 'T', m.receiptHandle);
    for (const m of await receive('gB')) await fx.broker.ack('gB', 'T', m.receiptHandle);
    for (const m of b1) await fx.broker.ack('gB', 'T', m.receiptHandle).catch(() => undefined);
    clock.advance(60_000);
    assert.equal((await receive('gA')).length, 0, 'acked messages never come back');
    await fx.restart();
    clock.advance(60_000);
    assert.equal((await receive('gA')).length, 0, 'acked messages never come back after a restart');
    const desc = fx.broker.describeGroup('gA');
    assert.equal(desc.queues.reduce((s, q) => s + q.lag, 0), 0);
  });

  it('keeps unacked in-flight messages and their receipt handles across a restart', async () => {
    await send('Other', 'keep-me');
    const [m] = await receive('gR', 'Other');
    assert.ok(m);
    await fx.restart();
    assert.equal((await receive('gR', 'Other')).length, 0, 'still invisible after restart');
    await fx.broker.ack('gR', 'Other', m.receiptHandle);
    clock.advance(31_000);
    assert.equal((await receive('gR', 'Other')).length, 0);
  });

  it('changeInvisibleDuration returns a new handle and invalidates the old one', async () => {
    await send('Other', 'cid');
    const [m] = await receive('gC', 'Other');
    assert.ok(m);
    const h2 = await fx.broker.changeInvisibleDuration('gC', 'Other', m.receiptHandle, 5_000);
    assert.notEqual(h2, m.receiptHandle);
    await assert.rejects(fx.broker.ack('gC', 'Other', m.receiptHandle), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE));
    clock.advance(5_001);
    const again = await receive('gC', 'Other');
    assert.equal(again.length, 1);
    assert.equal(again[0]?.deliveryAttempt, 2);
    await assert.rejects(fx.broker.ack('gC', 'Other', h2), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), 'superseded by redelivery');
    await fx.broker.ack('gC', 'Other', again[0]!.receiptHandle);
  });

  it('refuses stale, foreign and garbage receipt handles and changes nothing', async () => {
    await send('Other', 'h');
    const [m] = await receive('gH', 'Other');
    assert.ok(m);
    const bad: Array<[string, string, string]> = [
      ['garbage', 'gH', 'not-a-handle'],
      ['empty', 'gH', ''],
      ['foreign group', 'gOther', m.receiptHandle],
      ['truncated', 'gH', m.receiptHandle.slice(0, -2)],
    ];
    for (const [name, group, handle] of bad) {
      await assert.rejects(fx.broker.ack(group, 'Other', handle), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), name);
    }
    await assert.rejects(fx.broker.ack('gH', 'T', m.receiptHandle), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), 'foreign topic');
    await fx.broker.ack('gH', 'Other', m.receiptHandle);
    await assert.rejects(fx.broker.ack('gH', 'Other', m.receiptHandle), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), 'already acked');
  });

  it('checks invisible duration, batch size and polling time ranges', async () => {
    const base = { group: 'gV', topic: 'Other', maxMessages: 1, invisibleDurationMs: 1000, pollTimeoutMs: 0 };
    await assert.rejects(fx.broker.receive({ ...base, invisibleDurationMs: 0 }), isCode(BrokerErrorCode.ILLEGAL_INVISIBLE_TIME));
    await assert.rejects(fx.broker.receive({ ...base, invisibleDurationMs: 12 * 3600_000 + 1 }), isCode(BrokerErrorCode.ILLEGAL_INVISIBLE_TIME));
    await assert.rejects(fx.broker.receive({ ...base, maxMessages: 0 }), isCode(BrokerErrorCode.BAD_REQUEST));
    await assert.rejects(fx.broker.receive({ ...base, pollTimeoutMs: -1 }), isCode(BrokerErrorCode.ILLEGAL_POLLING_TIME));
    await assert.rejects(fx.broker.receive({ ...base, topic: 'missing' }), isCode(BrokerErrorCode.TOPIC_NOT_FOUND));
    await assert.rejects(fx.broker.receive({ ...base, group: 'bad group' }), isCode(BrokerErrorCode.ILLEGAL_CONSUMER_GROUP));
    await assert.rejects(
      fx.broker.receive({ ...base, filter: { type: 'SQL', expression: 'a >' } }),
      isCode(BrokerErrorCode.ILLEGAL_FILTER_EXPRESSION),
    );
    // 1 ms and 12 h are both accepted.
    await fx.broker.receive({ ...base, invisibleDurationMs: 1 });
    await fx.broker.receive({ ...base, invisibleDurationMs: 12 * 3600_000 });
  });

  it('moves a message to %DLQ%<group> after the max delivery attempts, with its properties and attempt count', async () => {
    await fx.broker.createGroup({ name: 'gD', maxDeliveryAttempts: 3 });
    await fx.broker.createTopic({ name: 'D', queueNums: 1 });
    const sent = await fx.broker.send({ topic: 'D', body: Buffer.from('poison'), messageType: 'NORMAL', tag: 'bad', properties: { orderId: '9' } });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const got = await receive('gD', 'D', 1, 1000);
      assert.equal(got.length, 1, `attempt ${attempt}`);
      assert.equal(got[0]?.deliveryAttempt, attempt);
      clock.advance(1001);
    }
    assert.equal((await receive('gD', 'D', 1, 1000)).length, 0, 'no fourth delivery');
    const dlq = await fx.broker.pull('%DLQ%gD', 0, 0, 10);
    assert.equal(dlq.messages.length, 1);
    const d = dlq.messages[0]!;
    assert.equal(d.messageId, sent.messageId);
    assert.equal(d.tag, 'bad');
    assert.equal(d.properties.orderId, '9');
    assert.equal(d.reconsumeTimes, 3);
    assert.equal(fx.broker.describeGroup('gD').deadLettered, 1);
    // forwardToDeadLetter on request
    await fx.broker.send({ topic: 'D', body: Buffer.from('manual'), messageType: 'NORMAL' });
    const [m] = await receive('gD', 'D', 1, 1000);
    await fx.broker.forwardToDeadLetter('gD', 'D', m!.receiptHandle);
    assert.equal((await fx.broker.pull('%DLQ%gD', 0, 0, 10)).messages.length, 2);
    clock.advance(5000);
    assert.equal((await receive('gD', 'D', 1, 1000)).length, 0);
  });

  it('filters by tag and SQL', async () => {
    await fx.broker.createTopic({ name: 'Filt', queueNums: 1 });
    await send('Filt', 'a', { tag: 'TagA', properties: { amount: '5' } });
    await send('Filt', 'b', { tag: 'TagB', properties: { amount: '50' } });
    await send('Filt', 'c', { properties: { amount: '500' } });
    const tag = await fx.broker.receive({ group: 'gF1', topic: 'Filt', maxMessages: 10, invisibleDurationMs: 1000, pollTimeoutMs: 0, filter: { type: 'TAG', expression: 'TagA || TagB' } });
    assert.deepEqual(tag.map((m) => m.body.toString()).sort(), ['a', 'b']);
    const sql = await fx.broker.receive({ group: 'gF2', topic: 'Filt', maxMessages: 10, invisibleDurationMs: 1000, pollTimeoutMs: 0, filter: { type: 'SQL', expression: 'amount > 10' } });
    assert.deepEqual(sql.map((m) => m.body.toString()).sort(), ['b', 'c']);
  });

  it('resets a group to a timestamp and redelivers exactly the messages stored after it', async () => {
    await fx.broker.createTopic({ name: 'Reset', queueNums: 2 });
    for (let i = 0; i < 4; i++) await send('Reset', `old${i}`);
    clock.advance(1000);
    const cut = clock.now();
    for (let i = 0; i < 3; i++) await send('Reset', `new${i}`);
    const all = await receive('gReset', 'Reset');
    assert.equal(all.length, 7);
    for (const m of all) await fx.broker.ack('gReset', 'Reset', m.receiptHandle);
    await fx.broker.resetOffset('gReset', 'Reset', { kind: 'timestamp', timestamp: cut });
    const again = await receive('gReset', 'Reset');
    assert.deepEqual(again.map((m) => m.body.toString()).sort(), ['new0', 'new1', 'new2']);
  });
});

describe('FIFO consumption', () => {
  it('delivers each message group in send order, one at a time, through random ack delays and a restart', async () => {
    const clock = new ManualClock();
    const fx = await openBrokerFixture({ clock }, { clock });
    try {
      await fx.broker.createTopic({ name: 'F', messageType: 'FIFO', queueNums: 2 });
      await fx.broker.createGroup({ name: 'gFifo', fifo: true });
      const groups = ['g1', 'g2', 'g3'];
      for (let i = 0; i < 100; i++) {
        for (const g of groups) {
          await fx.broker.send({ topic: 'F', body: Buffer.from(`${g}:${i}`), messageType: 'FIFO', messageGroup: g });
        }
      }
      const next = new Map(groups.map((g) => [g, 0]));
      const inflight = new Map<string, { handle: string; seq: number; ackAfter: number }[]>();
      let rounds = 0;
      let restarted = false;
      let seed = 7;
      const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      while ([...next.values()].some((n) => n < 100)) {
        if (++rounds > 5000) throw new Error('FIFO consumption made no progress');
        const got = await fx.broker.receive({ group: 'gFifo', topic: 'F', maxMessages: 8, invisibleDurationMs: 60_000, pollTimeoutMs: 0 });
        for (const m of got) {
          const [g, n] = m.body.toString().split(':') as [string, string];
          assert.equal(m.messageGroup, g);
          assert.equal(Number(n), next.get(g), `group ${g} out of order`);
          const list = inflight.get(g) ?? [];
          assert.equal(list.length, 0, `group ${g} had a message in flight while ${n} was delivered`);
          list.push({ handle: m.receiptHandle, seq: Number(n), ackAfter: Math.floor(rand() * 3) });
          inflight.set(g, list);
        }
        for (const [g, list] of inflight) {
          const item = list[0];
          if (!item) continue;
          if (item.ackAfter-- > 0) continue;
          await fx.broker.ack('gFifo', 'F', item.handle);
          list.shift();
          next.set(g, item.seq + 1);
        }
        if (!restarted && [...next.values()].every((n) => n >= 50)) {
          // Restart in the middle: in-flight handles stay valid, order continues.
          restarted = true;
          await fx.restart();
        }
      }
      assert.ok(restarted);
      assert.deepEqual([...next.values()], [100, 100, 100]);
    } finally {
      await fx.close();
    }
  });
});

describe('long polling', () => {
  it('wakes within 50 ms of a matching send and returns empty at the timeout', async () => {
    const fx = await openBrokerFixture();
    try {
      await fx.broker.createTopic({ name: 'LP', queueNums: 1 });
      await fx.broker.receive({ group: 'gLP', topic: 'LP', maxMessages: 1, invisibleDurationMs: 1000, pollTimeoutMs: 0 });
      const started = Date.now();
      const empty = await fx.broker.receive({ group: 'gLP', topic: 'LP', maxMessages: 1, invisibleDurationMs: 1000, pollTimeoutMs: 300 });
      const waited = Date.now() - started;
      assert.equal(empty.length, 0);
      assert.ok(waited >= 290 && waited < 1000, `waited ${waited} ms`);
      const pending = fx.broker.receive({ group: 'gLP', topic: 'LP', maxMessages: 1, invisibleDurationMs: 1000, pollTimeoutMs: 5000 });
      await new Promise((r) => setTimeout(r, 100));
      const sentAt = Date.now();
      await fx.broker.send({ topic: 'LP', body: Buffer.from('wake'), messageType: 'NORMAL' });
      const got = await pending;
      const latency = Date.now() - sentAt;
      assert.equal(got.length, 1);
      assert.ok(latency < 50 + 60, `woke after ${latency} ms`); // 50 ms budget + slack for a loaded machine (consumption-rules.test.ts checks the median against 50 ms)
    } finally {
      await fx.close();
    }
  });
});

describe('delay messages through the broker', () => {
  it('delivers at the delivery time, not before, keeps the message id, and honours recall', async () => {
    const fx = await openBrokerFixture();
    try {
      await fx.broker.createTopic({ name: 'Dl', messageType: 'DELAY', queueNums: 1 });
      const recv = () => fx.broker.receive({ group: 'gDl', topic: 'Dl', maxMessages: 8, invisibleDurationMs: 10_000, pollTimeoutMs: 0 });
      await recv();
      const at = Date.now() + 400;
      const sent = await fx.broker.send({ topic: 'Dl', body: Buffer.from('later'), messageType: 'DELAY', deliveryTimestamp: at });
      const recalled = await fx.broker.send({ topic: 'Dl', body: Buffer.from('never'), messageType: 'DELAY', deliveryTimestamp: at });
      assert.ok(sent.recallHandle);
      await fx.broker.recall('Dl', recalled.recallHandle!);
      assert.equal((await recv()).length, 0, 'not before its time');
      const got = await fx.broker.receive({ group: 'gDl', topic: 'Dl', maxMessages: 8, invisibleDurationMs: 10_000, pollTimeoutMs: 3000 });
      const arrived = Date.now();
      assert.deepEqual(got.map((m) => m.body.toString()), ['later']);
      assert.ok(arrived >= at, 'early delivery');
      assert.equal(got[0]?.messageId, sent.messageId);
      assert.equal(got[0]?.deliveryTimestamp, at);
      assert.equal(got[0]?.messageType, 'DELAY');
      await assert.rejects(fx.broker.recall('Dl', sent.recallHandle!), (e: unknown) => isBrokerError(e));
    } finally {
      await fx.close();
    }
  });
});
