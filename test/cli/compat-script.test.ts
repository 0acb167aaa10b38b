/** `npm run compat` (scripts/compat.mjs) against a real spawned broker: prepares the official client suite's topics. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, closedPort, killSpawnedBrokers, removeTempDirs, spawnBroker, type SpawnedBroker } from '../helpers/broker-process.js';

/** build/test/cli/ → scripts/compat.mjs */
const COMPAT = fileURLToPath(new URL('../../../scripts/compat.mjs', import.meta.url));

function compat(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [COMPAT, ...args], { env: cleanEnv(), timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run compat', () => {
  let broker: SpawnedBroker;
  before(async () => {
    broker = await spawnBroker();
  });
  after(async () => {
    await killSpawnedBrokers();
    await removeTempDirs();
  });

  it('creates one topic per message type, is idempotent, and prints the endpoint to test', async () => {
    const first = await compat('--admin', broker.adminUrl);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /created topic TopicTestForTransaction \(TRANSACTION\)/);
    assert.ok(first.stdout.includes(`ROCKETMQ_NODEJS_CLIENT_ENDPOINTS=${broker.grpc.host}:${broker.grpc.port}`), first.stdout);
    const res = await fetch(`${broker.adminUrl}/api/topics`);
    const { topics } = (await res.json()) as { topics: Array<{ name: string; messageType: string }> };
    const types = Object.fromEntries(topics.map((t) => [t.name, t.messageType]));
    assert.deepEqual(
      ['TopicTestForNormal', 'TopicTestForFifo', 'TopicTestForDelay', 'TopicTestForTransaction'].map((n) => types[n]),
      ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'],
    );
    const again = await compat('--admin', broker.adminUrl);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /topic TopicTestForFifo \(FIFO\) already there/);
  });

  it('refuses a broker where the suite’s must-not-exist topic exists, or a suite topic has another type', async () => {
    const create = (name: string, messageType: string) =>
      fetch(`${broker.adminUrl}/api/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, messageType }) });
    assert.equal((await create('TopicTest-not-exists', 'NORMAL')).status, 201);
    const r = await compat('--admin', broker.adminUrl);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TopicTest-not-exists exists/);
    await fetch(`${broker.adminUrl}/api/topics/TopicTest-not-exists`, { method: 'DELETE' });
    await fetch(`${broker.adminUrl}/api/topics/TopicTestForDelay`, { method: 'DELETE' });
    assert.equal((await create('TopicTestForDelay', 'NORMAL')).status, 201);
    const wrong = await compat('--admin', broker.adminUrl);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /TopicTestForDelay exists with type NORMAL, the suite needs DELAY/);
  });

  it('exits 3 with a clear message when the broker is down', async () => {
    const r = await compat('--admin', `http://127.0.0.1:${await closedPort()}`);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot reach broker admin at http:\/\/127\.0\.0\.1:\d+/);
  });
});
