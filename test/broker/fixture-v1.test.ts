/**
 * Opens a copy of the checked-in broker data dir test/fixtures/broker-v1 (made by make-fixture.ts): topics,
 * groups, consume progress, in-flight receipt handles, dead letters and a pending delay message written by format
 * version 1 must all read back, so a later format change cannot break old data silently.
 */
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { BrokerErrorCode, isBrokerError } from '../../src/broker/errors.js';
import type { GroupConfig, GroupDescription, TopicConfig } from '../../src/broker/types.js';
import { openMessageStore, type MessageStore } from '../../src/store/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir } from '../store/helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/broker-v1/', import.meta.url));

interface Expected {
  formatVersion: number;
  clockAtClose: number;
  topics: TopicConfig[];
  groups: GroupConfig[];
  describe: Record<string, GroupDescription>;
  sent: Array<{ messageId: string; body: string; key: string }>;
  inFlight: Array<{ body: string; receiptHandle: string; queueId: number }>;
  deadLettered: string;
  fifoHead: { body: string; receiptHandle: string };
  delayed: { messageId: string; recallHandle: string; due: number };
}

describe('broker: format v1 fixture', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let exp: Expected;
  before(async () => {
    ({ dir: root, cleanup } = await tempDir('apogee-broker-fixture-'));
    exp = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
  });
  after(async () => cleanup());

  /** A fresh copy, opened with default options (the data dir keeps its own layout) and a clock 1 min after close. */
  async function open(name: string, prepare?: (dataDir: string) => Promise<void>): Promise<{ broker: Broker; store: MessageStore; close(): Promise<void> }> {
    const dataDir = join(root, name);
    await cp(join(FIXTURE, 'data'), dataDir, { recursive: true });
    await prepare?.(dataDir);
    const t = exp.clockAtClose + 60_000;
    const clock = { now: (): number => t };
    const logger = silentLogger();
    const store = await openMessageStore({ dataDir, flushMode: 'async', logger, clock });
    const broker = await Broker.open({ store, dataDir, logger, clock });
    return {
      broker,
      store,
      async close() {
        await broker.close();
        await store.close();
      },
    };
  }

  const checkState = async (broker: Broker): Promise<void> => {
    assert.deepEqual(broker.listTopics(), exp.topics);
    assert.deepEqual(broker.listGroups(), exp.groups);
    for (const [g, d] of Object.entries(exp.describe)) assert.deepEqual(broker.describeGroup(g), d, g);
    for (const s of exp.sent) {
      const [byId] = await broker.getMessageById(s.messageId);
      assert.equal(byId?.body.toString(), s.body);
      assert.deepEqual((await broker.queryMessagesByKey('Orders', s.key, 4)).map((m) => m.messageId), [s.messageId]);
    }
  };

  it('reads topics, groups, messages and consume progress; in-flight handles still ack', async () => {
    assert.equal(exp.formatVersion, 1);
    const { broker, close } = await open('full');
    try {
      await checkState(broker);
      const dlq = await broker.pull('%DLQ%gOrders', 0, 0, 4);
      assert.deepEqual(dlq.messages.map((m) => m.body.toString()), [exp.deadLettered]);
      // The rest of Orders is delivered; the in-flight ones are not (their invisible time runs for an hour).
      const rest = await broker.receive({ group: 'gOrders', topic: 'Orders', maxMessages: 16, invisibleDurationMs: 1000, pollTimeoutMs: 0 });
      const inFlightBodies = exp.inFlight.map((m) => m.body);
      assert.equal(rest.length, exp.sent.length - 5);
      assert.ok(rest.every((m) => !inFlightBodies.includes(m.body.toString())));
      for (const m of exp.inFlight) await broker.ack('gOrders', 'Orders', m.receiptHandle);
      await broker.ack('gFifo', 'Fifo', exp.fifoHead.receiptHandle);
      const next = await broker.receive({ group: 'gFifo', topic: 'Fifo', maxMessages: 4, invisibleDurationMs: 1000, pollTimeoutMs: 0 });
      assert.deepEqual(next.map((m) => m.body.toString()), ['f1'], 'FIFO continues after the head');
      // The delay message is still pending: its recall handle works once, then it is gone.
      await broker.recall('Later', exp.delayed.recallHandle);
      await assert.rejects(broker.recall('Later', exp.delayed.recallHandle), (e: unknown) => isBrokerError(e));
    } finally {
      await close();
    }
  });

  it('rebuilds the same consumption state from the pop journal when the snapshot is missing', async () => {
    const { broker, close } = await open('journal', (d) => rm(join(d, 'config', 'pop-state.json')));
    try {
      await checkState(broker);
    } finally {
      await close();
    }
  });

  it('refuses a metadata file of an unknown format version, naming it', async () => {
    await assert.rejects(
      open('future', async (d) => {
        const p = join(d, 'config', 'topics.json');
        const data = JSON.parse(await readFile(p, 'utf8')) as { version: number };
        await writeFile(p, JSON.stringify({ ...data, version: 2 }));
      }),
      /topics\.json has format version 2; this Apogee reads version 1/,
    );
  });

  it('a receipt handle of another group is refused against the fixture state', async () => {
    const { broker, close } = await open('foreign');
    try {
      await assert.rejects(broker.ack('gFifo', 'Orders', exp.inFlight[0]!.receiptHandle), (e: unknown) => isBrokerError(e) && e.code === BrokerErrorCode.INVALID_RECEIPT_HANDLE);
      assert.deepEqual(broker.describeGroup('gOrders'), exp.describe.gOrders);
    } finally {
      await close();
    }
  });
});
