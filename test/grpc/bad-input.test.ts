/**
 * Bad input over raw gRPC (grpc-js + the generated types): every field a client can get wrong is answered
 * with the v2 Code RocketMQ's proxy uses and a message naming the problem; nothing is stored or created, and
 * the broker keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Metadata } from '@grpc/grpc-js';
import {
  Code,
  ClientType,
  DigestType,
  Encoding,
  FilterType,
  Message,
  MessageType,
  QueryOffsetPolicy,
  type MessageQueue,
  type Status,
  type SystemProperties,
} from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import type {
  AckMessageRequest,
  ChangeInvisibleDurationRequest,
  ForwardMessageToDeadLetterQueueRequest,
  GetOffsetRequest,
  HeartbeatRequest,
  MessagingServiceClient,
  PullMessageRequest,
  PullMessageResponse,
  QueryAssignmentRequest,
  QueryOffsetRequest,
  QueryRouteRequest,
  RecallMessageRequest,
  ReceiveMessageRequest,
  SendMessageRequest,
  UpdateOffsetRequest,
} from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import type { Duration } from '../../src/protocol/grpc/generated/google/protobuf/duration.js';
import { msToDuration, msToTimestamp } from '../../src/protocol/grpc/wire.js';
import { call, clientMetadata, rawClient, startHarness, type Harness } from './support/harness.js';
import { rawReceive } from './support/official.js';

const MAX_BODY = 64 * 1024;
const res = (name: string) => ({ resourceNamespace: '', name });
const queue = (topic: string, id = 0): MessageQueue => ({ topic: res(topic), id, permission: 0, broker: undefined, acceptMessageTypes: [] });

let seq = 0;
/** A valid NORMAL message to BadNormal unless overridden. */
function msg(sp: Partial<SystemProperties> = {}, m: Partial<Omit<Message, 'systemProperties'>> = {}): Message {
  return Message.fromPartial({
    topic: res('BadNormal'),
    body: Buffer.from('payload'),
    userProperties: {},
    ...m,
    systemProperties: {
      messageId: `BAD${String(++seq).padStart(29, '0')}`,
      messageType: MessageType.NORMAL,
      bodyEncoding: Encoding.IDENTITY,
      bornHost: '127.0.0.1',
      bornTimestamp: msToTimestamp(Date.now()),
      keys: [],
      ...sp,
    },
  });
}

function receiveReq(p: Partial<ReceiveMessageRequest> = {}): ReceiveMessageRequest {
  return {
    group: res('g-bad'),
    messageQueue: queue('BadNormal'),
    filterExpression: { type: FilterType.TAG, expression: '*' },
    batchSize: 4,
    invisibleDuration: msToDuration(30_000),
    autoRenew: false,
    longPollingTimeout: msToDuration(200),
    ...p,
  };
}

const negative: Duration = { seconds: -5, nanos: 0 };

type Rpc =
  | { rpc: 'SendMessage'; req: SendMessageRequest }
  | { rpc: 'ReceiveMessage'; req: ReceiveMessageRequest }
  | { rpc: 'AckMessage'; req: AckMessageRequest }
  | { rpc: 'ChangeInvisibleDuration'; req: ChangeInvisibleDurationRequest }
  | { rpc: 'ForwardMessageToDeadLetterQueue'; req: ForwardMessageToDeadLetterQueueRequest }
  | { rpc: 'QueryRoute'; req: QueryRouteRequest }
  | { rpc: 'QueryAssignment'; req: QueryAssignmentRequest }
  | { rpc: 'Heartbeat'; req: HeartbeatRequest }
  | { rpc: 'RecallMessage'; req: RecallMessageRequest }
  | { rpc: 'UpdateOffset'; req: UpdateOffsetRequest }
  | { rpc: 'GetOffset'; req: GetOffsetRequest }
  | { rpc: 'QueryOffset'; req: QueryOffsetRequest }
  | { rpc: 'PullMessage'; req: PullMessageRequest };

interface Row {
  name: string;
  /** Built lazily: some rows need receipt handles obtained in before(). */
  call: () => Rpc;
  code: Code;
  /** What the message must say. */
  says: RegExp;
  md?: () => Metadata;
}

/** Handles obtained by a real receive (see before()). */
const handles = { current: '', stale: '' };

const send = (...messages: Message[]) => (): Rpc => ({ rpc: 'SendMessage', req: { messages } });
const receive = (p: Partial<ReceiveMessageRequest>) => (): Rpc => ({ rpc: 'ReceiveMessage', req: receiveReq(p) });

const ROWS: Row[] = [
  // --- headers
  { name: 'missing client id (unary)', call: send(msg()), code: Code.CLIENT_ID_REQUIRED, says: /x-mq-client-id/, md: () => clientMetadata('') },
  { name: 'missing client id (stream)', call: receive({}), code: Code.CLIENT_ID_REQUIRED, says: /x-mq-client-id/, md: () => clientMetadata('') },
  // --- topic
  { name: 'send: no message', call: send(), code: Code.MESSAGE_CORRUPTED, says: /no message/ },
  { name: 'send: empty topic', call: send(msg({}, { topic: res('') })), code: Code.ILLEGAL_TOPIC, says: /topic is required/ },
  { name: 'send: blank topic', call: send(msg({}, { topic: res('   ') })), code: Code.ILLEGAL_TOPIC, says: /topic is blank/ },
  { name: 'send: illegal topic characters', call: send(msg({}, { topic: res('bad topic!') })), code: Code.ILLEGAL_TOPIC, says: /characters outside/ },
  { name: 'send: topic too long', call: send(msg({}, { topic: res('T'.repeat(200)) })), code: Code.ILLEGAL_TOPIC, says: /longer than 127/ },
  { name: 'send: system topic', call: send(msg({}, { topic: res('rmq_sys_trace') })), code: Code.ILLEGAL_TOPIC, says: /system topic/ },
  { name: 'send: unknown topic', call: send(msg({}, { topic: res('NoSuchTopic') })), code: Code.TOPIC_NOT_FOUND, says: /NoSuchTopic/ },
  { name: 'send: batch spans two topics', call: send(msg(), msg({}, { topic: res('BadFifo') })), code: Code.MESSAGE_CORRUPTED, says: /another topic/ },
  // --- body
  { name: 'send: empty body', call: send(msg({}, { body: Buffer.alloc(0) })), code: Code.MESSAGE_BODY_EMPTY, says: /body is empty/ },
  { name: 'send: oversize body', call: send(msg({}, { body: Buffer.alloc(MAX_BODY + 1, 1) })), code: Code.MESSAGE_BODY_TOO_LARGE, says: new RegExp(`${MAX_BODY + 1} bytes.*limit of ${MAX_BODY}`) },
  { name: 'send: gzip body that is not gzip', call: send(msg({ bodyEncoding: Encoding.GZIP })), code: Code.MESSAGE_CORRUPTED, says: /not valid gzip/ },
  { name: 'send: unknown body encoding', call: send(msg({ bodyEncoding: 7 as Encoding })), code: Code.BAD_REQUEST, says: /body_encoding 7/ },
  { name: 'send: body digest mismatch', call: send(msg({ bodyDigest: { type: DigestType.MD5, checksum: '00000000000000000000000000000000' } })), code: Code.MESSAGE_CORRUPTED, says: /MD5 digest/ },
  // --- tag, keys, properties, id
  { name: 'send: tag with |', call: send(msg({ tag: 'a|b' })), code: Code.ILLEGAL_MESSAGE_TAG, says: /contains '\|'/ },
  { name: 'send: blank tag', call: send(msg({ tag: '  ' })), code: Code.ILLEGAL_MESSAGE_TAG, says: /tag is blank/ },
  { name: 'send: tag with control character', call: send(msg({ tag: 'a\u0001' })), code: Code.ILLEGAL_MESSAGE_TAG, says: /control character/ },
  { name: 'send: blank key', call: send(msg({ keys: ['ok', ' '] })), code: Code.ILLEGAL_MESSAGE_KEY, says: /key is blank/ },
  { name: 'send: key with control character', call: send(msg({ keys: ['k\n1'] })), code: Code.ILLEGAL_MESSAGE_KEY, says: /control character/ },
  { name: 'send: reserved property name', call: send(msg({}, { userProperties: { UNIQ_KEY: 'x' } })), code: Code.ILLEGAL_MESSAGE_PROPERTY_KEY, says: /UNIQ_KEY.*reserved/ },
  { name: 'send: blank property name', call: send(msg({}, { userProperties: { ' ': 'x' } })), code: Code.ILLEGAL_MESSAGE_PROPERTY_KEY, says: /name is blank/ },
  { name: 'send: property name with control character', call: send(msg({}, { userProperties: { 'a\u0007': 'x' } })), code: Code.ILLEGAL_MESSAGE_PROPERTY_KEY, says: /control character/ },
  { name: 'send: property value with control character', call: send(msg({}, { userProperties: { region: 'eu\u0000' } })), code: Code.ILLEGAL_MESSAGE_PROPERTY_KEY, says: /value of user property "region".*control character/ },
  {
    name: 'send: too many properties',
    call: send(msg({}, { userProperties: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`p${i}`, 'v'])) })),
    code: Code.MESSAGE_PROPERTIES_TOO_LARGE,
    says: /129 user properties/,
  },
  { name: 'send: empty message id', call: send(msg({ messageId: '' })), code: Code.ILLEGAL_MESSAGE_ID, says: /message id is empty/ },
  // --- message type and its properties
  { name: 'send: unknown message type', call: send(msg({ messageType: 42 as MessageType })), code: Code.BAD_REQUEST, says: /message_type 42 is not supported/ },
  { name: 'send: NORMAL message to a FIFO topic', call: send(msg({}, { topic: res('BadFifo') })), code: Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, says: /NORMAL.*FIFO|FIFO.*NORMAL/ },
  { name: 'send: FIFO message to a NORMAL topic', call: send(msg({ messageType: MessageType.FIFO, messageGroup: 'g1' })), code: Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, says: /FIFO.*NORMAL|NORMAL.*FIFO/ },
  { name: 'send: TRANSACTION message to a NORMAL topic', call: send(msg({ messageType: MessageType.TRANSACTION })), code: Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, says: /TRANSACTION.*NORMAL|NORMAL.*TRANSACTION/ },
  { name: 'send: FIFO without message group', call: send(msg({ messageType: MessageType.FIFO }, { topic: res('BadFifo') })), code: Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, says: /no message_group/ },
  { name: 'send: DELAY without delivery timestamp', call: send(msg({ messageType: MessageType.DELAY }, { topic: res('BadDelay') })), code: Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, says: /no delivery_timestamp/ },
  { name: 'send: NORMAL with a message group', call: send(msg({ messageGroup: 'g1' })), code: Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE, says: /has a message_group/ },
  { name: 'send: blank message group', call: send(msg({ messageType: MessageType.FIFO, messageGroup: '  ' }, { topic: res('BadFifo') })), code: Code.ILLEGAL_MESSAGE_GROUP, says: /message group is blank/ },
  { name: 'send: message group too long', call: send(msg({ messageType: MessageType.FIFO, messageGroup: 'g'.repeat(65) }, { topic: res('BadFifo') })), code: Code.ILLEGAL_MESSAGE_GROUP, says: /longer than 64/ },
  { name: 'send: batch mixing message types', call: send(msg({ messageType: MessageType.FIFO, messageGroup: 'g' }, { topic: res('BadFifo') }), msg({}, { topic: res('BadFifo') })), code: Code.BAD_REQUEST, says: /one message type/ },
  { name: 'send: batch whose 2nd message is bad stores nothing', call: send(msg(), msg({ tag: 'x|y' })), code: Code.ILLEGAL_MESSAGE_TAG, says: /message\[1\]|tag "x\|y"/ },
  // --- delivery time
  {
    name: 'send: delivery time beyond the max delay',
    call: send(msg({ messageType: MessageType.DELAY, deliveryTimestamp: msToTimestamp(Date.now() + 48 * 3600_000) }, { topic: res('BadDelay') })),
    code: Code.ILLEGAL_DELIVERY_TIME,
    says: /more than the maximum/,
  },
  {
    name: 'send: negative delivery time',
    call: send(msg({ messageType: MessageType.DELAY, deliveryTimestamp: { seconds: -10, nanos: 0 } }, { topic: res('BadDelay') })),
    code: Code.ILLEGAL_DELIVERY_TIME,
    says: /delivery_timestamp is malformed/,
  },
  // --- receive
  { name: 'receive: empty group', call: receive({ group: res('') }), code: Code.ILLEGAL_CONSUMER_GROUP, says: /group is required/ },
  { name: 'receive: illegal group characters', call: receive({ group: res('g bad') }), code: Code.ILLEGAL_CONSUMER_GROUP, says: /characters outside/ },
  { name: 'receive: system group', call: receive({ group: res('CID_RMQ_SYS_X') }), code: Code.ILLEGAL_CONSUMER_GROUP, says: /system group/ },
  { name: 'receive: group too long', call: receive({ group: res('g'.repeat(300)) }), code: Code.ILLEGAL_CONSUMER_GROUP, says: /longer than 255/ },
  { name: 'receive: empty topic', call: receive({ messageQueue: queue('') }), code: Code.ILLEGAL_TOPIC, says: /topic is required/ },
  { name: 'receive: unknown topic', call: receive({ messageQueue: queue('NoSuchTopic') }), code: Code.TOPIC_NOT_FOUND, says: /NoSuchTopic/ },
  { name: 'receive: invisible duration missing', call: receive({ invisibleDuration: undefined }), code: Code.ILLEGAL_INVISIBLE_TIME, says: /invisible_duration is required/ },
  { name: 'receive: invisible duration 0', call: receive({ invisibleDuration: msToDuration(0) }), code: Code.ILLEGAL_INVISIBLE_TIME, says: /below the minimum/ },
  { name: 'receive: invisible duration too long', call: receive({ invisibleDuration: msToDuration(13 * 3600_000) }), code: Code.ILLEGAL_INVISIBLE_TIME, says: /above the maximum/ },
  { name: 'receive: negative invisible duration', call: receive({ invisibleDuration: negative }), code: Code.ILLEGAL_INVISIBLE_TIME, says: /malformed/ },
  { name: 'receive: bad SQL filter', call: receive({ filterExpression: { type: FilterType.SQL, expression: 'amount >' } }), code: Code.ILLEGAL_FILTER_EXPRESSION, says: /amount >|SQL|expect/i },
  { name: 'receive: empty SQL filter', call: receive({ filterExpression: { type: FilterType.SQL, expression: ' ' } }), code: Code.ILLEGAL_FILTER_EXPRESSION, says: /expression is empty/ },
  { name: 'receive: unknown filter type', call: receive({ filterExpression: { type: 9 as FilterType, expression: '*' } }), code: Code.ILLEGAL_FILTER_EXPRESSION, says: /filter type 9/ },
  { name: 'receive: batch size too large', call: receive({ batchSize: 100_000 }), code: Code.BAD_REQUEST, says: /batch_size 100000/ },
  { name: 'receive: negative long-polling timeout', call: receive({ longPollingTimeout: negative }), code: Code.ILLEGAL_POLLING_TIME, says: /long_polling_timeout is malformed/ },
  // --- receipt handles
  {
    name: 'ack: garbage receipt handle',
    call: () => ({ rpc: 'AckMessage', req: { group: res('g-bad'), topic: res('BadNormal'), entries: [{ messageId: 'x', receiptHandle: 'garbage' }] } }),
    code: Code.INVALID_RECEIPT_HANDLE,
    says: /receipt handle/i,
  },
  {
    name: 'ack: empty receipt handle',
    call: () => ({ rpc: 'AckMessage', req: { group: res('g-bad'), topic: res('BadNormal'), entries: [{ messageId: 'x', receiptHandle: '' }] } }),
    code: Code.INVALID_RECEIPT_HANDLE,
    says: /receipt_handle is empty/,
  },
  {
    name: 'ack: stale receipt handle (replaced by ChangeInvisibleDuration)',
    call: () => ({ rpc: 'AckMessage', req: { group: res('g-handles'), topic: res('BadHandles'), entries: [{ messageId: 'x', receiptHandle: handles.stale }] } }),
    code: Code.INVALID_RECEIPT_HANDLE,
    says: /receipt handle/i,
  },
  {
    name: 'ack: live handle under another group',
    call: () => ({ rpc: 'AckMessage', req: { group: res('g-other'), topic: res('BadHandles'), entries: [{ messageId: 'x', receiptHandle: handles.current }] } }),
    code: Code.INVALID_RECEIPT_HANDLE,
    says: /receipt handle/i,
  },
  {
    name: 'ack: no entries',
    call: () => ({ rpc: 'AckMessage', req: { group: res('g-bad'), topic: res('BadNormal'), entries: [] } }),
    code: Code.BAD_REQUEST,
    says: /entries is empty/,
  },
  {
    name: 'change invisible: stale handle',
    call: () => ({ rpc: 'ChangeInvisibleDuration', req: { group: res('g-handles'), topic: res('BadHandles'), receiptHandle: handles.stale, invisibleDuration: msToDuration(1000), messageId: 'x' } }),
    code: Code.INVALID_RECEIPT_HANDLE,
    says: /receipt handle/i,
  },
  {
    name: 'change invisible: duration too long',
    call: () => ({ rpc: 'ChangeInvisibleDuration', req: { group: res('g-handles'), topic: res('BadHandles'), receiptHandle: handles.current, invisibleDuration: msToDuration(13 * 3600_000), messageId: 'x' } }),
    code: Code.ILLEGAL_INVISIBLE_TIME,
    says: /above the maximum/,
  },
  {
    name: 'change invisible: duration missing',
    call: () => ({ rpc: 'ChangeInvisibleDuration', req: { group: res('g-handles'), topic: res('BadHandles'), receiptHandle: handles.current, messageId: 'x' } }),
    code: Code.ILLEGAL_INVISIBLE_TIME,
    says: /invisible_duration is required/,
  },
  {
    name: 'change invisible: negative duration',
    call: () => ({ rpc: 'ChangeInvisibleDuration', req: { group: res('g-handles'), topic: res('BadHandles'), receiptHandle: handles.current, invisibleDuration: negative, messageId: 'x' } }),
    code: Code.ILLEGAL_INVISIBLE_TIME,
    says: /malformed/,
  },
  {
    name: 'forward to DLQ: garbage handle',
    call: () => ({ rpc: 'ForwardMessageToDeadLetterQueue', req: { group: res('g-handles'), topic: res('BadHandles'), receiptHandle: 'garbage', messageId: 'x', deliveryAttempt: 1, maxDeliveryAttempts: 1 } }),
    code: Code.INVALID_RECEIPT_HANDLE,
    says: /receipt handle/i,
  },
  // --- route, assignment, heartbeat, recall, offsets
  { name: 'route: empty topic', call: () => ({ rpc: 'QueryRoute', req: { topic: res('') } }), code: Code.ILLEGAL_TOPIC, says: /topic is required/ },
  { name: 'route: unknown topic', call: () => ({ rpc: 'QueryRoute', req: { topic: res('NoSuchTopic') } }), code: Code.TOPIC_NOT_FOUND, says: /NoSuchTopic does not exist/ },
  { name: 'assignment: unknown topic', call: () => ({ rpc: 'QueryAssignment', req: { topic: res('NoSuchTopic'), group: res('g-bad') } }), code: Code.TOPIC_NOT_FOUND, says: /NoSuchTopic/ },
  { name: 'assignment: empty group', call: () => ({ rpc: 'QueryAssignment', req: { topic: res('BadNormal'), group: res('') } }), code: Code.ILLEGAL_CONSUMER_GROUP, says: /group is required/ },
  { name: 'heartbeat: unknown client type', call: () => ({ rpc: 'Heartbeat', req: { clientType: 77 as ClientType } }), code: Code.UNRECOGNIZED_CLIENT_TYPE, says: /client_type 77/ },
  { name: 'heartbeat: illegal group', call: () => ({ rpc: 'Heartbeat', req: { clientType: ClientType.PUSH_CONSUMER, group: res('bad group') } }), code: Code.ILLEGAL_CONSUMER_GROUP, says: /characters outside/ },
  { name: 'recall: empty handle', call: () => ({ rpc: 'RecallMessage', req: { topic: res('BadDelay'), recallHandle: '' } }), code: Code.BAD_REQUEST, says: /recall_handle is empty/ },
  { name: 'recall: garbage handle', call: () => ({ rpc: 'RecallMessage', req: { topic: res('BadDelay'), recallHandle: 'garbage' } }), code: Code.BAD_REQUEST, says: /malformed recall handle/ },
  { name: 'update offset: negative offset', call: () => ({ rpc: 'UpdateOffset', req: { group: res('g-bad'), messageQueue: queue('BadNormal'), offset: -1 } }), code: Code.ILLEGAL_OFFSET, says: /offset -1/ },
  { name: 'update offset: negative queue id', call: () => ({ rpc: 'UpdateOffset', req: { group: res('g-bad'), messageQueue: queue('BadNormal', -2), offset: 0 } }), code: Code.BAD_REQUEST, says: /message_queue.id -2/ },
  { name: 'update offset: queue the topic does not have', call: () => ({ rpc: 'UpdateOffset', req: { group: res('g-bad'), messageQueue: queue('BadNormal', 99), offset: 0 } }), code: Code.BAD_REQUEST, says: /queue 99/ },
  { name: 'update offset: beyond the queue end', call: () => ({ rpc: 'UpdateOffset', req: { group: res('g-bad'), messageQueue: queue('BadNormal', 1), offset: 1000 } }), code: Code.ILLEGAL_OFFSET, says: /offset 1000 is outside 0\.\.0/ },
  { name: 'update offset: unknown topic', call: () => ({ rpc: 'UpdateOffset', req: { group: res('g-bad'), messageQueue: queue('NoSuchTopic'), offset: 0 } }), code: Code.TOPIC_NOT_FOUND, says: /NoSuchTopic/ },
  { name: 'update offset: no message queue', call: () => ({ rpc: 'UpdateOffset', req: { group: res('g-bad'), offset: 0 } }), code: Code.BAD_REQUEST, says: /message_queue is required/ },
  { name: 'get offset: unknown topic', call: () => ({ rpc: 'GetOffset', req: { group: res('g-bad'), messageQueue: queue('NoSuchTopic') } }), code: Code.TOPIC_NOT_FOUND, says: /NoSuchTopic/ },
  { name: 'get offset: nothing committed', call: () => ({ rpc: 'GetOffset', req: { group: res('g-other'), messageQueue: queue('BadNormal') } }), code: Code.OFFSET_NOT_FOUND, says: /no offset on BadNormal queue 0/ },
  { name: 'query offset: unknown policy', call: () => ({ rpc: 'QueryOffset', req: { messageQueue: queue('BadNormal'), queryOffsetPolicy: 9 as QueryOffsetPolicy } }), code: Code.BAD_REQUEST, says: /query_offset_policy 9/ },
  { name: 'query offset: queue the topic does not have', call: () => ({ rpc: 'QueryOffset', req: { messageQueue: queue('BadNormal', 7), queryOffsetPolicy: QueryOffsetPolicy.END } }), code: Code.BAD_REQUEST, says: /no queue 7/ },
  { name: 'pull: negative offset', call: () => ({ rpc: 'PullMessage', req: { group: res('g-bad'), messageQueue: queue('BadNormal'), offset: -3, batchSize: 1, filterExpression: undefined, longPollingTimeout: undefined } }), code: Code.ILLEGAL_OFFSET, says: /offset -3/ },
];

function pullStatus(client: MessagingServiceClient, req: PullMessageRequest, md: Metadata): Promise<Status | undefined> {
  return new Promise((resolve, reject) => {
    let s: Status | undefined;
    const stream = client.pullMessage(req, md, { deadline: Date.now() + 5000 });
    stream.on('data', (r: PullMessageResponse) => {
      if (r.content?.$case === 'status') s = r.content.status;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(s));
  });
}

async function statusOf(c: MessagingServiceClient, r: Rpc, md: Metadata): Promise<Status | undefined> {
  switch (r.rpc) {
    case 'SendMessage':
      return (await call(c.sendMessage, c, r.req, md)).status;
    case 'ReceiveMessage':
      return (await rawReceive(c, r.req, md)).status;
    case 'AckMessage':
      return (await call(c.ackMessage, c, r.req, md)).status;
    case 'ChangeInvisibleDuration':
      return (await call(c.changeInvisibleDuration, c, r.req, md)).status;
    case 'ForwardMessageToDeadLetterQueue':
      return (await call(c.forwardMessageToDeadLetterQueue, c, r.req, md)).status;
    case 'QueryRoute':
      return (await call(c.queryRoute, c, r.req, md)).status;
    case 'QueryAssignment':
      return (await call(c.queryAssignment, c, r.req, md)).status;
    case 'Heartbeat':
      return (await call(c.heartbeat, c, r.req, md)).status;
    case 'RecallMessage':
      return (await call(c.recallMessage, c, r.req, md)).status;
    case 'UpdateOffset':
      return (await call(c.updateOffset, c, r.req, md)).status;
    case 'GetOffset':
      return (await call(c.getOffset, c, r.req, md)).status;
    case 'QueryOffset':
      return (await call(c.queryOffset, c, r.req, md)).status;
    case 'PullMessage':
      return pullStatus(c, r.req, md);
  }
}

describe('gRPC bad input: the right code, a clear message, nothing changed', () => {
  let h: Harness;
  let client: MessagingServiceClient;
  const offsetsBefore = new Map<string, number>();
  let groupsBefore: string[] = [];

  const offsets = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const t of h.broker.listTopics()) {
      for (const q of h.broker.describeTopic(t.name).queues) out.set(`${t.name}/${q.queueId}`, q.maxOffset);
    }
    return out;
  };

  before(async () => {
    h = await startHarness({ server: { settings: { maxBodyBytes: MAX_BODY, longPollingTimeoutMs: 300 } } });
    await h.broker.createTopic({ name: 'BadNormal', messageType: 'NORMAL', queueNums: 2 });
    await h.broker.createTopic({ name: 'BadFifo', messageType: 'FIFO', queueNums: 2 });
    await h.broker.createTopic({ name: 'BadDelay', messageType: 'DELAY', queueNums: 1 });
    await h.broker.createTopic({ name: 'BadHandles', messageType: 'NORMAL', queueNums: 1 });
    await h.broker.createGroup({ name: 'g-handles' });
    await h.broker.createGroup({ name: 'g-other' });
    client = rawClient(h.endpoint);
    // A real in-flight message: its first handle goes stale when its invisible duration is changed.
    const sent = await call(client.sendMessage, client, { messages: [msg({}, { topic: res('BadHandles') })] });
    assert.equal(sent.status?.code, Code.OK);
    const got = await rawReceive(client, receiveReq({ group: res('g-handles'), messageQueue: queue('BadHandles') }));
    handles.stale = got.messages[0]!.systemProperties!.receiptHandle!;
    const changed = await call(client.changeInvisibleDuration, client, {
      group: res('g-handles'),
      topic: res('BadHandles'),
      receiptHandle: handles.stale,
      invisibleDuration: msToDuration(60_000),
      messageId: got.messages[0]!.systemProperties!.messageId,
    });
    assert.equal(changed.status?.code, Code.OK);
    handles.current = changed.receiptHandle;
    for (const [k, v] of offsets()) offsetsBefore.set(k, v);
    groupsBefore = h.broker.listGroups().map((g) => g.name).sort();
  });
  after(async () => {
    client?.close();
    await h?.close();
  });

  test('each bad request gets its code and a message naming the problem', async () => {
    const failures: string[] = [];
    for (const row of ROWS) {
      let s: Status | undefined;
      try {
        s = await statusOf(client, row.call(), row.md?.() ?? clientMetadata());
      } catch (err) {
        failures.push(`${row.name}: transport error ${(err as Error).message}`);
        continue;
      }
      if (s?.code !== row.code) {
        failures.push(`${row.name}: expected ${Code[row.code]}, got ${s ? `${Code[s.code] ?? s.code} "${s.message}"` : 'no status'}`);
      } else if (!row.says.test(s.message)) {
        failures.push(`${row.name}: message "${s.message}" does not match ${row.says}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('nothing was stored or created, and the broker still serves', async () => {
    assert.deepEqual(offsets(), offsetsBefore, 'no topic or queue offset changed');
    assert.deepEqual(h.broker.listGroups().map((g) => g.name).sort(), groupsBefore, 'no consumer group was created');
    // The in-flight message survived every bad request: its current handle still acks it.
    const ack = await call(client.ackMessage, client, {
      group: res('g-handles'),
      topic: res('BadHandles'),
      entries: [{ messageId: 'x', receiptHandle: handles.current }],
    });
    assert.equal(ack.status?.code, Code.OK, JSON.stringify(ack.status));
    // A good send and receive work.
    const sent = await call(client.sendMessage, client, { messages: [msg({ tag: 'after' }, { body: Buffer.from('still serving') })] });
    assert.equal(sent.status?.code, Code.OK, JSON.stringify(sent.status));
    const got = await rawReceive(client, receiveReq({ group: res('g-after'), filterExpression: { type: FilterType.TAG, expression: 'after' } }));
    assert.equal(got.status?.code, Code.OK, JSON.stringify(got.status));
    assert.deepEqual(got.messages.map((m) => m.body.toString()), ['still serving']);
    assert.equal(h.server.inFlight(), 0);
  });
});
