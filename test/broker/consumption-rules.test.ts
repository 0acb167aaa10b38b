/**
 * Consumption rules on a real store: where a new group starts, what retention keeps for consumers, bad receipt
 * handles that change nothing, dead-letter counts across restarts, long polling latency and bounds, delay messages
 * across a restart, and the retry backoff ladder.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BrokerErrorCode, isBrokerError } from '../../src/broker/errors.js';
import { DEFAULT_RETRY_POLICY, retryDelayMs, validateRetryPolicy } from '../../src/broker/retry-policy.js';
import type { ReceivedMessage } from '../../src/broker/types.js';
import type { Clock } from '../../src/util/clock.js';
import { openBrokerFixture, type BrokerFixture } from './fixture.js';

class ManualClock implements Clock {
  t = Date.now();
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const HOUR = 3600_000;
const isCode = (c: string) => (e: unknown) => isBrokerError(e) && e.code === c;
const bodies = (ms: ReceivedMessage[]): string[] => ms.map((m) => m.body.toString()).sort();

/** Small segments, retention only when asked, and the broker's protected offset wired into the store. */
async function retentionFixture(clock: ManualClock): Promise<BrokerFixture> {
  let fx: BrokerFixture | undefined = undefined;
  fx = await openBrokerFixture(
    { clock },
    { clock, segmentSize: 4096, retention: { checkIntervalMs: 0 }, protectedOffset: () => fx?.broker.protectedOffset() ?? 0 },
  );
  return fx;
}

async function fill(fx: BrokerFixture, topic: string, n: number, prefix: string): Promise<void> {
  for (let i = 0; i < n; i++) await fx.broker.send({ topic, body: Buffer.from(`${prefix}${i}`.padEnd(200, '.')), messageType: 'NORMAL' });
}

describe('where a new consumer group starts', () => {
  it('young queue: offset 0; queue whose first message is gone: its end; earliest/latest on request', async () => {
    const clock = new ManualClock();
    const fx = await retentionFixture(clock);
    try {
      const b = fx.broker;
      const recv = (group: string, topic: string) =>
        b.receive({ group, topic, maxMessages: 100, invisibleDurationMs: 60_000, pollTimeoutMs: 0 });
      await b.createTopic({ name: 'Young', queueNums: 1 });
      await b.createTopic({ name: 'Aged', queueNums: 1 });
      await fill(fx, 'Aged', 40, 'a');
      clock.advance(73 * HOUR);
      await fill(fx, 'Aged', 2, 'late'); // in the segment being written: kept
      const report = await fx.store.runRetention();
      assert.ok(report.deletedSegments.length >= 2, JSON.stringify(report));
      const min = fx.store.minQueueOffset('Aged', 0);
      const max = fx.store.maxQueueOffset('Aged', 0);
      assert.ok(min > 0 && min < max, `retention removed the first messages (min ${min}, max ${max})`);
      await fill(fx, 'Young', 3, 'y');

      assert.deepEqual(bodies(await recv('gYoung', 'Young')).map((s) => s.replace(/\.+$/, '')), ['y0', 'y1', 'y2'], 'young queue: from 0');
      assert.equal((await recv('gNew', 'Aged')).length, 0, 'not young: starts at the end');
      assert.equal(b.queryOffset('gNew', 'Aged', 0), max);
      await b.send({ topic: 'Aged', body: Buffer.from('after'), messageType: 'NORMAL' });
      assert.deepEqual(bodies(await recv('gNew', 'Aged')), ['after']);

      await b.createGroup({ name: 'gEarliest', consumeFromWhere: 'earliest' });
      assert.equal((await recv('gEarliest', 'Aged')).length, max + 1 - min, 'earliest: every message still stored');
      await b.createGroup({ name: 'gLatest', consumeFromWhere: 'latest' });
      assert.equal((await recv('gLatest', 'Young')).length, 0, 'latest: even a young queue starts at its end');
      await b.send({ topic: 'Young', body: Buffer.from('y-new'), messageType: 'NORMAL' });
      assert.deepEqual(bodies(await recv('gLatest', 'Young')), ['y-new']);
    } finally {
      await fx.close();
    }
  });
});

describe('retention and consumers', () => {
  it('keeps the segment of an unacked received message until it is acked', async () => {
    const clock = new ManualClock();
    const fx = await retentionFixture(clock);
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'Keep', queueNums: 1 });
      await fill(fx, 'Keep', 40, 'k');
      const [m] = await b.receive({ group: 'gKeep', topic: 'Keep', maxMessages: 1, invisibleDurationMs: 12 * HOUR, pollTimeoutMs: 0 });
      assert.ok(m);
      clock.advance(73 * HOUR);
      await fill(fx, 'Keep', 2, 'late');
      const first = await fx.store.runRetention();
      assert.deepEqual(first.deletedSegments, [], 'the in-flight message is in the oldest segment');
      assert.ok(first.kept.length > 0 && first.kept.every((k) => k.reason.length > 0), JSON.stringify(first));
      assert.equal((await fx.store.read(m.commitLogOffset))?.body.toString(), m.body.toString());
      await b.ack('gKeep', 'Keep', m.receiptHandle);
      // The group read only one message: nothing else is held for it.
      const second = await fx.store.runRetention();
      assert.ok(second.deletedSegments.length >= 2, JSON.stringify(second));
      assert.equal(await fx.store.read(m.commitLogOffset), undefined);
    } finally {
      await fx.close();
    }
  });
});

describe('bad receipt handles', () => {
  it('ack, changeInvisibleDuration and forwardToDeadLetter refuse stale, foreign and garbage handles and change nothing', async () => {
    const clock = new ManualClock();
    const fx = await openBrokerFixture({ clock }, { clock });
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'H', queueNums: 1 });
      await b.createTopic({ name: 'H2', queueNums: 1 });
      await b.send({ topic: 'H', body: Buffer.from('x'), messageType: 'NORMAL' });
      await b.send({ topic: 'H2', body: Buffer.from('y'), messageType: 'NORMAL' });
      const recv = (group: string, topic: string) => b.receive({ group, topic, maxMessages: 8, invisibleDurationMs: 30_000, pollTimeoutMs: 0 });
      const [m] = await recv('gH', 'H');
      const [other] = await recv('gH', 'H2');
      assert.ok(m && other);
      const stale = m.receiptHandle;
      const current = await b.changeInvisibleDuration('gH', 'H', stale, 30_000);
      const flipped = current.slice(0, 10) + (current[10] === 'A' ? 'B' : 'A') + current.slice(11);
      const before = JSON.stringify(b.describeGroup('gH'));
      const bad: Array<[string, string, string]> = [
        ['garbage', 'gH', 'garbage!'],
        ['empty', 'gH', ''],
        ['truncated', 'gH', current.slice(0, -3)],
        ['flipped character', 'gH', flipped],
        ['superseded by changeInvisibleDuration', 'gH', stale],
        ['foreign group', 'gOther', current],
        ['handle of another topic', 'gH', other.receiptHandle],
      ];
      for (const [why, group, handle] of bad) {
        await assert.rejects(b.ack(group, 'H', handle), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), `ack: ${why}`);
        await assert.rejects(b.changeInvisibleDuration(group, 'H', handle, 1), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), `change: ${why}`);
        await assert.rejects(b.forwardToDeadLetter(group, 'H', handle), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), `dlq: ${why}`);
      }
      assert.equal(JSON.stringify(b.describeGroup('gH')), before, 'nothing changed');
      assert.equal(b.getTopic('%DLQ%gH'), undefined, 'no dead-letter topic was made');
      assert.equal((await recv('gH', 'H')).length, 0, 'still invisible');
      await b.ack('gH', 'H', current);
      await assert.rejects(b.ack('gH', 'H', current), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), 'acked twice');
      await assert.rejects(b.changeInvisibleDuration('gH', 'H', current, 1000), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), 'changed after ack');
      await b.ack('gH', 'H2', other.receiptHandle);
    } finally {
      await fx.close();
    }
  });
});

describe('FIFO release', () => {
  it('message groups progress in parallel; the next message of a group waits until the previous is acked or dead-lettered', async () => {
    const clock = new ManualClock();
    const fx = await openBrokerFixture({ clock }, { clock });
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'Fi', messageType: 'FIFO', queueNums: 1 });
      await b.createGroup({ name: 'gFi', fifo: true, maxDeliveryAttempts: 2 });
      for (const body of ['a0', 'b0', 'a1', 'b1', 'a2']) {
        await b.send({ topic: 'Fi', body: Buffer.from(body), messageType: 'FIFO', messageGroup: body[0]! });
      }
      const recv = () => b.receive({ group: 'gFi', topic: 'Fi', maxMessages: 8, invisibleDurationMs: 1000, pollTimeoutMs: 0 });
      const first = await recv();
      assert.deepEqual(bodies(first), ['a0', 'b0'], 'one head per message group, both at once');
      const a0 = first.find((m) => m.body.toString() === 'a0')!;
      const b0 = first.find((m) => m.body.toString() === 'b0')!;
      await b.ack('gFi', 'Fi', b0.receiptHandle);
      assert.deepEqual(bodies(await recv()), ['b1'], 'b moves on after its ack; a waits for a0');
      clock.advance(1001);
      const again = await recv();
      assert.deepEqual(again.map((m) => [m.body.toString(), m.deliveryAttempt]).sort(), [['a0', 2], ['b1', 2]], 'the unacked heads come back first');
      clock.advance(1001);
      // Both heads used their 2 attempts: they go to the DLQ, and that releases a1 (b has nothing after b1).
      assert.deepEqual(bodies(await recv()), ['a1']);
      assert.equal(b.describeGroup('gFi').deadLettered, 2);
      await assert.rejects(b.ack('gFi', 'Fi', a0.receiptHandle), isCode(BrokerErrorCode.INVALID_RECEIPT_HANDLE), 'a0 is in the DLQ');
      // forwardToDeadLetter on request releases the next one too.
      assert.equal(b.describeGroup('gFi').queues[0]!.inFlight, 1);
      clock.advance(1001);
      const a1again = await recv();
      assert.deepEqual(a1again.map((m) => [m.body.toString(), m.deliveryAttempt]), [['a1', 2]]);
      await b.forwardToDeadLetter('gFi', 'Fi', a1again[0]!.receiptHandle);
      assert.deepEqual(bodies(await recv()), ['a2']);
      assert.equal(b.describeGroup('gFi').deadLettered, 3);
    } finally {
      await fx.close();
    }
  });
});

describe('dead-letter resend', () => {
  it('sends a copy of a dead letter back to its topic with body, tag, keys and properties; bad requests are refused', async () => {
    const clock = new ManualClock();
    const fx = await openBrokerFixture({ clock }, { clock });
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'RS', queueNums: 1 });
      await b.createGroup({ name: 'gRS', maxDeliveryAttempts: 1 });
      const sent = await b.send({ topic: 'RS', body: Buffer.from('poison'), messageType: 'NORMAL', tag: 'T1', keys: ['order-7'], properties: { orderId: '7' } });
      const recv = (group: string) => b.receive({ group, topic: 'RS', maxMessages: 8, invisibleDurationMs: 1000, pollTimeoutMs: 0 });
      for (const m of await recv('gOther')) await b.ack('gOther', 'RS', m.receiptHandle);
      assert.equal((await recv('gRS')).length, 1);
      clock.advance(1001);
      assert.equal((await recv('gRS')).length, 0, 'dead-lettered after its one attempt');

      await assert.rejects(b.resendDeadLetter('gRS', 'no-such-id'), isCode(BrokerErrorCode.MESSAGE_NOT_FOUND));
      await assert.rejects(b.resendDeadLetter('gNone', sent.messageId), isCode(BrokerErrorCode.CONSUMER_GROUP_NOT_FOUND));
      await assert.rejects(b.resendDeadLetter('gOther', sent.messageId), isCode(BrokerErrorCode.MESSAGE_NOT_FOUND), 'gOther has no dead letters');
      const r = await b.resendDeadLetter('gRS', sent.messageId);
      assert.equal(r.topic, 'RS');
      assert.notEqual(r.messageId, sent.messageId);
      await assert.rejects(b.resendDeadLetter('gRS', r.messageId), isCode(BrokerErrorCode.MESSAGE_NOT_FOUND), 'the copy is not a dead letter');
      for (const group of ['gRS', 'gOther']) {
        const [copy, ...more] = await recv(group);
        assert.equal(more.length, 0);
        assert.ok(copy);
        assert.deepEqual(
          [copy.body.toString(), copy.tag, copy.keys, copy.properties, copy.deliveryAttempt, copy.messageId],
          ['poison', 'T1', ['order-7'], { orderId: '7' }, 1, r.messageId],
          group,
        );
      }
    } finally {
      await fx.close();
    }
  });
});

describe('dead-letter counts', () => {
  it('are kept per queue across a restart, rebuilt from the journal when the snapshot is gone', async () => {
    const clock = new ManualClock();
    const fx = await openBrokerFixture({ clock }, { clock });
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'DL', queueNums: 2 });
      await b.createGroup({ name: 'gDL', maxDeliveryAttempts: 2 });
      for (let i = 0; i < 3; i++) await b.send({ topic: 'DL', body: Buffer.from(`d${i}`), messageType: 'NORMAL', queueId: i === 2 ? 1 : 0, properties: { n: String(i) } });
      const recv = () => fx.broker.receive({ group: 'gDL', topic: 'DL', maxMessages: 8, invisibleDurationMs: 1000, pollTimeoutMs: 0 });
      assert.equal((await recv()).length, 3);
      clock.advance(1001);
      const second = await recv();
      assert.deepEqual(second.map((m) => m.deliveryAttempt), [2, 2, 2]);
      clock.advance(1001);
      assert.equal((await recv()).length, 0, 'moved to the DLQ instead of a third delivery');
      const expected = [
        { queueId: 0, deadLettered: 2, inFlight: 0, retrying: 0, lag: 0 },
        { queueId: 1, deadLettered: 1, inFlight: 0, retrying: 0, lag: 0 },
      ];
      const pick = () => fx.broker.describeGroup('gDL').queues.map(({ queueId, deadLettered, inFlight, retrying, lag }) => ({ queueId, deadLettered, inFlight, retrying, lag }));
      assert.deepEqual(pick(), expected);
      assert.equal(b.describeGroup('gDL').deadLettered, 3);
      const dlq = await b.pull('%DLQ%gDL', 0, 0, 10);
      assert.deepEqual(dlq.messages.map((m) => [m.body.toString(), m.properties.n, m.reconsumeTimes]).sort(), [['d0', '0', 2], ['d1', '1', 2], ['d2', '2', 2]]);

      await fx.restart();
      assert.deepEqual(pick(), expected, 'after a clean restart (snapshot)');
      await fx.restart(() => rm(join(fx.dir, 'config', 'pop-state.json'), { force: true }));
      assert.deepEqual(pick(), expected, 'after a restart without the snapshot (journal replay)');
      assert.equal((await recv()).length, 0);
    } finally {
      await fx.close();
    }
  });
});

describe('long polling', () => {
  it('a non-matching send does not end the wait; a matching one wakes it within 50 ms', async () => {
    const fx = await openBrokerFixture();
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'LP2', queueNums: 2 });
      const filter = { type: 'TAG' as const, expression: 'wanted' };
      await b.receive({ group: 'gLP2', topic: 'LP2', maxMessages: 1, invisibleDurationMs: 1000, pollTimeoutMs: 0, filter });
      const latencies: number[] = [];
      for (let round = 0; round < 5; round++) {
        let settled = false;
        const pending = b.receive({ group: 'gLP2', topic: 'LP2', maxMessages: 4, invisibleDurationMs: 60_000, pollTimeoutMs: 10_000, filter });
        void pending.then(() => (settled = true));
        await b.send({ topic: 'LP2', body: Buffer.from(`other${round}`), messageType: 'NORMAL', tag: 'other' });
        await new Promise((r) => setTimeout(r, 30));
        assert.equal(settled, false, 'a message the filter refuses must not end the wait');
        const t0 = performance.now();
        await b.send({ topic: 'LP2', body: Buffer.from(`wanted${round}`), messageType: 'NORMAL', tag: 'wanted' });
        const got = await pending;
        latencies.push(performance.now() - t0);
        assert.deepEqual(bodies(got), [`wanted${round}`]);
      }
      latencies.sort((x, y) => x - y);
      // The 50 ms budget holds for the typical wake-up; the slowest may pay for a loaded machine.
      assert.ok(latencies[2]! < 50, `median wake-up ${latencies[2]!.toFixed(1)} ms (all: ${latencies.map((l) => l.toFixed(1)).join(', ')})`);
      assert.ok(latencies[4]! < 500, `slowest wake-up ${latencies[4]!.toFixed(1)} ms`);
    } finally {
      await fx.close();
    }
  });

  it('bounds the waiting receives per group with TOO_MANY_REQUESTS, and they all end at their timeout', async () => {
    const fx = await openBrokerFixture();
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'LP3', queueNums: 1 });
      const req = { group: 'gLP3', topic: 'LP3', maxMessages: 1, invisibleDurationMs: 1000, pollTimeoutMs: 1500 };
      await b.receive({ ...req, pollTimeoutMs: 0 });
      const started = Date.now();
      const waiting = Array.from({ length: 1024 }, () => b.receive(req));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(fx.broker.pop.waitingReceivers('gLP3'), 1024);
      await assert.rejects(b.receive(req), isCode(BrokerErrorCode.TOO_MANY_REQUESTS));
      assert.equal((await b.receive({ ...req, group: 'gLP3other', pollTimeoutMs: 0 })).length, 0, 'another group is not limited');
      const results = await Promise.all(waiting);
      assert.ok(results.every((r) => r.length === 0));
      assert.ok(Date.now() - started >= 1400, 'they waited for their timeout');
      assert.equal(fx.broker.pop.waitingReceivers('gLP3'), 0);
    } finally {
      await fx.close();
    }
  });
});

describe('delay messages across a broker restart', () => {
  it('+1 s, +3 s and a past time arrive in time order, none early; a recalled one never arrives', async () => {
    const fx = await openBrokerFixture();
    try {
      await fx.broker.createTopic({ name: 'Later', messageType: 'DELAY', queueNums: 2 });
      const recv = (pollTimeoutMs: number) =>
        fx.broker.receive({ group: 'gLater', topic: 'Later', maxMessages: 8, invisibleDurationMs: 60_000, pollTimeoutMs });
      assert.equal((await recv(0)).length, 0);
      const t0 = Date.now();
      const due = new Map<string, number>([['plus3', t0 + 3000], ['plus1', t0 + 1000], ['past', t0 - 60_000], ['recalled', t0 + 2000]]);
      const handles = new Map<string, string>();
      for (const [body, at] of due) {
        const r = await fx.broker.send({ topic: 'Later', body: Buffer.from(body), messageType: 'DELAY', deliveryTimestamp: at });
        handles.set(body, r.recallHandle!);
      }
      await fx.broker.recall('Later', handles.get('recalled')!);
      await fx.restart(); // before any future one is due
      const arrived: Array<{ body: string; at: number }> = [];
      const end = t0 + 3000 + 1500;
      while (Date.now() < end) {
        for (const m of await recv(Math.max(1, end - Date.now()))) {
          arrived.push({ body: m.body.toString(), at: Date.now() });
          await fx.broker.ack('gLater', 'Later', m.receiptHandle);
        }
      }
      assert.deepEqual(arrived.map((a) => a.body), ['past', 'plus1', 'plus3']);
      for (const a of arrived) assert.ok(a.at >= due.get(a.body)!, `${a.body} arrived ${due.get(a.body)! - a.at} ms early`);
      for (const a of arrived.slice(1)) assert.ok(a.at - due.get(a.body)! < 1000, `${a.body} arrived ${a.at - due.get(a.body)!} ms late`);
    } finally {
      await fx.close();
    }
  });
});

describe('filters through receive, on a real store', () => {
  it('each TAG and SQL92 expression selects exactly the expected messages; bad expressions are refused with a position', async () => {
    const fx = await openBrokerFixture();
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'Flt', queueNums: 2 });
      // [body, tag, properties]; "Aa" and "BB" share a tag hash code, so the consume-queue check alone cannot tell them apart.
      const msgs: Array<[string, string | undefined, Record<string, string>]> = [
        ['a', 'TagA', { amount: '5', region: 'eu' }],
        ['b', 'TagB', { amount: '50', region: 'us' }],
        ['c', undefined, { amount: '500' }],
        ['d', 'TagC', { region: 'eu', vip: 'true' }],
        ['e', 'Aa', { amount: '-3' }],
        ['f', 'BB', { name: 'apogee' }],
      ];
      for (const [body, tag, properties] of msgs) {
        await b.send({ topic: 'Flt', body: Buffer.from(body), messageType: 'NORMAL', properties, ...(tag !== undefined ? { tag } : {}) });
      }
      const table: Array<['TAG' | 'SQL', string, string[]]> = [
        ['TAG', '*', ['a', 'b', 'c', 'd', 'e', 'f']],
        ['TAG', 'TagA', ['a']],
        ['TAG', 'TagA || TagB', ['a', 'b']],
        ['TAG', 'Aa', ['e']],
        ['TAG', 'BB || TagC', ['d', 'f']],
        ['TAG', 'Nothing', []],
        ['SQL', 'amount > 10', ['b', 'c']],
        ['SQL', 'amount BETWEEN -5 AND 50', ['a', 'b', 'e']],
        ['SQL', "region IN ('eu', 'apac')", ['a', 'd']],
        ['SQL', 'amount IS NULL', ['d', 'f']],
        ['SQL', "region = 'eu' AND (vip IS NULL OR NOT (vip = 'true'))", ['a']],
        ['SQL', "NOT (vip = 'true')", []], // a missing property makes the comparison UNKNOWN, and NOT keeps it so
        ['SQL', "TAGS = 'TagB' OR name = 'apogee'", ['b', 'f']],
        ['SQL', 'TAGS IS NULL', ['c']],
        ['SQL', "region <> 'eu'", ['b']],
      ];
      for (const [i, [type, expression, expected]] of table.entries()) {
        const got = await b.receive({ group: `gFlt${i}`, topic: 'Flt', maxMessages: 32, invisibleDurationMs: 60_000, pollTimeoutMs: 0, filter: { type, expression } });
        assert.deepEqual(bodies(got), expected, `${type} ${expression}`);
        // Filtered-out messages are done for the group: once the selected ones are acked, no lag is left.
        for (const m of got) await b.ack(`gFlt${i}`, 'Flt', m.receiptHandle);
        assert.equal(b.describeGroup(`gFlt${i}`).queues.reduce((n, q) => n + q.lag, 0), 0, `${type} ${expression}: lag`);
      }
      for (const [expression, position] of [['amount >', 8], ["region IN ('eu'", 15], ['a = = 1', 4]] as const) {
        await assert.rejects(
          b.receive({ group: 'gFltBad', topic: 'Flt', maxMessages: 1, invisibleDurationMs: 1000, pollTimeoutMs: 0, filter: { type: 'SQL', expression } }),
          (e: unknown) => isCode(BrokerErrorCode.ILLEGAL_FILTER_EXPRESSION)(e) && new RegExp(`position ${position}\\b`).test((e as Error).message),
          expression,
        );
      }
      assert.equal(b.getGroup('gFltBad'), undefined, 'a refused receive creates no group');
    } finally {
      await fx.close();
    }
  });
});

describe('RocketMQ 4.x delay levels', () => {
  it('level 1 delivers after 1 s, not before; levels outside 1..18 and level plus timestamp are refused', async () => {
    const fx = await openBrokerFixture();
    try {
      const b = fx.broker;
      await b.createTopic({ name: 'Lvl', messageType: 'DELAY', queueNums: 1 });
      const base = { topic: 'Lvl', body: Buffer.from('lvl'), messageType: 'DELAY' as const };
      for (const delayLevel of [0, 19, 1.5]) {
        await assert.rejects(b.send({ ...base, delayLevel }), isCode(BrokerErrorCode.ILLEGAL_DELIVERY_TIME), `level ${delayLevel}`);
      }
      await assert.rejects(b.send({ ...base, delayLevel: 1, deliveryTimestamp: Date.now() }), isCode(BrokerErrorCode.BAD_REQUEST));
      await assert.rejects(b.send({ ...base, messageType: 'NORMAL', delayLevel: 1 }), isCode(BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE));
      const recv = (pollTimeoutMs: number) => b.receive({ group: 'gLvl', topic: 'Lvl', maxMessages: 1, invisibleDurationMs: 10_000, pollTimeoutMs });
      assert.equal((await recv(0)).length, 0);
      const sentAt = Date.now();
      const r = await b.send({ ...base, delayLevel: 1 });
      assert.ok(r.recallHandle);
      const got = await recv(5000);
      const waited = Date.now() - sentAt;
      assert.deepEqual(bodies(got), ['lvl']);
      assert.ok(waited >= 1000 && waited < 3000, `level 1 took ${waited} ms`);
      assert.ok(got[0]!.deliveryTimestamp! >= sentAt + 1000);
    } finally {
      await fx.close();
    }
  });
});

describe('retry backoff policy', () => {
  it("defaults to RocketMQ's ladder from 10 s to 2 h; exponential on request; bad policies refused", async () => {
    const S = 1000;
    const M = 60 * S;
    assert.deepEqual(DEFAULT_RETRY_POLICY, {
      kind: 'customized',
      delaysMs: [1 * S, 5 * S, 10 * S, 30 * S, 1 * M, 2 * M, 3 * M, 4 * M, 5 * M, 6 * M, 7 * M, 8 * M, 9 * M, 10 * M, 20 * M, 30 * M, 60 * M, 120 * M],
    });
    assert.deepEqual([2, 3, 4, 17, 18, 19, 100].map((a) => retryDelayMs(DEFAULT_RETRY_POLICY, a)), [1 * S, 5 * S, 10 * S, 30 * M, 60 * M, 120 * M, 120 * M]);
    const exp = { kind: 'exponential' as const, initialMs: 1000, maxMs: 10_000, multiplier: 2 };
    assert.deepEqual([2, 3, 4, 5, 6, 7].map((a) => retryDelayMs(exp, a)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
    for (const bad of [
      { kind: 'customized', delaysMs: [] },
      { kind: 'customized', delaysMs: [-1] },
      { kind: 'exponential', initialMs: 10, maxMs: 5, multiplier: 2 },
      { kind: 'exponential', initialMs: 1, maxMs: 5, multiplier: 0.5 },
      { kind: 'linear' },
    ]) {
      assert.throws(() => validateRetryPolicy(bad as never), isCode(BrokerErrorCode.BAD_REQUEST), JSON.stringify(bad));
    }

    const fx = await openBrokerFixture();
    try {
      assert.deepEqual((await fx.broker.createGroup({ name: 'gDefault' })).retryPolicy, DEFAULT_RETRY_POLICY);
      await fx.broker.createGroup({ name: 'gExp', retryPolicy: exp });
      await assert.rejects(fx.broker.createGroup({ name: 'gBad', retryPolicy: { kind: 'exponential', initialMs: 5, maxMs: 1, multiplier: 2 } }), isCode(BrokerErrorCode.BAD_REQUEST));
      await fx.restart();
      assert.deepEqual(fx.broker.getGroup('gExp')?.retryPolicy, exp);
      assert.equal(fx.broker.getGroup('gBad'), undefined);
    } finally {
      await fx.close();
    }
  });
});
