/**
 * Fuzzes every RPC of apache.rocketmq.v2.MessagingService over a raw grpc-js channel: valid requests for each
 * method, encoded with the generated codecs, then damaged by mutateBytes (or rebuilt with nasty field values),
 * sent with random client metadata. Every call must end with a gRPC status; what the status is only gets counted.
 */
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  AckMessageRequest,
  ChangeInvisibleDurationRequest,
  EndTransactionRequest,
  ForwardMessageToDeadLetterQueueRequest,
  GetOffsetRequest,
  HeartbeatRequest,
  NotifyClientTerminationRequest,
  PullMessageRequest,
  QueryAssignmentRequest,
  QueryOffsetRequest,
  QueryRouteRequest,
  ReceiveMessageRequest,
  RecallMessageRequest,
  SendMessageRequest,
  TelemetryCommand,
  UpdateOffsetRequest,
} from '../../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { mutateBytes, runPool, Tally, type Random } from './mutate.js';

const SERVICE = '/apache.rocketmq.v2.MessagingService/';
type Kind = 'unary' | 'server-stream' | 'bidi';

export interface FuzzTargets {
  topics: readonly string[];
  group: string;
}

interface RpcSeed {
  method: string;
  kind: Kind;
  /** A valid request, possibly with the given names swapped for nasty values. */
  build(names: { topic: string; group: string; id: string }): Buffer;
}

const res = (name: string) => ({ name, resourceNamespace: '' });
const mq = (topic: string, queueId: number) => ({ topic: res(topic), id: queueId, permission: 3, broker: { name: 'apogee', id: 0 }, acceptMessageTypes: [] });
const dur = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });

const SEEDS: readonly RpcSeed[] = [
  { method: 'QueryRoute', kind: 'unary', build: (n) => b(QueryRouteRequest.encode(QueryRouteRequest.fromPartial({ topic: res(n.topic), endpoints: { scheme: 1, addresses: [{ host: '127.0.0.1', port: 1 }] } }))) },
  { method: 'Heartbeat', kind: 'unary', build: (n) => b(HeartbeatRequest.encode(HeartbeatRequest.fromPartial({ group: res(n.group), clientType: 2 }))) },
  {
    method: 'SendMessage',
    kind: 'unary',
    build: (n) =>
      b(SendMessageRequest.encode(SendMessageRequest.fromPartial({
        messages: [{ topic: res(n.topic), userProperties: { k: n.id }, body: Buffer.from('fuzz body'), systemProperties: { messageId: n.id, tag: 'T', keys: [n.id], messageType: 1, bodyEncoding: 1, bornHost: '127.0.0.1', messageGroup: undefined } }],
      }))),
  },
  { method: 'QueryAssignment', kind: 'unary', build: (n) => b(QueryAssignmentRequest.encode(QueryAssignmentRequest.fromPartial({ topic: res(n.topic), group: res(n.group), endpoints: { scheme: 1, addresses: [{ host: '127.0.0.1', port: 1 }] } }))) },
  {
    method: 'ReceiveMessage',
    kind: 'server-stream',
    build: (n) =>
      b(ReceiveMessageRequest.encode(ReceiveMessageRequest.fromPartial({ group: res(n.group), messageQueue: mq(n.topic, 0), filterExpression: { type: 1, expression: '*' }, batchSize: 4, invisibleDuration: dur(15_000), autoRenew: false, longPollingTimeout: dur(200) }))),
  },
  { method: 'AckMessage', kind: 'unary', build: (n) => b(AckMessageRequest.encode(AckMessageRequest.fromPartial({ group: res(n.group), topic: res(n.topic), entries: [{ messageId: n.id, receiptHandle: n.id }] }))) },
  {
    method: 'ForwardMessageToDeadLetterQueue',
    kind: 'unary',
    build: (n) => b(ForwardMessageToDeadLetterQueueRequest.encode(ForwardMessageToDeadLetterQueueRequest.fromPartial({ group: res(n.group), topic: res(n.topic), receiptHandle: n.id, messageId: n.id, deliveryAttempt: 1, maxDeliveryAttempts: 3 }))),
  },
  { method: 'PullMessage', kind: 'server-stream', build: (n) => b(PullMessageRequest.encode(PullMessageRequest.fromPartial({ group: res(n.group), messageQueue: mq(n.topic, 0), offset: 0, batchSize: 4, filterExpression: { type: 1, expression: '*' }, longPollingTimeout: dur(200) }))) },
  { method: 'UpdateOffset', kind: 'unary', build: (n) => b(UpdateOffsetRequest.encode(UpdateOffsetRequest.fromPartial({ group: res(n.group), messageQueue: mq(n.topic, 0), offset: 1 }))) },
  { method: 'GetOffset', kind: 'unary', build: (n) => b(GetOffsetRequest.encode(GetOffsetRequest.fromPartial({ group: res(n.group), messageQueue: mq(n.topic, 0) }))) },
  { method: 'QueryOffset', kind: 'unary', build: (n) => b(QueryOffsetRequest.encode(QueryOffsetRequest.fromPartial({ messageQueue: mq(n.topic, 0), queryOffsetPolicy: 1 }))) },
  { method: 'EndTransaction', kind: 'unary', build: (n) => b(EndTransactionRequest.encode(EndTransactionRequest.fromPartial({ topic: res(n.topic), messageId: n.id, transactionId: n.id, resolution: 1, source: 1 }))) },
  { method: 'NotifyClientTermination', kind: 'unary', build: (n) => b(NotifyClientTerminationRequest.encode(NotifyClientTerminationRequest.fromPartial({ group: res(n.group) }))) },
  {
    method: 'ChangeInvisibleDuration',
    kind: 'unary',
    build: (n) => b(ChangeInvisibleDurationRequest.encode(ChangeInvisibleDurationRequest.fromPartial({ group: res(n.group), topic: res(n.topic), receiptHandle: n.id, invisibleDuration: dur(10_000), messageId: n.id }))),
  },
  { method: 'RecallMessage', kind: 'unary', build: (n) => b(RecallMessageRequest.encode(RecallMessageRequest.fromPartial({ topic: res(n.topic), recallHandle: n.id }))) },
  {
    method: 'Telemetry',
    kind: 'bidi',
    build: (n) =>
      b(TelemetryCommand.encode(TelemetryCommand.fromPartial({
        command: { $case: 'settings', settings: { clientType: 1, accessPoint: { scheme: 1, addresses: [{ host: '127.0.0.1', port: 1 }] }, requestTimeout: dur(3000), pubSub: { $case: 'publishing', publishing: { topics: [res(n.topic)], maxBodySize: 4 << 20, validateMessageType: true } } } },
      }))),
  },
];

function b(w: { finish(): Uint8Array }): Buffer {
  const u = w.finish();
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

const identity = (x: Buffer): Buffer => x;

function metadata(random: Random): Metadata {
  const md = new Metadata();
  const roll = random.int(10);
  if (roll > 0) md.set('x-mq-client-id', roll === 1 ? random.nastyString().replace(/[^\x20-\x7e]/g, '') : `fuzz-client-${random.int(50)}`);
  if (random.int(4) > 0) md.set('x-mq-protocol', 'v2');
  if (random.int(4) === 0) md.set('x-mq-language', random.pick(['JAVA', 'NODE_JS', 'HTTP', 'garbage']));
  return md;
}

/** Sends `count` fuzzed requests; resolves with the tally of gRPC status codes (a call with no status throws). */
export async function fuzzGrpc(endpoint: string, targets: FuzzTargets, random: Random, count: number, parallel = 32): Promise<Tally> {
  const client = new Client(endpoint, credentials.createInsecure(), { 'grpc.max_send_message_length': 8 << 20 });
  const tally = new Tally();
  try {
    await runPool(count, parallel, async () => {
      const seed = random.pick(SEEDS);
      const nasty = random.int(5) === 0;
      const names = {
        topic: nasty ? random.nastyString() : random.pick(targets.topics),
        group: nasty ? random.nastyString() : targets.group,
        id: nasty ? random.nastyString() : `0${random.int(1 << 30).toString(16).toUpperCase().padStart(31, '0')}`,
      };
      let payload = seed.build(names);
      if (random.int(10) < 8) payload = mutateBytes(payload, random);
      const { code, details } = await callOnce(client, seed, payload, metadata(random), random);
      // INTERNAL/UNKNOWN are findings unless grpc-js itself refused bytes that are not the request message.
      const internal = (code === 13 || code === 2) && !/^Error deserializing request/.test(details);
      tally.add(`${seed.method}:${internal ? 'internal-error' : code}`, details);
    });
  } finally {
    client.close();
  }
  return tally;
}

function callOnce(client: Client, seed: RpcSeed, payload: Buffer, md: Metadata, random: Random): Promise<{ code: number; details: string }> {
  const deadline = Date.now() + 3000;
  const path = SERVICE + seed.method;
  return new Promise((resolve) => {
    if (seed.kind === 'unary') {
      client.makeUnaryRequest(path, identity, identity, payload, md, { deadline }, (err: ServiceError | null) => resolve({ code: err ? err.code : 0, details: err?.details ?? '' }));
    } else if (seed.kind === 'server-stream') {
      const call = client.makeServerStreamRequest(path, identity, identity, payload, md, { deadline });
      call.on('data', () => {});
      call.on('error', () => {});
      call.on('status', (s) => resolve({ code: s.code, details: s.details }));
    } else {
      const call = client.makeBidiStreamRequest(path, identity, identity, md, { deadline });
      call.on('data', () => {});
      call.on('error', () => {});
      call.on('status', (s) => resolve({ code: s.code, details: s.details }));
      const writes = 1 + random.int(3);
      for (let i = 0; i < writes; i++) call.write(i === 0 ? payload : mutateBytes(payload, random));
      // Half the streams end politely; the rest are cancelled, as a crashing client would.
      if (random.int(2) === 0) call.end();
      else setTimeout(() => call.cancel(), random.int(200)).unref();
    }
  });
}
