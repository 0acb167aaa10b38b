/**
 * A producer process SIGKILLed in the middle of its local transaction (half message stored, no END_TRANSACTION):
 * the broker's check-back goes to another live producer of the same group, whose answer (COMMIT) makes the
 * message deliverable, once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { LocalTransactionState, TransactionProducer, type MessageExt } from '../../src/client/index.js';
import { collect, type Collector } from './support/collector.js';
import { fastClient, startTarget, unique, waitFor, type SdkTarget } from './support/target.js';

const CHILD = fileURLToPath(new URL('./support/tx-producer-child.js', import.meta.url));

describe('sdk: a SIGKILLed transaction producer', () => {
  let target: SdkTarget;
  let collector: Collector;
  let survivor: TransactionProducer | undefined;
  let child: ChildProcess | undefined;

  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    child?.kill('SIGKILL');
    await survivor?.shutdown();
    await collector?.consumer.shutdown();
    await target?.close();
  });

  test('another producer of the same group answers the check-back → COMMIT, consumed once', async () => {
    const topic = await target.topic('sdk-tx-crash', { messageType: 'TRANSACTION' });
    const group = unique('pg-crash');
    collector = await collect(target.namesrvAddr, topic);
    const checks: MessageExt[] = [];
    survivor = new TransactionProducer({
      producerGroup: group,
      namesrvAddr: target.namesrvAddr,
      ...fastClient,
      listener: {
        executeLocalTransaction: () => LocalTransactionState.UNKNOW,
        checkLocalTransaction: (m) => {
          checks.push(m);
          return LocalTransactionState.COMMIT_MESSAGE;
        },
      },
    });
    await survivor.start();

    const proc = spawn(process.execPath, [CHILD, target.namesrvAddr, group, topic, 'from-the-dead'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    let err = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_c, s) => resolve(s)));
    const transactionId = await waitFor(`the child's local transaction (stderr: ${err})`, () => /EXECUTING (\S+)/.exec(out)?.[1], 30_000);
    proc.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    await waitFor('delivery after the survivor answered', () => collector.count('from-the-dead') === 1, 60_000);
    const check = checks.find((m) => m.transactionId === transactionId);
    assert.ok(check, 'the survivor was asked about the dead producer\'s transaction');
    assert.equal(check.producerGroup, group);
    assert.equal(collector.messages.find((m) => m.body.toString() === 'from-the-dead')?.msgId, transactionId);
  });
});
