/**
 * One broker, two protocols: what the SDK sends over remoting the official gRPC Node client receives (same
 * message id, tag, keys, properties), and what the official client sends the SDK consumes. Against an external
 * target it needs APOGEE_SDK_GRPC (the reference's gRPC proxy endpoint).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Producer as OfficialProducer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { ConsumeFromWhere, LitePullConsumer, Producer, type MessageExt } from '../../src/client/index.js';
import { officialProducer, officialSimpleConsumer, receiveUntil } from '../grpc/support/official.js';
import { fastClient, fastConsumer, startTarget, unique, waitFor, type SdkTarget } from './support/target.js';

describe('sdk ↔ official gRPC client on one broker', () => {
  let target: SdkTarget;
  let grpcEndpoint: string | undefined;
  let producer: Producer;
  const closers: Array<() => Promise<unknown>> = [];

  before(async () => {
    target = await startTarget();
    grpcEndpoint = target.running ? `${target.running.grpcEndpoint.host}:${target.running.grpcEndpoint.port}` : process.env['APOGEE_SDK_GRPC'];
    producer = new Producer({ producerGroup: unique('pg-cross'), namesrvAddr: target.namesrvAddr, ...fastClient });
    await producer.start();
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await producer?.shutdown();
    await target?.close();
  });

  const needGrpc = (t: { skip(msg: string): void; name: string }): boolean => {
    if (grpcEndpoint) return false;
    const why = 'needs APOGEE_SDK_GRPC (the external target\'s gRPC endpoint)';
    process.stderr.write(`sdk tests: skipping "${t.name}": ${why}\n`);
    t.skip(why);
    return true;
  };

  test('SDK send → official SimpleConsumer receive', async (t) => {
    if (needGrpc(t)) return;
    const topic = await target.topic('sdk-to-grpc', { messageType: 'NORMAL' });
    const consumer: SimpleConsumer = officialSimpleConsumer(grpcEndpoint!, unique('g-grpc'), topic);
    await consumer.startup();
    closers.push(() => consumer.shutdown());
    const r = await producer.send({ topic, body: Buffer.from('from-sdk'), tags: 'created', keys: ['order-9'], properties: { region: 'eu' } });
    const [m] = await receiveUntil(consumer, 1, 20_000);
    assert.ok(m, 'received over gRPC');
    assert.equal(m.messageId, r.msgId, 'the SDK\'s unique id is the gRPC message id');
    assert.equal(m.body.toString(), 'from-sdk');
    assert.equal(m.tag, 'created');
    assert.deepEqual(m.keys, ['order-9']);
    assert.equal(m.properties.get('region'), 'eu');
  });

  test('official Producer send → SDK consume', async (t) => {
    if (needGrpc(t)) return;
    const topic = await target.topic('grpc-to-sdk', { messageType: 'NORMAL' });
    const official: OfficialProducer = officialProducer(grpcEndpoint!, topic);
    await official.startup();
    closers.push(() => official.shutdown());
    const receipt = await official.send({ topic, body: Buffer.from('from-grpc'), tag: 'paid', keys: ['order-10'], properties: new Map([['amount', '12']]) });
    const c = new LitePullConsumer({ consumerGroup: unique('g-sdk'), namesrvAddr: target.namesrvAddr, consumeFromWhere: ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, ...fastConsumer });
    c.subscribe(topic, 'paid');
    await c.start();
    closers.push(() => c.shutdown());
    const got: MessageExt[] = [];
    await waitFor('the gRPC-sent message', async () => {
      got.push(...(await c.poll(300)));
      return got.length > 0 || undefined;
    }, 20_000, 0);
    assert.equal(got[0]?.msgId, receipt.messageId);
    assert.equal(got[0]?.body.toString(), 'from-grpc');
    assert.equal(got[0]?.tags, 'paid');
    assert.deepEqual(got[0]?.keys, ['order-10']);
    assert.equal(got[0]?.properties['amount'], '12');
  });
});
