/**
 * Metadata files (topics, groups, consumption state) are written atomically: a child process creating topics and
 * groups without pause is killed with SIGKILL at random moments; every file must still parse, every acknowledged
 * create must be there after restart, and a leftover temp file must not matter.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { rng, tempDir } from '../store/helpers.js';
import { openBrokerAt, spawnLineChild, waitFor } from './fixture.js';

const CHILD = fileURLToPath(new URL('./metadata-crash-child.js', import.meta.url));
const ROUNDS = 12;

describe('metadata: crash while writing', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('apogee-meta-crash-')));
  after(async () => cleanup());

  it(`never leaves a half-written file and loses no acknowledged create over ${ROUNDS} kill -9 rounds`, async () => {
    const random = rng(42);
    const ackedTopics = new Set<string>();
    const ackedGroups = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const proc = spawnLineChild(CHILD, [dir, String(round)]);
      const { child, lines } = proc;
      try {
        await waitFor(() => lines[0] === 'READY' || child.exitCode !== null, 15_000, `child ready (stderr: ${proc.stderr()})`);
        assert.equal(lines[0], 'READY', `child failed: ${proc.stderr()}`);
        // Kill after a random number of acknowledged creates, so the kill lands at a different write each round.
        const want = 2 + Math.floor(random() * 20);
        await waitFor(() => lines.length > want || child.exitCode !== null, 15_000, `${want} creates (stderr: ${proc.stderr()})`);
        assert.equal(child.exitCode, null, `child exited early: ${proc.stderr()}`);
        // A random few ms more, so the kill does not always land right after an acknowledged write.
        const pause = Math.floor(random() * 8);
        if (pause > 0) await new Promise((r) => setTimeout(r, pause));
      } finally {
        await proc.kill9();
      }
      for (const l of lines) {
        const [kind, name] = l.split(' ');
        if (kind === 'TOPIC') ackedTopics.add(name!);
        if (kind === 'GROUP') ackedGroups.add(name!);
      }

      // Every metadata file parses on its own: none is half written.
      const configDir = join(dir, 'config');
      for (const f of (await readdir(configDir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
        const text = await readFile(join(configDir, f), 'utf8');
        assert.doesNotThrow(() => JSON.parse(text), `round ${round}: ${f} is not whole JSON`);
      }
      const { broker, close } = await openBrokerAt(dir, 'async');
      try {
        const topics = new Set(broker.listTopics().map((t) => t.name));
        const groups = new Set(broker.listGroups().map((g) => g.name));
        for (const t of ackedTopics) assert.ok(topics.has(t), `round ${round}: acknowledged topic ${t} lost`);
        for (const g of ackedGroups) assert.ok(groups.has(g), `round ${round}: acknowledged group ${g} lost`);
        for (const t of broker.listTopics()) assert.ok(t.readQueueNums >= 1 && (t.messageType === 'NORMAL' || t.messageType === 'FIFO'), t.name);
      } finally {
        await close();
      }
    }
    assert.ok(ackedTopics.size >= ROUNDS * 2 && ackedGroups.size > 0);
  });

  it('ignores a leftover temp file from a crash during a write', async () => {
    const configDir = join(dir, 'config');
    const before = (JSON.parse(await readFile(join(configDir, 'topics.json'), 'utf8')) as { topics: unknown[] }).topics.length;
    await writeFile(join(configDir, '.topics.json.tmp'), '{"version":1,"topics":[{"name":"half');
    const { broker, close } = await openBrokerAt(dir, 'async');
    try {
      assert.equal(broker.listTopics().length, before);
      await broker.createTopic({ name: 'AfterTmp' });
    } finally {
      await close();
    }
    const after = JSON.parse(await readFile(join(configDir, 'topics.json'), 'utf8')) as { topics: Array<{ name: string }> };
    assert.equal(after.topics.length, before + 1);
    assert.ok(after.topics.some((t) => t.name === 'AfterTmp'));
  });
});
