import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerError } from '../../../src/broker/errors.js';
import { decodeRecallHandle, delayLevelToMs, encodeRecallHandle } from '../../../src/broker/timer/index.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

test('delay levels 1..18 map to RocketMQ 4.x durations', () => {
  const expected = [1 * S, 5 * S, 10 * S, 30 * S, 1 * M, 2 * M, 3 * M, 4 * M, 5 * M, 6 * M, 7 * M, 8 * M, 9 * M, 10 * M, 20 * M, 30 * M, 1 * H, 2 * H];
  for (let level = 1; level <= 18; level++) assert.equal(delayLevelToMs(level), expected[level - 1], `level ${level}`);
});

test('delay levels outside 1..18 are ILLEGAL_DELIVERY_TIME', () => {
  for (const bad of [0, 19, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => delayLevelToMs(bad), (e: unknown) => e instanceof BrokerError && e.code === 'ILLEGAL_DELIVERY_TIME' && e.message.includes('1..18'));
  }
});

test('recall handles round-trip and are URL-safe', () => {
  const h = { topic: 'a|b%c_d-e', timerId: 2 ** 40 + 7, deliverAt: 1_700_000_000_123, messageId: '01ABCDEF' };
  const s = encodeRecallHandle(h);
  assert.match(s, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeRecallHandle(s), h);
});

test('garbage recall handles are BAD_REQUEST', () => {
  const json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const bad = [
    '', 'not a handle!', 'abc', 'x'.repeat(2000), json({}), json([2, 't', 1, 2, 'm']), json([1, '', 1, 2, 'm']),
    json([1, 't', -1, 2, 'm']), json([1, 't', 1.5, 2, 'm']), json([1, 't', 1, 'x', 'm']), json([1, 't', 1, 2, 3]), json([1, 't', 1, 2]),
  ];
  for (const b of bad) {
    assert.throws(() => decodeRecallHandle(b), (e: unknown) => e instanceof BrokerError && e.code === 'BAD_REQUEST', `handle ${b.slice(0, 30)}`);
  }
  assert.throws(() => decodeRecallHandle(undefined), (e: unknown) => e instanceof BrokerError && e.code === 'BAD_REQUEST');
});

test('timer snapshots round-trip and detect damage', async () => {
  const { encodeSnapshot, decodeSnapshot } = await import('../../../src/broker/timer/snapshot.js');
  const entries = [
    { timerId: 0, queueOffset: 0, deliverAt: 1 },
    { timerId: 2 ** 45, queueOffset: 77, deliverAt: 1_700_000_000_000 },
  ];
  const buf = encodeSnapshot(entries, entries.length);
  assert.deepEqual(decodeSnapshot(buf, 'x'), entries);
  assert.deepEqual(decodeSnapshot(encodeSnapshot([], 0), 'x'), []);
  const flipped = Buffer.from(buf);
  flipped[20] = (flipped[20] as number) ^ 1;
  assert.throws(() => decodeSnapshot(flipped, 'x'), /checksum/);
  assert.throws(() => decodeSnapshot(buf.subarray(0, buf.length - 1), 'x'), /size/);
  assert.throws(() => decodeSnapshot(Buffer.alloc(30), 'x'), /magic/);
});
