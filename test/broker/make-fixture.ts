/**
 * Generates test/fixtures/broker-v1 (run after `npm run build`):
 *   node build/test/broker/make-fixture.js test/fixtures/broker-v1
 * A broker data dir made with a fixed clock: topics and groups (config/topics.json, groups.json), messages, a
 * group with acked, in-flight and dead-lettered messages (pop journal + config/pop-state.json), and a pending
 * delay message. Closed cleanly; expected.json holds what the broker must show when it opens a copy.
 * Regenerate only for a new format version; the old fixture must keep passing test/broker/fixture-v1.test.ts.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { openMessageStore } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { BROKER_FIXTURE_CLOCK_START, BROKER_FIXTURE_STORE_OPTIONS } from './fixture-v1-options.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: make-fixture <outDir>\n');
  process.exit(2);
}
const dataDir = resolve(out, 'data');
await rm(resolve(out), { recursive: true, force: true });
await mkdir(resolve(out), { recursive: true });
let t = BROKER_FIXTURE_CLOCK_START;
const clock = { now: (): number => t };
const logger = silentLogger();
const store = await openMessageStore({ ...BROKER_FIXTURE_STORE_OPTIONS, dataDir, clock, logger });
const broker = await Broker.open({ store, dataDir, logger, clock });

await broker.createTopic({ name: 'Orders', messageType: 'NORMAL', queueNums: 2 });
await broker.createTopic({ name: 'Fifo', messageType: 'FIFO', queueNums: 1, perm: 6 });
await broker.createTopic({ name: 'Later', messageType: 'DELAY', queueNums: 1 });
await broker.createGroup({ name: 'gOrders', maxDeliveryAttempts: 3 });
await broker.createGroup({ name: 'gFifo', fifo: true, retryPolicy: { kind: 'exponential', initialMs: 1000, maxMs: 60_000, multiplier: 2 }, consumeFromWhere: 'earliest' });

const sent: Array<{ messageId: string; body: string; key: string }> = [];
for (let i = 0; i < 8; i++) {
  const body = `order-${i}`;
  const r = await broker.send({ topic: 'Orders', body: Buffer.from(body), messageType: 'NORMAL', tag: i % 2 ? 'odd' : 'even', keys: [`k${i}`], properties: { n: String(i) } });
  sent.push({ messageId: r.messageId, body, key: `k${i}` });
  t += 1000;
}
for (let i = 0; i < 3; i++) await broker.send({ topic: 'Fifo', body: Buffer.from(`f${i}`), messageType: 'FIFO', messageGroup: 'mg' });
const delayed = await broker.send({ topic: 'Later', body: Buffer.from('due in an hour'), messageType: 'DELAY', deliveryTimestamp: t + 3600_000 });

// gOrders: 5 received (1 h invisible), 2 acked, 1 dead-lettered on request, 2 left in flight.
const got = await broker.receive({ group: 'gOrders', topic: 'Orders', queueId: 0, maxMessages: 4, invisibleDurationMs: 3600_000, pollTimeoutMs: 0 });
got.push(...(await broker.receive({ group: 'gOrders', topic: 'Orders', queueId: 1, maxMessages: 1, invisibleDurationMs: 3600_000, pollTimeoutMs: 0 })));
got.sort((a, b) => a.body.toString().localeCompare(b.body.toString()));
await broker.ack('gOrders', 'Orders', got[0]!.receiptHandle);
await broker.ack('gOrders', 'Orders', got[1]!.receiptHandle);
await broker.forwardToDeadLetter('gOrders', 'Orders', got[2]!.receiptHandle);
const inFlight = got.slice(3).map((m) => ({ body: m.body.toString(), receiptHandle: m.receiptHandle, queueId: m.queueId }));
// gFifo: the head of the message group in flight.
const [fifoHead] = await broker.receive({ group: 'gFifo', topic: 'Fifo', maxMessages: 4, invisibleDurationMs: 3600_000, pollTimeoutMs: 0 });

const expected = {
  formatVersion: 1,
  clockStart: BROKER_FIXTURE_CLOCK_START,
  clockAtClose: t,
  topics: broker.listTopics(),
  groups: broker.listGroups(),
  describe: { gOrders: broker.describeGroup('gOrders'), gFifo: broker.describeGroup('gFifo') },
  sent,
  inFlight,
  deadLettered: got[2]!.body.toString(),
  fifoHead: { body: fifoHead!.body.toString(), receiptHandle: fifoHead!.receiptHandle },
  delayed: { messageId: delayed.messageId, recallHandle: delayed.recallHandle, due: t + 3600_000 },
};
await broker.close();
await store.close();
// Transaction state is another test's concern (and rebuilt from the half/op topics when missing).
await rm(join(dataDir, 'config', 'transactions.json'), { force: true });
await writeFile(join(resolve(out), 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
process.stdout.write(`wrote broker fixture to ${dataDir}\n`);
