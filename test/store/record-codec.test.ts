import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeRecord,
  encodeRecord,
  FIXED_SIZE,
  measureRecord,
  RECORD_MAGIC_V1,
  verifyRecord,
} from '../../src/store/record-codec.js';
import { input } from './helpers.js';

function encode(props: Record<string, string>, body: Buffer): Buffer {
  const inp = { ...input('Tópic', 3, body, props), flag: -7, sysFlag: 0x8, reconsumeTimes: 2, preparedTransactionOffset: 2 ** 40 + 5 };
  const size = measureRecord(inp, 1 << 20, 1 << 20);
  const b = Buffer.alloc(size);
  const end = encodeRecord(b, 0, inp, size, 2 ** 33 + 1, 123_456, 1_700_000_000_123, -5);
  assert.equal(end, size);
  return b;
}

describe('store: record codec (format v1)', () => {
  it('round-trips every field, including unicode, empty properties and an empty body', () => {
    for (const [props, body] of [
      [{ TAGS: 'a', KEYS: 'k1 k2', 'ключ': 'значение 🙂' }, Buffer.from('hello')],
      [{}, Buffer.alloc(0)],
    ] as Array<[Record<string, string>, Buffer]>) {
      const b = encode(props, body);
      assert.equal(b.readUInt32BE(4), RECORD_MAGIC_V1);
      assert.equal(verifyRecord(b, 0, b.length, 123_456), undefined);
      const m = decodeRecord(b, 0, b.length);
      assert.equal(m.topic, 'Tópic');
      assert.equal(m.queueId, 3);
      assert.equal(m.flag, -7);
      assert.equal(m.sysFlag, 8);
      assert.equal(m.reconsumeTimes, 2);
      assert.equal(m.preparedTransactionOffset, 2 ** 40 + 5);
      assert.equal(m.queueOffset, 2 ** 33 + 1);
      assert.equal(m.commitLogOffset, 123_456);
      assert.equal(m.storeTimestamp, 1_700_000_000_123);
      assert.equal(m.bornTimestamp, 1_700_000_000_000);
      assert.equal(m.tagsCode, -5);
      assert.equal(m.size, b.length);
      assert.deepEqual(m.properties, props);
      assert.ok(m.body.equals(body));
    }
  });

  it('detects a flipped bit in every single byte of a record', () => {
    const b = encode({ TAGS: 'tag', KEYS: 'key', UNIQ_KEY: 'id-1' }, Buffer.from('body bytes'));
    for (let i = 0; i < b.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const c = Buffer.from(b);
        c[i] = (c[i] as number) ^ bit;
        // What recovery does: take the size field, bound it, then verify layout, CRCs and the stored offset.
        const size = c.readInt32BE(0);
        const caught = size < FIXED_SIZE || size > c.length || verifyRecord(c, 0, size, 123_456) !== undefined;
        assert.ok(caught, `flip of bit ${bit} in byte ${i} went unnoticed`);
      }
    }
  });

  it('notices a record read at the wrong offset', () => {
    const b = encode({}, Buffer.from('x'));
    assert.match(verifyRecord(b, 0, b.length, 999) ?? '', /written at offset 123456/);
  });
});
