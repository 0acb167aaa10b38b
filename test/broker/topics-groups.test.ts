import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BrokerErrorCode, isBrokerError } from '../../src/broker/errors.js';
import { openBrokerFixture, type BrokerFixture } from './fixture.js';

function code(err: unknown): string | undefined {
  return isBrokerError(err) ? err.code : undefined;
}

describe('topics and groups', () => {
  let fx: BrokerFixture;
  before(async () => {
    fx = await openBrokerFixture();
  });
  after(async () => fx.close());

  it('creates, lists, describes, updates and deletes topics', async () => {
    const b = fx.broker;
    const t = await b.createTopic({ name: 'orders', messageType: 'NORMAL', queueNums: 4 });
    assert.equal(t.readQueueNums, 4);
    assert.equal(t.writeQueueNums, 4);
    assert.deepEqual(b.listTopics().map((x) => x.name), ['orders']);
    const d = b.describeTopic('orders');
    assert.equal(d.queues.length, 4);
    assert.deepEqual(d.queues[0], { queueId: 0, minOffset: 0, maxOffset: 0 });
    const u = await b.updateTopic({ name: 'orders', queueNums: 6 });
    assert.equal(u.writeQueueNums, 6);
    await b.deleteTopic('orders');
    assert.equal(b.getTopic('orders'), undefined);
  });

  it('refuses bad, reserved and duplicate names with the rule in the message', async () => {
    const b = fx.broker;
    const cases: Array<[string, string, RegExp]> = [
      ['', BrokerErrorCode.ILLEGAL_TOPIC, /empty/],
      ['a b', BrokerErrorCode.ILLEGAL_TOPIC, /\[%\|a-zA-Z0-9_-\]/],
      ['x'.repeat(128), BrokerErrorCode.ILLEGAL_TOPIC, /127/],
      ['RMQ_SYS_TRANS_HALF_TOPIC', BrokerErrorCode.ILLEGAL_TOPIC, /reserved/],
      ['%RETRY%g', BrokerErrorCode.ILLEGAL_TOPIC, /reserved/],
      ['%DLQ%g', BrokerErrorCode.ILLEGAL_TOPIC, /reserved/],
    ];
    for (const [name, c, re] of cases) {
      await assert.rejects(b.createTopic({ name }), (e: unknown) => code(e) === c && re.test((e as Error).message), name);
    }
    await b.createTopic({ name: 'dup' });
    await assert.rejects(b.createTopic({ name: 'dup' }), (e: unknown) => code(e) === BrokerErrorCode.ALREADY_EXISTS);
    await assert.rejects(
      b.createTopic({ name: 'badtype', messageType: 'WEIRD' as never }),
      (e: unknown) => code(e) === BrokerErrorCode.BAD_REQUEST && /unknown message type/.test((e as Error).message),
    );
    await assert.rejects(b.createTopic({ name: 'zeroq', queueNums: 0 }), (e: unknown) => code(e) === BrokerErrorCode.BAD_REQUEST);
    await assert.rejects(b.createGroup({ name: '%RETRY%x' }), (e: unknown) => code(e) === BrokerErrorCode.ILLEGAL_CONSUMER_GROUP);
    assert.equal(b.getTopic('badtype'), undefined);
  });

  it('keeps topics, groups and consumer offsets across a restart', async () => {
    await fx.broker.createTopic({ name: 'persisted', messageType: 'FIFO', queueNums: 2 });
    await fx.broker.createGroup({ name: 'g-persist', fifo: true, maxDeliveryAttempts: 3 });
    await fx.broker.send({ topic: 'persisted', body: Buffer.from('x'), messageType: 'FIFO', messageGroup: 'm' });
    const queueId = (await fx.broker.pull('persisted', 0, 0, 1)).messages.length === 1 ? 0 : 1;
    await fx.broker.commitOffset('g-persist', 'persisted', queueId, 1);
    await fx.restart();
    const t = fx.broker.getTopic('persisted');
    assert.equal(t?.messageType, 'FIFO');
    assert.equal(t?.readQueueNums, 2);
    const g = fx.broker.getGroup('g-persist');
    assert.equal(g?.fifo, true);
    assert.equal(g?.maxDeliveryAttempts, 3);
    assert.equal(fx.broker.queryOffset('g-persist', 'persisted', queueId), 1);
  });
});
