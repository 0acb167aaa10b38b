/**
 * One receive gathers a bounded number of body bytes, so a large batch of large messages is never held in memory
 * at once: what is left over is delivered by the next receives, first deliveries and redeliveries alike.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openBrokerFixture, type BrokerFixture } from './fixture.js';

const KiB = 1024;

describe('receive byte budget', () => {
  let fx: BrokerFixture;
  before(async () => {
    // 100 KiB budget: with 40 KiB bodies a receive stops after its third message (80 KiB < budget, 120 KiB ≥ it).
    fx = await openBrokerFixture({ maxReceiveBytes: 100 * KiB });
    await fx.broker.createTopic({ name: 'Big', messageType: 'NORMAL', queueNums: 1 });
  });
  after(() => fx.close());

  it('stops a batch once the budget is spent, loses nothing, and applies to redeliveries too', async () => {
    const b = fx.broker;
    for (let i = 0; i < 10; i++) await b.send({ topic: 'Big', body: Buffer.alloc(40 * KiB, 65 + i), messageType: 'NORMAL' });
    const ask = (invisibleDurationMs: number) => b.receive({ group: 'g', topic: 'Big', maxMessages: 32, invisibleDurationMs, pollTimeoutMs: 0 });

    const firstRound: string[] = [];
    const sizes: number[] = [];
    for (;;) {
      const got = await ask(200);
      if (got.length === 0) break;
      sizes.push(got.length);
      for (const m of got) firstRound.push(String.fromCharCode(m.body[0]!));
    }
    assert.deepEqual(sizes, [3, 3, 3, 1], 'batches cut at the byte budget');
    assert.equal(firstRound.join(''), 'ABCDEFGHIJ', 'every message once, in order');

    // Nothing acked: after the invisible time all ten come back, again in budget-sized batches, as attempt 2.
    await new Promise((r) => setTimeout(r, 250));
    const again: string[] = [];
    const againSizes: number[] = [];
    for (;;) {
      const got = await ask(60_000);
      if (got.length === 0) break;
      againSizes.push(got.length);
      for (const m of got) {
        assert.equal(m.deliveryAttempt, 2);
        again.push(String.fromCharCode(m.body[0]!));
        await b.ack('g', 'Big', m.receiptHandle);
      }
    }
    assert.deepEqual(againSizes, [3, 3, 3, 1]);
    assert.deepEqual(again.sort(), firstRound);
  });

  it('always returns a message larger than the whole budget', async () => {
    await fx.broker.send({ topic: 'Big', body: Buffer.alloc(300 * KiB, 0x7a), messageType: 'NORMAL' });
    const got = await fx.broker.receive({ group: 'g', topic: 'Big', maxMessages: 32, invisibleDurationMs: 60_000, pollTimeoutMs: 0 });
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body.length, 300 * KiB);
  });
});
