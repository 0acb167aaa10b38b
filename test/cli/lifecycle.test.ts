/** `apogee start` as a process: clean stop on signals, metadata across restarts, refused configs, broker down. */
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { closedPort, killSpawnedBrokers, makeTempDir, removeTempDirs, runCli, spawnBroker, type CliResult } from '../helpers/broker-process.js';

after(async () => {
  await killSpawnedBrokers();
  await removeTempDirs();
});

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

function ok(r: CliResult): string {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

describe('apogee start', () => {
  it('prints exactly one ready line on stdout and logs JSON on stderr', async () => {
    const b = await spawnBroker({ args: ['--log-level', 'info', '--flush', 'async', '--host', '127.0.0.1'] });
    assert.ok(b.namesrv && b.remoting, 'the ready line names the name server and remoting endpoints');
    assert.equal(
      b.stdout(),
      `apogee ready grpc=127.0.0.1:${b.grpc.port} http=127.0.0.1:${b.http.port} namesrv=127.0.0.1:${b.namesrv.port} remoting=127.0.0.1:${b.remoting.port} data=${b.dataDir}\n`,
    );
    assert.equal(new Set([b.grpc.port, b.http.port, b.namesrv.port, b.remoting.port]).size, 4, 'four distinct ports');
    const effective = b
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; config?: { dataDir: string; grpcPort: number; flush: string; host: string } })
      .find((l) => l.msg === 'effective config');
    assert.ok(effective?.config, 'effective config logged');
    assert.equal(effective.config.dataDir, b.dataDir);
    assert.equal(effective.config.grpcPort, 0);
    assert.equal(effective.config.flush, 'async');
    assert.equal(effective.config.host, '127.0.0.1');
    const status = JSON.parse(ok(await runCli(['status', '--json', '--admin', b.adminUrl]))) as { flush: string };
    assert.equal(status.flush, 'async', 'the running broker uses the flag');
    const exit = await b.stop('SIGTERM');
    assert.equal(exit.code, 0);
  });

  it('--log-pretty writes short human lines instead of JSON', async () => {
    const b = await spawnBroker({ args: ['--log-level', 'info', '--log-pretty'] });
    const lines = b.stderr().split('\n').filter((l) => l.length > 0);
    assert.ok(lines.some((l) => /^info effective config \{/.test(l)), b.stderr());
    assert.ok(lines.every((l) => !l.startsWith('{')), `no JSON lines:\n${b.stderr()}`);
    assert.equal((await b.stop('SIGTERM')).code, 0);
  });

  it('stops cleanly on SIGTERM and SIGINT within 5 s with exit 0 and no abort marker; metadata survives restarts', async () => {
    const dataDir = await makeTempDir();
    const first = await spawnBroker({ dataDir });
    const admin = ['--admin', first.adminUrl];
    ok(await runCli(['topic', 'create', 'Durable', '--type', 'FIFO', '--queues', '3', ...admin]));
    ok(await runCli(['group', 'create', 'DurableGroup', '--max-delivery-attempts', '4', ...admin]));
    ok(await runCli(['message', 'send', '--topic', 'Durable', '--body', 'kept', '--message-group', 'g', ...admin]));
    const stop1 = await first.stop('SIGTERM');
    assert.deepEqual({ code: stop1.code, signal: stop1.signal }, { code: 0, signal: null }, first.stderr());
    assert.ok(stop1.ms < 5000, `stopped in ${stop1.ms} ms`);
    assert.equal(await exists(join(dataDir, 'abort')), false, 'clean stop removes the abort marker');

    const second = await spawnBroker({ dataDir });
    const admin2 = ['--admin', second.adminUrl];
    assert.match(ok(await runCli(['topic', 'list', ...admin2])), /\nDurable\s+FIFO\s+3\s+3\s+RW\s/);
    assert.match(ok(await runCli(['group', 'list', ...admin2])), /\nDurableGroup\s+no\s+4\s/);
    const d = JSON.parse(ok(await runCli(['topic', 'describe', 'Durable', '--json', ...admin2]))) as { queues: Array<{ maxOffset: number }> };
    assert.equal(d.queues.reduce((s, q) => s + q.maxOffset, 0), 1, 'the stored message is still counted');
    const stop2 = await second.stop('SIGINT');
    assert.deepEqual({ code: stop2.code, signal: stop2.signal }, { code: 0, signal: null }, second.stderr());
    assert.ok(stop2.ms < 5000, `stopped in ${stop2.ms} ms`);
    assert.equal(await exists(join(dataDir, 'abort')), false);
  });

  it('refuses a bad config at start, naming the key and where it came from', async () => {
    const dir = await makeTempDir();
    const configFile = join(dir, 'apogee.json');
    await writeFile(configFile, JSON.stringify({ grpcPort: 0, retention: { keepForever: true } }));
    const [flag, env, file, unknownFlag] = await Promise.all([
      runCli(['start', '--data-dir', dir, '--flush', 'sometimes']),
      runCli(['start', '--data-dir', dir], { env: { APOGEE_HTTP_PORT: 'eighty' } }),
      runCli(['start', '--config', configFile]),
      runCli(['start', '--data-dir', dir, '--grpc-prot', '1']),
    ]);
    for (const r of [flag, env, file, unknownFlag]) {
      assert.equal(r.code, 2, `exit 2 expected\nstderr: ${r.stderr}`);
      assert.equal(r.stdout, '', 'no ready line');
    }
    assert.match(flag.stderr, /^error: config: bad value for "flush" in flag --flush: .*\(got "sometimes"\)\n$/);
    assert.match(env.stderr, /^error: config: bad value for "httpPort" in env APOGEE_HTTP_PORT: .*\(got "eighty"\)\n$/);
    assert.match(file.stderr, /^error: config: unknown key "retention\.keepForever" in file .*apogee\.json\n$/);
    assert.match(unknownFlag.stderr, /^error: unknown option '--grpc-prot'/);
  });

  it('fails with exit 1 and a clear message when its port is taken', async () => {
    const b = await spawnBroker();
    const r = await runCli(['start', '--data-dir', await makeTempDir(), '--grpc-port', '0', '--namesrv-port', '0', '--remoting-port', '0', '--http-port', String(b.http.port), '--log-level', 'silent']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: cannot start broker: .*EADDRINUSE/m);
    await b.stop();
  });
});

describe('client commands with no broker', () => {
  it('exit 3 with "cannot reach broker admin at URL"', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    // Every client command, so none of them swallows the error or reports it as a refusal.
    const commands: string[][] = [
      ['topic', 'create', 'T', '--type', 'NORMAL'],
      ['topic', 'update', 'T', '--queues', '2'],
      ['topic', 'list'],
      ['topic', 'describe', 'T'],
      ['topic', 'delete', 'T'],
      ['group', 'create', 'G'],
      ['group', 'update', 'G', '--fifo'],
      ['group', 'list'],
      ['group', 'describe', 'G'],
      ['group', 'delete', 'G'],
      ['group', 'reset-offset', 'G', '--topic', 'T', '--to', 'earliest'],
      ['message', 'send', '--topic', 'T', '--body', 'x'],
      ['message', 'get', 'ID'],
      ['message', 'query', '--topic', 'T', '--key', 'K'],
      ['status'],
    ];
    const results = await Promise.all([
      ...commands.map((c) => runCli([...c, '--admin', url])),
      runCli(['status'], { env: { APOGEE_ADMIN: url } }),
    ]);
    for (const [i, r] of results.entries()) {
      const what = (commands[i] ?? ['status (APOGEE_ADMIN)']).join(' ');
      assert.equal(r.code, 3, `${what}: ${r.stderr}`);
      assert.equal(r.stdout, '', what);
      assert.equal(r.stderr, `error: cannot reach broker admin at ${url} (ECONNREFUSED)\n`, what);
    }
  });
});
