/**
 * Protocol behaviours the official Node client does not exercise, over raw gRPC: a batch of messages in one
 * SendMessage, and a ReceiveMessage long poll that ends (with MESSAGE_NOT_FOUND) before the caller's deadline
 * even when it asks to wait longer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Code, Encoding, FilterType, Message, MessageType } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { MessagingServiceClient, ReceiveMessageRequest } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { msToDuration } from '../../src/protocol/grpc/wire.js';
import { call, clientMetadata, rawClient, startHarness, type Harness } from './support/harness.js';
import { rawReceive } from './support/official.js';

const res = (name: string) => ({ resourceNamespace: '', name });
let seq = 0;
const message = (topic: string, body: string, group?: string): Message =>
  Message.fromPartial({
    topic: res(topic),
    body: Buffer.from(body),
    systemProperties: {
      messageId: `RAW${String(++seq).padStart(29, '0')}`,
      messageType: group ? MessageType.FIFO : MessageType.NORMAL,
      bodyEncoding: Encoding.IDENTITY,
      bornHost: 'h',
      keys: [],
      ...(group ? { messageGroup: group } : {}),
    },
  });
const receiveReq = (topic: string, group: string, pollMs: number): ReceiveMessageRequest => ({
  group: res(group),
  messageQueue: { topic: res(topic), id: 0, permission: 0, broker: undefined, acceptMessageTypes: [] },
  filterExpression: { type: FilterType.TAG, expression: '*' },
  batchSize: 32,
  invisibleDuration: msToDuration(30_000),
  autoRenew: false,
  longPollingTimeout: msToDuration(pollMs),
});

describe('gRPC raw protocol: batches and deadlines', () => {
  let h: Harness;
  let client: MessagingServiceClient;

  before(async () => {
    // The server would hold a poll for up to 20 s; callers' deadlines must cut it.
    h = await startHarness({ server: { settings: { longPollingTimeoutMs: 20_000 } } });
    await h.broker.createTopic({ name: 'RawNormal', messageType: 'NORMAL', queueNums: 2 });
    await h.broker.createTopic({ name: 'RawFifo', messageType: 'FIFO', queueNums: 2 });
    await h.broker.createTopic({ name: 'RawEmpty', messageType: 'NORMAL', queueNums: 1 });
    await h.broker.createGroup({ name: 'g-raw-fifo', fifo: true });
    client = rawClient(h.endpoint);
  });
  after(async () => {
    client?.close();
    await h?.close();
  });

  test('a batch of messages in one SendMessage: one entry each, all delivered', async () => {
    const batch = ['b1', 'b2', 'b3'].map((b) => message('RawNormal', b));
    const r = await call(client.sendMessage, client, { messages: batch });
    assert.equal(r.status?.code, Code.OK, JSON.stringify(r.status));
    assert.deepEqual(r.entries.map((e) => e.status?.code), [Code.OK, Code.OK, Code.OK]);
    assert.deepEqual(r.entries.map((e) => e.messageId), batch.map((m) => m.systemProperties!.messageId));
    assert.ok(r.entries.every((e) => e.transactionId === e.messageId));
    const got = await rawReceive(client, receiveReq('RawNormal', 'g-raw', 2000));
    assert.deepEqual(got.messages.map((m) => m.body.toString()).sort(), ['b1', 'b2', 'b3']);
  });

  test('a FIFO batch keeps its order within the message group', async () => {
    const batch = ['f1', 'f2', 'f3', 'f4'].map((b) => message('RawFifo', b, 'order-9'));
    const r = await call(client.sendMessage, client, { messages: batch });
    assert.equal(r.status?.code, Code.OK, JSON.stringify(r.status));
    const offsets = r.entries.map((e) => e.offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'queue offsets follow the request order');
    // A FIFO group gets a message group's next message only once the previous one is acked.
    const bodies: string[] = [];
    for (let i = 0; i < 6 && bodies.length < 4; i++) {
      const got = await rawReceive(client, receiveReq('RawFifo', 'g-raw-fifo', 1000));
      assert.ok(got.messages.length <= 1, `one in-flight message per message group, got ${got.messages.length}`);
      for (const m of got.messages) {
        bodies.push(m.body.toString());
        assert.equal(m.userProperties['__SHARDINGKEY'], 'order-9');
        assert.equal(m.systemProperties?.messageGroup, 'order-9');
        const ack = await call(client.ackMessage, client, {
          group: res('g-raw-fifo'),
          topic: res('RawFifo'),
          entries: [{ messageId: m.systemProperties!.messageId, receiptHandle: m.systemProperties!.receiptHandle! }],
        });
        assert.equal(ack.status?.code, Code.OK);
      }
    }
    assert.deepEqual(bodies, ['f1', 'f2', 'f3', 'f4']);
  });

  test('a long poll asking for 20 s ends before a 1.5 s deadline with MESSAGE_NOT_FOUND', async () => {
    const t0 = Date.now();
    const got = await rawReceive(client, receiveReq('RawEmpty', 'g-raw-empty', 20_000), clientMetadata(), 1500);
    const took = Date.now() - t0;
    assert.equal(got.status?.code, Code.MESSAGE_NOT_FOUND, JSON.stringify(got.status));
    assert.ok(took < 1500, `answered after ${took} ms, past the deadline`);
    assert.ok(took >= 500, `answered after ${took} ms: it should have waited for messages first`);
  });
});
