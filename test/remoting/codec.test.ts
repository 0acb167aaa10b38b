/** The remoting codec on its own: frames, both header serializations, properties, message and batch layouts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SerializeType } from '../../src/protocol/remoting/codes.js';
import { decodeFrameContent, encodeFrame, newRequest, RemotingProtocolError, responseTo } from '../../src/protocol/remoting/command.js';
import { FrameDecoder } from '../../src/protocol/remoting/frame-decoder.js';
import {
  decodeBatch,
  decodeMessages,
  decodeProperties,
  encodeBatch,
  encodeMessages,
  encodeProperties,
  offsetMessageId,
  parseOffsetMessageId,
} from '../../src/protocol/remoting/message-codec.js';

function frames(buf: Buffer, chunk: number): Buffer[] {
  const d = new FrameDecoder(1024 * 1024);
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) d.push(buf.subarray(i, i + chunk), (f) => void out.push(Buffer.from(f)));
  return out;
}

describe('remoting codec', () => {
  for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
    it(`round-trips a request and its response with ${type === 0 ? 'JSON' : 'ROCKETMQ'} headers`, () => {
      const req = newRequest(310, 77, { b: 'Orders', i: 'TAGS\u0001a\u0002', 'ключ': 'значение' }, Buffer.from('body'), { serializeType: type });
      const back = decodeFrameContent(encodeFrame(req).subarray(4));
      assert.equal(back.code, 310);
      assert.equal(back.opaque, 77);
      assert.equal(back.serializeType, type);
      assert.deepEqual(back.extFields, req.extFields);
      assert.equal(back.body?.toString(), 'body');
      const res = responseTo(back, 17, 'no such topic', { k: 'v' });
      const r = decodeFrameContent(encodeFrame(res).subarray(4));
      assert.equal(r.flag & 1, 1, 'response bit');
      assert.equal(r.remark, 'no such topic');
      assert.equal(r.opaque, 77);
      assert.equal(r.serializeType, type, 'answered in the request type');
    });
  }

  it('splits frames at any chunk boundary, also many frames in one chunk', () => {
    const all = Buffer.concat([1, 2, 3].map((i) => encodeFrame(newRequest(34, i, { n: String(i) }, Buffer.alloc(i * 100, i)))));
    for (const chunk of [1, 7, 64, all.length]) {
      const got = frames(all, chunk).map((f) => decodeFrameContent(f));
      assert.deepEqual(got.map((c) => c.opaque), [1, 2, 3], `chunk ${chunk}`);
      assert.equal(got[2]?.body?.length, 300);
    }
  });

  it('refuses frames that are too long, too short, or carry a bad header', () => {
    const d = new FrameDecoder(1000);
    const long = Buffer.alloc(8);
    long.writeInt32BE(1001, 0);
    assert.throws(() => d.push(long, () => {}), RemotingProtocolError);
    const short = Buffer.alloc(4);
    short.writeInt32BE(2, 0);
    assert.throws(() => new FrameDecoder(1000).push(short, () => {}), RemotingProtocolError);
    const badLen = Buffer.alloc(8);
    badLen.writeInt32BE(500, 0); // header length beyond the frame
    assert.throws(() => decodeFrameContent(badLen), /header length/);
    const badType = Buffer.alloc(6);
    badType.writeUInt32BE((9 << 24) | 2, 0);
    assert.throws(() => decodeFrameContent(badType), /serialize type 9/);
    const badJson = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x:')]);
    assert.throws(() => decodeFrameContent(badJson), /JSON header/);
  });

  it('joins a frame that spans many chunks once, when its last chunk arrives', () => {
    const content = Buffer.alloc(256 * 1024, 7);
    const frame = Buffer.concat([Buffer.alloc(4), content]);
    frame.writeInt32BE(content.length, 0);
    const d = new FrameDecoder(1024 * 1024);
    const out: Buffer[] = [];
    const concat = Buffer.concat;
    let joins = 0;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      joins++;
      return concat(list, total);
    }) as typeof Buffer.concat;
    try {
      for (let i = 0; i < frame.length; i += 1000) d.push(frame.subarray(i, i + 1000), (f) => void out.push(Buffer.from(f)));
    } finally {
      Buffer.concat = concat;
    }
    assert.equal(out.length, 1);
    assert.ok(out[0]!.equals(content));
    assert.equal(joins, 1, 'chunks copied once');
    assert.equal(d.buffered, 0);
  });

  it('refuses an over-limit length word that follows a frame whose handler paused the decoder', () => {
    const d = new FrameDecoder(1000);
    const buf = Buffer.alloc(8 + 8);
    buf.writeInt32BE(4, 0);
    buf.writeInt32BE(5000, 8);
    d.push(buf, () => false);
    assert.throws(() => d.push(Buffer.alloc(1), () => {}), RemotingProtocolError);
  });

  it('encodes properties as RocketMQ does and skips malformed pairs when decoding', () => {
    const s = encodeProperties({ TAGS: 'a', KEYS: 'k1 k2' });
    assert.equal(s, 'TAGS\u0001a\u0002KEYS\u0001k1 k2\u0002');
    assert.deepEqual(decodeProperties(s), { TAGS: 'a', KEYS: 'k1 k2' });
    assert.deepEqual(decodeProperties('novalue\u0002\u0001x\u0002ok\u0001y'), { ok: 'y' });
  });

  it('makes offset message ids from store host and commit-log offset and reads them back', () => {
    const id = offsetMessageId('127.0.0.1:10911', 123456789);
    assert.equal(id, '7F00000100002A9F00000000075BCD15');
    assert.deepEqual(parseOffsetMessageId(id), { host: '127.0.0.1:10911', commitLogOffset: 123456789 });
    assert.equal(parseOffsetMessageId('not-an-id'), undefined);
  });

  it('encodes stored messages in the MessageExt layout and batches in the client layout', () => {
    const msgs = encodeMessages(
      [
        { topic: 'T', queueId: 3, flag: 1, sysFlag: 0, queueOffset: 9, commitLogOffset: 4096, bornTimestamp: 1, bornHost: '10.0.0.1:5', storeTimestamp: 2, reconsumeTimes: 0, preparedTransactionOffset: 0, body: Buffer.from('x'), properties: 'a\u0001b\u0002' },
        { topic: 'T2', queueId: 0, flag: 0, sysFlag: 0, queueOffset: 0, commitLogOffset: 8192, bornTimestamp: 1, bornHost: '', storeTimestamp: 2, reconsumeTimes: 2, preparedTransactionOffset: 0, body: Buffer.from('yy'), properties: '' },
      ],
      '127.0.0.1:10911',
    );
    const back = decodeMessages(msgs);
    assert.deepEqual(back.map((m) => [m.topic, m.queueId, m.queueOffset, m.commitLogOffset, m.body.toString(), m.storeHost, m.reconsumeTimes]), [
      ['T', 3, 9, 4096, 'x', '127.0.0.1:10911', 0],
      ['T2', 0, 0, 8192, 'yy', '127.0.0.1:10911', 2],
    ]);
    assert.equal(back[0]?.bornHost, '10.0.0.1:5');
    const batch = encodeBatch([{ flag: 0, body: Buffer.from('one'), properties: { UNIQ_KEY: 'A' } }, { flag: 2, body: Buffer.from('two'), properties: {} }]);
    const entries = decodeBatch(batch, 10);
    assert.deepEqual(entries.map((e) => [e.flag, e.body.toString(), e.properties]), [[0, 'one', { UNIQ_KEY: 'A' }], [2, 'two', {}]]);
    assert.throws(() => decodeBatch(batch.subarray(0, batch.length - 3), 10), RemotingProtocolError);
    assert.throws(() => decodeBatch(batch, 1), /more than 1/);
  });
});
