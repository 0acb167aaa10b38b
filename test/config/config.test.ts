import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONFIG_KEYS, ConfigError, loadConfig, parseConfig } from '../../src/config/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apogee-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: unknown): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

async function refused(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('config was accepted');
}

describe('config', () => {
  it('has the documented defaults', async () => {
    const { config, origins } = await loadConfig();
    assert.deepEqual(config, {
      dataDir: './data',
      host: '127.0.0.1',
      grpcPort: 8081,
      httpPort: 8082,
      namesrvPort: 9876,
      remotingPort: 10911,
      namesrvEnabled: true,
      remotingEnabled: true,
      clusterName: 'DefaultCluster',
      flush: 'sync',
      asyncFlushIntervalMs: 500,
      segmentSize: 1024 ** 3,
      maxBodySize: 4 * 1024 ** 2,
      maxDelayMs: 86_400_000,
      defaultTopicQueueNums: 8,
      retention: { fileReservedHours: 72, diskMaxUsedRatio: 0.85, checkIntervalMs: 60_000 },
      transaction: { checkImmunityMs: 6000, maxCheckImmunityMs: 3_600_000, checkIntervalMs: 30_000, maxChecks: 15, scanIntervalMs: 1000, maxChecksPerScan: 1000 },
      auth: { enabled: false, adminToken: '' },
      tls: { certPath: '', keyPath: '' },
      limits: {
        memoryBudgetBytes: 256 * 1024 ** 2,
        maxInFlightPerClient: 1000,
        maxInFlightGlobal: 10_000,
        maxLongPollsPerGroup: 1024,
        maxHeldPulls: 100_000,
        connectionWriteBufferBytes: 16 * 1024 ** 2,
        writeStallCloseMs: 60_000,
      },
      autoCreateGroups: true,
      brokerName: 'apogee',
      logLevel: 'info',
      logPretty: false,
    });
    assert.deepEqual(origins, {});
  });

  it('takes file < env < flag, per key, nested keys too', async () => {
    const configFile = await file('prec.json', { grpcPort: 1001, httpPort: 2001, flush: 'async', retention: { fileReservedHours: 5, checkIntervalMs: 7 } });
    const { config, origins } = await loadConfig({
      configFile,
      env: { APOGEE_GRPC_PORT: '1002', APOGEE_RETENTION_FILE_RESERVED_HOURS: '6', APOGEE_LOG_PRETTY: 'true', PATH: '/bin' },
      flags: [{ key: 'grpcPort', flag: '--grpc-port', value: '1003' }, { key: 'logLevel', flag: '--log-level', value: 'debug' }],
    });
    assert.equal(config.grpcPort, 1003); // flag over env over file
    assert.equal(config.httpPort, 2001); // file only
    assert.equal(config.flush, 'async');
    assert.equal(config.retention.fileReservedHours, 6); // env over file
    assert.equal(config.retention.checkIntervalMs, 7); // file, siblings kept
    assert.equal(config.retention.diskMaxUsedRatio, 0.85); // default
    assert.equal(config.logPretty, true);
    assert.equal(config.logLevel, 'debug');
    assert.equal(origins.grpcPort, 'flag --grpc-port');
    assert.equal(origins['retention.fileReservedHours'], 'env APOGEE_RETENTION_FILE_RESERVED_HOURS');
    assert.equal(origins.httpPort, `file ${configFile}`);
  });

  it('reads the config file named by APOGEE_CONFIG when no --config is given', async () => {
    const configFile = await file('envfile.json', { brokerName: 'from-file' });
    const { config } = await loadConfig({ env: { APOGEE_CONFIG: configFile } });
    assert.equal(config.brokerName, 'from-file');
  });

  it('refuses an unknown key in the file, naming key and file', async () => {
    const configFile = await file('unknown.json', { grpcPort: 1, retention: { fileReservedHour: 1 } });
    const err = await refused(loadConfig({ configFile }));
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]!.key, 'retention.fileReservedHour');
    assert.match(err.message, /unknown key "retention\.fileReservedHour" in file .*unknown\.json/);
  });

  it('refuses a bad value in the file, naming key and file', async () => {
    const configFile = await file('bad.json', { httpPort: 70000, flush: 'sometimes' });
    const err = await refused(loadConfig({ configFile }));
    assert.deepEqual(err.problems.map((p) => p.key).sort(), ['flush', 'httpPort']);
    assert.match(err.message, /bad value for "httpPort" in file .*bad\.json/);
    assert.match(err.message, /bad value for "flush" in file .*bad\.json/);
  });

  it('refuses a file value of the wrong JSON type (no string coercion in files)', async () => {
    const configFile = await file('str.json', { grpcPort: '8081' });
    const err = await refused(loadConfig({ configFile }));
    assert.match(err.message, /"grpcPort" in file/);
  });

  it('refuses a missing file, a non-JSON file and a non-object file', async () => {
    assert.match((await refused(loadConfig({ configFile: join(dir, 'missing.json') }))).message, /cannot read config file .*missing\.json: not found/);
    assert.match((await refused(loadConfig({ configFile: await file('broken.json', '{"grpcPort": ') }))).message, /is not valid JSON/);
    assert.match((await refused(loadConfig({ configFile: await file('array.json', [1]) }))).message, /must hold a JSON object/);
  });

  it('refuses a bad env value, naming key and variable and showing the value', async () => {
    const err = await refused(loadConfig({ env: { APOGEE_GRPC_PORT: 'abc' } }));
    assert.equal(err.problems[0]!.key, 'grpcPort');
    assert.equal(err.problems[0]!.source, 'env APOGEE_GRPC_PORT');
    assert.match(err.message, /bad value for "grpcPort" in env APOGEE_GRPC_PORT: .*\(got "abc"\)/);
  });

  it("refuses an unknown APOGEE_ variable but ignores APOGEE_ADMIN, the tools' APOGEE_COMPAT_/BENCH_/... and others", async () => {
    const err = await refused(
      loadConfig({ env: { APOGEE_GRPC_PROT: '1', APOGEE_ADMIN: 'http://x', APOGEE_COMPAT_ENDPOINT: 'h:1', APOGEE_BENCH_SECONDS: '1', HOME: '/root' } }),
    );
    assert.equal(err.problems.length, 1);
    assert.match(err.message, /unknown environment variable APOGEE_GRPC_PROT/);
  });

  it('refuses a bad flag value and an unknown --set key, naming the flag', async () => {
    const err = await refused(
      loadConfig({
        flags: [
          { key: 'flush', flag: '--flush', value: 'never' },
          { key: 'retention.nope', flag: '--set retention.nope', value: '1' },
          { key: 'logPretty', flag: '--log-pretty', value: 'maybe' },
        ],
      }),
    );
    assert.deepEqual(err.problems.map((p) => `${p.key} @ ${p.source}`).sort(), [
      'flush @ flag --flush',
      'logPretty @ flag --log-pretty',
      'retention.nope @ flag --set retention.nope',
    ]);
  });

  it('reports problems of every source at once', async () => {
    const configFile = await file('multi.json', { nope: 1 });
    const err = await refused(loadConfig({ configFile, env: { APOGEE_HTTP_PORT: '-1' }, flags: [{ key: 'segmentSize', flag: '--segment-size', value: '12' }] }));
    assert.deepEqual(err.problems.map((p) => p.source.split(' ')[0]), ['file', 'env', 'flag']);
  });

  it('coerces env and flag strings by the key type', async () => {
    const { config } = await loadConfig({
      env: { APOGEE_AUTO_CREATE_GROUPS: 'no', APOGEE_RETENTION_DISK_MAX_USED_RATIO: '0.5' },
      flags: [{ key: 'logPretty', flag: '--log-pretty', value: true }, { key: 'segmentSize', flag: '--segment-size', value: '1048576' }],
    });
    assert.equal(config.autoCreateGroups, false);
    assert.equal(config.retention.diskMaxUsedRatio, 0.5);
    assert.equal(config.logPretty, true);
    assert.equal(config.segmentSize, 1048576);
  });

  it('derives one env variable and one flag per key, all distinct', () => {
    const byKey = new Map(CONFIG_KEYS.map((k) => [k.key, k]));
    assert.equal(byKey.get('grpcPort')!.env, 'APOGEE_GRPC_PORT');
    assert.equal(byKey.get('dataDir')!.flag, '--data-dir');
    assert.equal(byKey.get('retention.checkIntervalMs')!.env, 'APOGEE_RETENTION_CHECK_INTERVAL_MS');
    assert.equal(new Set(CONFIG_KEYS.map((k) => k.env)).size, CONFIG_KEYS.length);
    assert.equal(new Set(CONFIG_KEYS.map((k) => k.flag)).size, CONFIG_KEYS.length);
    for (const k of CONFIG_KEYS) assert.ok(k.description.length > 0, `${k.key} has a description`);
  });

  it('parseConfig validates a whole object from one source', () => {
    assert.equal(parseConfig({ grpcPort: 0 }, 'options').grpcPort, 0);
    assert.throws(() => parseConfig({ grpcport: 0 }, 'startBroker options'), /unknown key "grpcport" in startBroker options/);
    assert.throws(() => parseConfig({ brokerName: 'a b' }, 'startBroker options'), /bad value for "brokerName"/);
  });
});
