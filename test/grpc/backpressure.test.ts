/**
 * Backpressure: requests in progress are bounded per client id and in total; a request over a bound is
 * answered TOO_MANY_REQUESTS at once (unary and stream alike), and the slots come back when calls finish.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Code, FilterType, Message, MessageType, Encoding } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { MessagingServiceClient, ReceiveMessageRequest } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { msToDuration } from '../../src/protocol/grpc/wire.js';
import { call, clientMetadata, rawClient, startHarness, waitFor, type Harness } from './support/harness.js';
import { rawReceive } from './support/official.js';

const TOPIC = 'PressureOrders';
const POLL_MS = 3000;
const res = (name: string) => ({ resourceNamespace: '', name });

const longPoll = (group: string): ReceiveMessageRequest => ({
  group: res(group),
  messageQueue: { topic: res(TOPIC), id: 0, permission: 0, broker: undefined, acceptMessageTypes: [] },
  filterExpression: { type: FilterType.TAG, expression: '*' },
  batchSize: 1,
  invisibleDuration: msToDuration(30_000),
  autoRenew: false,
  longPollingTimeout: msToDuration(POLL_MS),
});

const message = (body: string): Message =>
  Message.fromPartial({
    topic: res(TOPIC),
    body: Buffer.from(body),
    systemProperties: { messageId: `PRESSURE${body.padStart(24, '0')}`, messageType: MessageType.NORMAL, bodyEncoding: Encoding.IDENTITY, bornHost: 'h', keys: [] },
  });

describe('gRPC backpressure: bounded in-flight requests', () => {
  let h: Harness;
  let client: MessagingServiceClient;

  before(async () => {
    h = await startHarness({ server: { settings: { maxInFlightPerClient: 2, maxInFlightGlobal: 3, longPollingTimeoutMs: POLL_MS } } });
    await h.broker.createTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 1 });
    client = rawClient(h.endpoint);
  });
  after(async () => {
    client?.close();
    await h?.close();
  });

  /** A long poll left pending until cancelled by the client (the server then releases its slot). */
  const park = (group: string, clientId: string): { cancel(): void; ended: Promise<void> } => {
    const stream = client.receiveMessage(longPoll(group), clientMetadata(clientId), { deadline: Date.now() + 20_000 });
    const ended = new Promise<void>((resolve) => {
      stream.on('data', () => {});
      stream.on('error', () => resolve()); // CANCELLED, as asked
      stream.on('end', () => resolve());
    });
    return { cancel: () => stream.cancel(), ended };
  };

  test('per-client and global bounds answer TOO_MANY_REQUESTS at once; slots are released afterwards', async () => {
    const route = () => call(client.queryRoute, client, { topic: res(TOPIC), endpoints: undefined }, clientMetadata('client-b'));
    // Client A parks two long polls: its own limit.
    const parked = [park('g-a1', 'client-a'), park('g-a2', 'client-a')];
    try {
      await waitFor(() => h.server.inFlight() === 2, 'two parked long polls', 5000);
      const t0 = Date.now();
      const overClient = await rawReceive(client, longPoll('g-a3'), clientMetadata('client-a'));
      assert.equal(overClient.status?.code, Code.TOO_MANY_REQUESTS, JSON.stringify(overClient.status));
      assert.match(overClient.status!.message, /client client-a has 2 requests in progress \(limit 2\)/);
      const sendA = await call(client.sendMessage, client, { messages: [message('1')] }, clientMetadata('client-a'));
      assert.equal(sendA.status?.code, Code.TOO_MANY_REQUESTS, JSON.stringify(sendA.status));
      assert.equal((await route()).status?.code, Code.OK, 'another client is still served');

      // Client B parks one more: the global limit of 3 is reached, a third client is refused too.
      parked.push(park('g-b', 'client-b'));
      await waitFor(() => h.server.inFlight() === 3, 'three parked long polls', 5000);
      const sendC = await call(client.sendMessage, client, { messages: [message('2')] }, clientMetadata('client-c'));
      assert.equal(sendC.status?.code, Code.TOO_MANY_REQUESTS, JSON.stringify(sendC.status));
      assert.match(sendC.status!.message, /server has 3 requests in progress \(limit 3\)/);
      assert.equal((await route()).status?.code, Code.TOO_MANY_REQUESTS);
      assert.ok(Date.now() - t0 < POLL_MS, 'refused at once, not queued behind the long polls');
      assert.equal(h.broker.describeTopic(TOPIC).queues[0]!.maxOffset, 0, 'refused sends stored nothing');
    } finally {
      for (const p of parked) p.cancel();
      await Promise.all(parked.map((p) => p.ended));
    }
    await waitFor(() => h.server.inFlight() === 0, 'every slot released', 5000);
    const ok = await call(client.sendMessage, client, { messages: [message('3')] }, clientMetadata('client-a'));
    assert.equal(ok.status?.code, Code.OK, 'served again once the calls are gone');
    assert.equal(h.broker.describeTopic(TOPIC).queues[0]!.maxOffset, 1);
    assert.equal(h.metrics.count('SendMessage', 'TOO_MANY_REQUESTS'), 2);
    assert.equal(h.metrics.count('ReceiveMessage', 'TOO_MANY_REQUESTS'), 1);
    assert.equal(h.metrics.count('QueryRoute', 'TOO_MANY_REQUESTS'), 1);
  });
});
