import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BrokerErrorCode, isBrokerError } from '../../src/broker/errors.js';
import type { SendInput } from '../../src/broker/types.js';
import { openBrokerFixture, type BrokerFixture } from './fixture.js';

describe('send rules', () => {
  let fx: BrokerFixture;
  before(async () => {
    fx = await openBrokerFixture({ maxBodyBytes: 1024 });
    await fx.broker.createTopic({ name: 'normal', messageType: 'NORMAL', queueNums: 4 });
    await fx.broker.createTopic({ name: 'fifo', messageType: 'FIFO', queueNums: 4 });
    await fx.broker.createTopic({ name: 'delay', messageType: 'DELAY', queueNums: 1 });
    await fx.broker.createTopic({ name: 'tx', messageType: 'TRANSACTION', queueNums: 1 });
  });
  after(async () => fx.close());

  it('stores a normal message readable by pull, by id and by key', async () => {
    const r = await fx.broker.send({
      topic: 'normal',
      body: Buffer.from('hello'),
      messageType: 'NORMAL',
      tag: 'TagA',
      keys: ['order-1', 'user-7'],
      properties: { region: 'eu' },
    });
    assert.equal(r.transactionId, r.messageId);
    const pulled = await fx.broker.pull('normal', r.queueId, r.queueOffset, 1);
    const m = pulled.messages[0];
    assert.ok(m);
    assert.equal(m.body.toString(), 'hello');
    assert.equal(m.tag, 'TagA');
    assert.deepEqual(m.keys, ['order-1', 'user-7']);
    assert.deepEqual(m.properties, { region: 'eu' });
    assert.equal(m.messageId, r.messageId);
    assert.equal((await fx.broker.getMessageById(r.messageId))[0]?.body.toString(), 'hello');
    assert.equal((await fx.broker.queryMessagesByKey('normal', 'user-7', 10))[0]?.messageId, r.messageId);
  });

  it('keeps a FIFO message group on one queue', async () => {
    const queues = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const r = await fx.broker.send({ topic: 'fifo', body: Buffer.from(`m${i}`), messageType: 'FIFO', messageGroup: 'order-42' });
      queues.add(r.queueId);
    }
    assert.equal(queues.size, 1);
  });

  it('refuses each bad send with the right code and stores nothing', async () => {
    const base: SendInput = { topic: 'normal', body: Buffer.from('x'), messageType: 'NORMAL' };
    const cases: Array<[string, SendInput, string]> = [
      ['unknown topic', { ...base, topic: 'nope' }, BrokerErrorCode.TOPIC_NOT_FOUND],
      ['illegal topic', { ...base, topic: 'bad topic' }, BrokerErrorCode.ILLEGAL_TOPIC],
      ['empty body', { ...base, body: Buffer.alloc(0) }, BrokerErrorCode.MESSAGE_BODY_EMPTY],
      ['body too large', { ...base, body: Buffer.alloc(1025) }, BrokerErrorCode.MESSAGE_BODY_TOO_LARGE],
      ['tag with |', { ...base, tag: 'a|b' }, BrokerErrorCode.ILLEGAL_MESSAGE_TAG],
      ['blank tag', { ...base, tag: '  ' }, BrokerErrorCode.ILLEGAL_MESSAGE_TAG],
      ['key with space', { ...base, keys: ['a b'] }, BrokerErrorCode.ILLEGAL_MESSAGE_KEY],
      ['reserved property', { ...base, properties: { UNIQ_KEY: 'x' } }, BrokerErrorCode.ILLEGAL_MESSAGE_PROPERTY_KEY],
      ['bad property name', { ...base, properties: { 'a b': 'x' } }, BrokerErrorCode.ILLEGAL_MESSAGE_PROPERTY_KEY],
      ['FIFO to normal topic', { ...base, messageType: 'FIFO', messageGroup: 'g' }, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE],
      ['normal to FIFO topic', { ...base, topic: 'fifo' }, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE],
      ['FIFO without group', { ...base, topic: 'fifo', messageType: 'FIFO' }, BrokerErrorCode.ILLEGAL_MESSAGE_GROUP],
      ['DELAY without time', { ...base, topic: 'delay', messageType: 'DELAY' }, BrokerErrorCode.ILLEGAL_DELIVERY_TIME],
      ['DELAY too far', { ...base, topic: 'delay', messageType: 'DELAY', deliveryTimestamp: Date.now() + 48 * 3600_000 }, BrokerErrorCode.ILLEGAL_DELIVERY_TIME],
      ['delivery time on normal', { ...base, deliveryTimestamp: Date.now() }, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE],
      ['normal to TRANSACTION topic', { ...base, topic: 'tx' }, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE],
      ['TRANSACTION to normal topic', { ...base, messageType: 'TRANSACTION' }, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE],
      ['DELAY to normal topic', { ...base, messageType: 'DELAY', deliveryTimestamp: Date.now() + 1000 }, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE],
      ['normal to DELAY topic', { ...base, topic: 'delay' }, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE],
      ['FIFO group on a DELAY message', { ...base, topic: 'delay', messageType: 'DELAY', deliveryTimestamp: Date.now() + 1000, messageGroup: 'g' }, BrokerErrorCode.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE],
      ['unknown type', { ...base, messageType: 'LITE' as never }, BrokerErrorCode.BAD_REQUEST],
      ['queue out of range', { ...base, queueId: 99 }, BrokerErrorCode.BAD_REQUEST],
    ];
    const before = fx.store.stats().appendCount;
    for (const [name, input, expected] of cases) {
      await assert.rejects(fx.broker.send(input), (e: unknown) => {
        assert.ok(isBrokerError(e), `${name}: not a BrokerError: ${String(e)}`);
        assert.equal(e.code, expected, `${name}: ${e.message}`);
        assert.ok(e.message.length > 5, name);
        return true;
      });
    }
    assert.equal(fx.store.stats().appendCount, before, 'a refused send wrote something');
  });
});
