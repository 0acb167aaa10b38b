/**
 * Pop consumption survives kill -9: a child process receives and acks while the parent kills it at random moments.
 * Afterwards no acknowledged message is ever delivered again, and every other message still is, exactly once.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { rng, tempDir } from '../store/helpers.js';
import { openBrokerAt, spawnLineChild, waitFor } from './fixture.js';

const CHILD = fileURLToPath(new URL('./pop-crash-child.js', import.meta.url));
const ROUNDS = 5;
const MESSAGES = 240;

describe('pop consumption: crash while receiving and acking', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('apogee-pop-crash-')));
  after(async () => cleanup());

  it(`acked messages never come back and none is lost over ${ROUNDS} kill -9 rounds`, async () => {
    const all = Array.from({ length: MESSAGES }, (_, i) => `m${i}`);
    {
      const { broker, close } = await openBrokerAt(dir, 'sync');
      await broker.createTopic({ name: 'Crash', queueNums: 4 });
      await broker.createGroup({ name: 'gCrash', maxDeliveryAttempts: 1000 });
      for (const body of all) await broker.send({ topic: 'Crash', body: Buffer.from(body), messageType: 'NORMAL' });
      await close();
    }
    const random = rng(7);
    const acked = new Set<string>();
    /** Acks in progress at a kill: durable or not, the child could not say. */
    const inDoubt = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const proc = spawnLineChild(CHILD, [dir, String(round + 1)]);
      const { child, lines } = proc;
      try {
        await waitFor(() => lines[0] === 'READY' || child.exitCode !== null, 15_000, `child ready (stderr: ${proc.stderr()})`);
        const want = 5 + Math.floor(random() * 30);
        await waitFor(() => lines.length > want || child.exitCode !== null, 15_000, `${want} acks (stderr: ${proc.stderr()})`);
        assert.equal(child.exitCode, null, `child exited early: ${proc.stderr()}`);
        const pause = Math.floor(random() * 10);
        if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      } finally {
        await proc.kill9();
      }
      const acking = new Set<string>();
      for (const l of lines) {
        if (l.startsWith('ACKING ')) {
          const body = l.slice(7);
          assert.ok(!acked.has(body), `round ${round}: ${body} was delivered again after an acknowledged ack`);
          acking.add(body);
        } else if (l.startsWith('ACK ')) {
          const body = l.slice(4);
          acking.delete(body);
          acked.add(body);
        }
      }
      for (const b of acking) inDoubt.add(b);
    }
    assert.ok(acked.size >= ROUNDS * 5 && acked.size < MESSAGES, `acked ${acked.size}`);

    // Drain what is left: unacked in-flight messages come back after their 300 ms.
    const { broker, close } = await openBrokerAt(dir, 'sync');
    try {
      const drained: string[] = [];
      for (let empty = 0; empty < 2; ) {
        const got = await broker.receive({ group: 'gCrash', topic: 'Crash', maxMessages: 64, invisibleDurationMs: 60_000, pollTimeoutMs: 700 });
        if (got.length === 0) empty++;
        for (const m of got) {
          drained.push(m.body.toString());
          await broker.ack('gCrash', 'Crash', m.receiptHandle);
        }
      }
      assert.ok(inDoubt.size <= ROUNDS * 12, `${inDoubt.size} acks in doubt: more than the child has in flight at once`);
      const comeBack = drained.filter((b) => acked.has(b));
      assert.deepEqual(comeBack, [], 'acknowledged messages delivered again');
      assert.equal(new Set(drained).size, drained.length, 'a message was delivered twice in the drain');
      const seen = new Set([...acked, ...drained]);
      const lost = all.filter((b) => !seen.has(b) && !inDoubt.has(b));
      assert.deepEqual(lost, [], `lost (never delivered again) after ${acked.size} acks and ${drained.length} drained`);
      assert.equal(broker.describeGroup('gCrash').queues.reduce((s, q) => s + q.lag, 0), 0);
    } finally {
      await close();
    }
  });
});
