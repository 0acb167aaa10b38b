/**
 * Bad input on the Telemetry stream and unexpected failures: a bad Settings command gets a status naming the
 * problem and registers nothing; an exception the broker did not mean becomes INTERNAL_ERROR with a log
 * line, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Metadata } from '@grpc/grpc-js';
import { pino } from 'pino';
import { ClientType, Code, Settings, type Status } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type { MessagingServiceClient, TelemetryCommand } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { call, clientMetadata, rawClient, startHarness, waitFor, type Harness } from './support/harness.js';

const res = (name: string) => ({ resourceNamespace: '', name });

/** Opens Telemetry, sends one Settings, returns the first status the server answers with, then half-closes. */
function telemetryAnswer(client: MessagingServiceClient, settings: Settings, md: Metadata): Promise<Status | undefined> {
  return new Promise((resolve, reject) => {
    const stream = client.telemetry(md, { deadline: Date.now() + 5000 });
    let answered = false;
    stream.on('data', (cmd: TelemetryCommand) => {
      if (answered) return;
      answered = true;
      resolve(cmd.status);
      stream.end();
    });
    stream.on('error', (err) => (answered ? undefined : reject(err)));
    stream.on('end', () => (answered ? undefined : resolve(undefined)));
    stream.write({ status: undefined, command: { $case: 'settings', settings } });
  });
}

describe('gRPC bad Telemetry settings and unexpected errors', () => {
  let h: Harness;
  let client: MessagingServiceClient;
  const logged: Array<{ msg?: string; rpc?: string; level?: number }> = [];

  before(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as (typeof logged)[number]) });
    h = await startHarness({ server: { logger } });
    await h.broker.createTopic({ name: 'TeleOrders', messageType: 'NORMAL', queueNums: 1 });
    client = rawClient(h.endpoint);
  });
  after(async () => {
    client?.close();
    await h?.close();
  });

  test('bad Settings are answered with a status naming the problem; nothing is registered', async () => {
    const producerOf = (topic: string): Settings =>
      Settings.fromPartial({ clientType: ClientType.PRODUCER, pubSub: { $case: 'publishing', publishing: { topics: [res(topic)], maxBodySize: 0, validateMessageType: true } } });
    const cases: Array<{ name: string; settings: Settings; md: Metadata; code: Code; says: RegExp }> = [
      { name: 'no client id', settings: producerOf('TeleOrders'), md: clientMetadata(''), code: Code.CLIENT_ID_REQUIRED, says: /x-mq-client-id/ },
      { name: 'unknown client type', settings: Settings.fromPartial({ clientType: 42 as ClientType }), md: clientMetadata('tele-1'), code: Code.UNRECOGNIZED_CLIENT_TYPE, says: /client_type 42/ },
      { name: 'illegal publishing topic', settings: producerOf('bad topic'), md: clientMetadata('tele-2'), code: Code.ILLEGAL_TOPIC, says: /characters outside/ },
      {
        name: 'consumer without subscription',
        settings: Settings.fromPartial({ clientType: ClientType.SIMPLE_CONSUMER }),
        md: clientMetadata('tele-3'),
        code: Code.BAD_REQUEST,
        says: /must send subscription settings/,
      },
      {
        name: 'consumer with an illegal group',
        settings: Settings.fromPartial({
          clientType: ClientType.PUSH_CONSUMER,
          pubSub: { $case: 'subscription', subscription: { group: res('CID_RMQ_SYS_x'), subscriptions: [], receiveBatchSize: 0 } },
        }),
        md: clientMetadata('tele-4'),
        code: Code.ILLEGAL_CONSUMER_GROUP,
        says: /system group/,
      },
    ];
    const failures: string[] = [];
    for (const c of cases) {
      const s = await telemetryAnswer(client, c.settings, c.md);
      if (s?.code !== c.code || !c.says.test(s.message)) failures.push(`${c.name}: got ${s ? `${Code[s.code]} "${s.message}"` : 'nothing'}`);
    }
    assert.deepEqual(failures, []);
    await waitFor(() => h.server.telemetryStreams() === 0, 'streams closed', 5000);
    assert.equal(h.server.clients.size, 0, 'no bad client registered');
    // A good one still registers.
    const ok = await telemetryAnswer(client, producerOf('TeleOrders'), clientMetadata('tele-good'));
    assert.equal(ok?.code, Code.OK);
  });

  test('an unexpected exception becomes INTERNAL_ERROR with a log line; the server keeps serving', async () => {
    const broker = h.broker as { getTopic: (name: string) => unknown };
    const real = broker.getTopic;
    broker.getTopic = (name: string) => {
      if (name === 'Boom') throw new TypeError('simulated fault');
      return real.call(h.broker, name);
    };
    try {
      const r = await call(client.queryRoute, client, { topic: res('Boom'), endpoints: undefined });
      assert.equal(r.status?.code, Code.INTERNAL_ERROR, JSON.stringify(r.status));
      assert.match(r.status!.message, /simulated fault/);
      assert.ok(logged.some((l) => l.rpc === 'QueryRoute' && /unexpected error/.test(l.msg ?? '')), JSON.stringify(logged));
    } finally {
      broker.getTopic = real;
    }
    const r = await call(client.queryRoute, client, { topic: res('TeleOrders'), endpoints: undefined });
    assert.equal(r.status?.code, Code.OK);
    assert.equal(h.metrics.count('QueryRoute', 'INTERNAL_ERROR'), 1);
  });
});
