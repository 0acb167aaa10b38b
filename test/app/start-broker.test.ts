/** Embedded start: `startBroker` in this process, several at once, idempotent close, refused options. */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, silentLogger, startBroker, type RunningBroker } from '../../src/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/broker-process.js';

const started: RunningBroker[] = [];
after(async () => {
  await Promise.all(started.map((b) => b.close()));
  await removeTempDirs();
});

async function start(dataDir: string): Promise<RunningBroker> {
  const b = await startBroker({ dataDir, grpcPort: 0, httpPort: 0, namesrvPort: 0, remotingPort: 0, logger: silentLogger() });
  started.push(b);
  return b;
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

describe('startBroker', () => {
  it('runs two brokers in one process on different data dirs, each with its own state and ports', async () => {
    const [dirA, dirB] = await Promise.all([makeTempDir(), makeTempDir()]);
    const [a, b] = await Promise.all([start(dirA), start(dirB)]);
    assert.equal(a.dataDir, dirA);
    assert.equal(b.dataDir, dirB);
    assert.equal(a.state, 'serving');
    const ports = new Set([a.grpcEndpoint.port, a.httpEndpoint.port, b.grpcEndpoint.port, b.httpEndpoint.port]);
    assert.equal(ports.size, 4);

    await a.broker.createTopic({ name: 'OnlyInA', messageType: 'NORMAL' });
    await a.broker.send({ topic: 'OnlyInA', body: Buffer.from('x'), messageType: 'NORMAL' });
    assert.ok(a.broker.getTopic('OnlyInA'));
    assert.equal(b.broker.getTopic('OnlyInA'), undefined);

    // Each admin port serves its own broker and its own metrics registry.
    const topicsOf = async (r: RunningBroker): Promise<string[]> => {
      const res = await fetch(`http://${r.httpEndpoint.host}:${r.httpEndpoint.port}/api/topics`);
      return ((await res.json()) as { topics: Array<{ name: string }> }).topics.map((t) => t.name);
    };
    assert.ok((await topicsOf(a)).includes('OnlyInA'));
    assert.ok(!(await topicsOf(b)).includes('OnlyInA'));
    const metricsOf = async (r: RunningBroker): Promise<string> =>
      (await fetch(`http://${r.httpEndpoint.host}:${r.httpEndpoint.port}/metrics`)).text();
    assert.match(await metricsOf(a), /^apogee_messages_appended_total\{topic="OnlyInA"\} 1$/m);
    assert.doesNotMatch(await metricsOf(b), /OnlyInA/);

    const health = await fetch(`http://${b.httpEndpoint.host}:${b.httpEndpoint.port}/healthz`);
    assert.equal(health.status, 200);
  });

  it('close() is idempotent, stops the ports and leaves no abort marker', async () => {
    const dir = await makeTempDir();
    const b = await start(dir);
    const url = `http://${b.httpEndpoint.host}:${b.httpEndpoint.port}/healthz`;
    assert.equal((await fetch(url)).status, 200);
    const p1 = b.close();
    const p2 = b.close();
    await Promise.all([p1, p2]);
    await b.close();
    assert.equal(b.state, 'stopped');
    await assert.rejects(fetch(url), 'admin port closed');
    assert.equal(await exists(join(dir, 'abort')), false);
    // The data dir can be opened again in the same process.
    const again = await start(dir);
    assert.equal(again.state, 'serving');
    await again.close();
  });

  it('refuses bad options with a ConfigError naming the key, and opens nothing', async () => {
    const dir = await makeTempDir();
    await assert.rejects(
      startBroker({ dataDir: dir, grpcPort: 70000, logger: silentLogger() }),
      (err: unknown) => err instanceof ConfigError && /"grpcPort" in startBroker options/.test(err.message),
    );
    await assert.rejects(
      startBroker({ dataDir: dir, ...({ grpcPrt: 1 } as object), logger: silentLogger() }),
      (err: unknown) => err instanceof ConfigError && /unknown key "grpcPrt"/.test(err.message),
    );
    assert.equal(await exists(join(dir, 'config')), false, 'nothing written');
  });

  it('closes what it opened when a later step of the start fails', async () => {
    const blocker = await start(await makeTempDir());
    const dir = await makeTempDir();
    await assert.rejects(
      startBroker({ dataDir: dir, grpcPort: blocker.grpcEndpoint.port, httpPort: 0, namesrvPort: 0, remotingPort: 0, logger: silentLogger() }),
      /EADDRINUSE|address already in use|No address added/i,
    );
    assert.equal(await exists(join(dir, 'abort')), false, 'the store was closed again');
  });
});
