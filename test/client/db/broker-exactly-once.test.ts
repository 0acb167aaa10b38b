/**
 * The exactly-once consumer end to end, in PostgreSQL and in MariaDB, with forced redeliveries: a consumer process
 * that processes orders but never acknowledges them (every committed first delivery answered RECONSUME_LATER, no
 * offset committed) is SIGKILLed, the broker is SIGKILLed and restarted on the same ports, and a second consumer
 * process of the group takes over. Every order's side-effect row is written exactly once, and the redeliveries are
 * seen being skipped.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { DatabaseDialect } from '../../../src/client/db/index.js';
import { Admin, Producer } from '../../../src/client/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { killSpawnedBrokers, removeTempDirs, spawnBroker } from '../../helpers/broker-process.js';
import { fastClient, unique, waitFor } from '../support/target.js';
import { mysqlTarget } from './support/mysql-target.js';
import { postgresTarget } from './support/postgres-target.js';
import { uniquePrefix, type ConformanceTarget } from './support.js';

const CHILD = fileURLToPath(new URL('./support/eo-consumer-child.js', import.meta.url));
const ORDERS = 20;

interface ConsumerChild {
  proc: ChildProcess;
  out(): string;
  count(what: 'PROCESSED' | 'DUPLICATE'): number;
}

function suite<Tx>(target: ConformanceTarget<Tx>): void {
  describe(`exactly-once consumer on ${target.name} through broker and consumer crashes`, () => {
    const prefix = uniquePrefix();
    const effects = `${prefix}effects`;
    let db: DatabaseDialect<Tx>;
    const children: ChildProcess[] = [];
    let producer: Producer | undefined;

    before(async () => {
      await target.connect();
      db = target.dialect({ tablePrefix: prefix });
      await db.migrate();
      await target.createBusinessTable(effects);
    });
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await producer?.shutdown();
      await killSpawnedBrokers();
      await removeTempDirs();
      try {
        await db?.dropTables();
        await target.dropTable(effects);
      } finally {
        await target.close();
      }
    });

    function startConsumer(namesrvAddr: string, group: string, topic: string, mode: 'lose-acks' | 'ack'): ConsumerChild {
      const kind = target.name === 'PostgreSQL' ? 'postgres' : 'mysql';
      const proc = spawn(process.execPath, [CHILD, kind, prefix, namesrvAddr, group, topic, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(proc);
      let out = '';
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
      return { proc, out: () => out, count: (what) => out.split('\n').filter((l) => l.startsWith(`${what} `)).length };
    }

    async function kill(child: ConsumerChild): Promise<void> {
      const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
      child.proc.kill('SIGKILL');
      await exited;
    }

    test('each order\'s side effect is written once despite lost acks, a killed consumer and a restarted broker', async () => {
      const first = await spawnBroker();
      const ns = first.namesrv!;
      const remoting = first.remoting!;
      const namesrvAddr = `${ns.host}:${ns.port}`;
      const topic = unique('sdk-db-eo');
      const group = unique('cg-db-eo');
      const admin = new Admin({ namesrvAddr, logger: silentLogger() });
      await admin.createTopic(topic);
      await admin.close();
      producer = new Producer({ producerGroup: unique('pg-db-eo'), namesrvAddr, ...fastClient });
      await producer.start();
      const bodies = Array.from({ length: ORDERS }, (_, i) => `${prefix}order-${i}`);
      const msgIds: string[] = [];
      for (const body of bodies) msgIds.push((await producer.send({ topic, body: Buffer.from(body) })).msgId);
      await producer.shutdown();
      producer = undefined;

      const a = startConsumer(namesrvAddr, group, topic, 'lose-acks');
      await waitFor(`the first consumer to process half the orders\n${a.out()}`, () => a.count('PROCESSED') >= ORDERS / 2, 30_000);
      await kill(a);
      await first.stop('SIGKILL');
      await spawnBroker({ dataDir: first.dataDir, args: ['--namesrv-port', String(ns.port), '--remoting-port', String(remoting.port)] });

      const b = startConsumer(namesrvAddr, group, topic, 'ack');
      const rowsPerOrder = async (): Promise<number[]> => Promise.all(bodies.map((body) => target.countBusinessRows(effects, body)));
      await waitFor(
        `every order processed and a redelivery skipped after the crash\nfirst consumer:\n${a.out()}\nsecond consumer:\n${b.out()}`,
        async () => b.count('DUPLICATE') >= 1 && (await rowsPerOrder()).every((n) => n >= 1),
        60_000,
        200,
      );
      assert.deepEqual(await rowsPerOrder(), bodies.map(() => 1), 'exactly one side-effect row per order');
      for (const msgId of msgIds) assert.equal(await db.isProcessed(group, msgId), true, `${msgId} recorded as processed`);
      // A line may be missing for a commit the SIGKILL beat to stdout, never one too many.
      assert.ok(a.count('PROCESSED') + b.count('PROCESSED') <= ORDERS, `no order reported processed twice (first ${a.count('PROCESSED')}, second ${b.count('PROCESSED')})`);
      await kill(b);
    });
  });
}

suite(postgresTarget());
suite(mysqlTarget());
