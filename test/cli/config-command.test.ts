/** `apogee config show|keys`: the same config loading as `apogee start`, through the real executable. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeTempDir, removeTempDirs, runCli } from '../helpers/broker-process.js';

after(removeTempDirs);

describe('apogee config', () => {
  it('show: file < env < flag, with the source of each value', async () => {
    const dir = await makeTempDir();
    const file = join(dir, 'apogee.json');
    await writeFile(file, JSON.stringify({ grpcPort: 1, httpPort: 2, retention: { checkIntervalMs: 3 } }));
    const r = await runCli(['config', 'show', '--json', '--config', file, '--http-port', '20', '--set', 'transaction.maxChecks=4', '--log-pretty'], {
      env: { APOGEE_HTTP_PORT: '10', APOGEE_RETENTION_CHECK_INTERVAL_MS: '30' },
    });
    assert.equal(r.code, 0, r.stderr);
    const { config, origins } = JSON.parse(r.stdout) as { config: Record<string, unknown> & { retention: { checkIntervalMs: number }; transaction: { maxChecks: number } }; origins: Record<string, string> };
    assert.equal(config.grpcPort, 1);
    assert.equal(config.httpPort, 20);
    assert.equal(config.retention.checkIntervalMs, 30);
    assert.equal(config.transaction.maxChecks, 4);
    assert.equal(config.logPretty, true);
    assert.deepEqual(origins, {
      grpcPort: `file ${file}`,
      httpPort: 'flag --http-port',
      'retention.checkIntervalMs': 'env APOGEE_RETENTION_CHECK_INTERVAL_MS',
      'transaction.maxChecks': 'flag --set transaction.maxChecks',
      logPretty: 'flag --log-pretty',
    });
  });

  it('show refuses what start refuses; keys lists every key', async () => {
    const [bad, keys] = await Promise.all([runCli(['config', 'show', '--set', 'nope=1']), runCli(['config', 'keys'])]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'error: config: unknown key "nope" in flag --set nope\n');
    assert.equal(keys.code, 0, keys.stderr);
    assert.match(keys.stdout, /^KEY\s+ENV\s+FLAG\s+DEFAULT\s+DESCRIPTION\n/);
    assert.match(keys.stdout, /\ngrpcPort\s+APOGEE_GRPC_PORT\s+--grpc-port\s+8081\s/);
  });
});
