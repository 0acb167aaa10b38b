/**
 * A topic or group change whose file cannot be written (a full or read-only disk; here the temp file's path is a
 * directory) is taken back in memory: the caller got an error, so the broker must not serve the change, and a
 * retry once the file can be written again succeeds.
 */
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GroupRegistry } from '../../src/broker/group-registry.js';
import { TopicRegistry } from '../../src/broker/topic-registry.js';
import { tempDir } from '../store/helpers.js';

describe('broker: metadata changes whose save fails are taken back', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir('apogee-meta-undo-')));
  after(async () => cleanup());

  it('topics: create, update and delete', async () => {
    const topics = new TopicRegistry(dir, 4, () => 1);
    await topics.load();
    await topics.create({ name: 'Kept', queueNums: 2 });
    const blocker = join(dir, '.topics.json.tmp');
    await mkdir(blocker);
    await assert.rejects(topics.create({ name: 'New' }));
    assert.equal(topics.get('New'), undefined, 'a failed create is not served');
    await assert.rejects(topics.update({ name: 'Kept', queueNums: 8 }));
    assert.equal(topics.get('Kept')?.writeQueueNums, 2, 'a failed update is taken back');
    await assert.rejects(topics.delete('Kept'));
    assert.ok(topics.get('Kept'), 'a failed delete is taken back');
    await rm(blocker, { recursive: true });
    await topics.create({ name: 'New' });
    const reloaded = new TopicRegistry(dir, 4, () => 1);
    await reloaded.load();
    assert.deepEqual(reloaded.list().map((t) => [t.name, t.writeQueueNums]), [['Kept', 2], ['New', 4]]);
  });

  it('groups: create', async () => {
    const groups = new GroupRegistry(dir, () => 1);
    await groups.load();
    const blocker = join(dir, '.groups.json.tmp');
    await mkdir(blocker);
    await assert.rejects(groups.create({ name: 'g-new' }));
    assert.equal(groups.get('g-new'), undefined);
    await rm(blocker, { recursive: true });
    await groups.create({ name: 'g-new' });
    assert.ok(groups.get('g-new'));
  });
});
