/**
 * Transactions over remoting: a half message (TRAN_MSG + PGROUP) is invisible until END_TRANSACTION commits it;
 * ROLLBACK discards it; an UNKNOW one is checked back with CHECK_TRANSACTION_STATE on a live connection of its
 * own producer group only, and the producer's answer (END_TRANSACTION fromTransactionCheck) ends it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RemotingClient } from '../../src/client/remoting-client.js';
import { RequestCode, ResponseCode, SerializeType } from '../../src/protocol/remoting/codes.js';
import type { RemotingCommand } from '../../src/protocol/remoting/command.js';
import { decodeMessages, decodeProperties } from '../../src/protocol/remoting/message-codec.js';
import { bodies, pullHeader, sendV2, startRemotingHarness, waitFor, type RemotingHarness } from './support/remoting.js';

const heartbeat = (clientId: string, group: string): Buffer => Buffer.from(JSON.stringify({ clientID: clientId, producerDataSet: [{ groupName: group }], consumerDataSet: [] }));

describe('remoting: transactional messages and check-backs', () => {
  let h: RemotingHarness;
  let mine: RemotingClient;
  let other: RemotingClient;
  const checksMine: RemotingCommand[] = [];
  const checksOther: RemotingCommand[] = [];

  before(async () => {
    h = await startRemotingHarness({ transaction: { checkImmunityMs: 300, checkIntervalMs: 1000, maxChecks: 5, scanIntervalMs: 100 } });
    await h.running.broker.createTopic({ name: 'TxOrders', messageType: 'TRANSACTION', queueNums: 1 });
    mine = await h.client(SerializeType.JSON, (r) => void (r.code === RequestCode.CHECK_TRANSACTION_STATE && checksMine.push(r)));
    other = await h.client(SerializeType.ROCKETMQ, (r) => void (r.code === RequestCode.CHECK_TRANSACTION_STATE && checksOther.push(r)));
    assert.equal((await mine.invoke(RequestCode.HEART_BEAT, {}, heartbeat('10.0.0.1@1', 'pg-orders'))).code, ResponseCode.SUCCESS);
    assert.equal((await other.invoke(RequestCode.HEART_BEAT, {}, heartbeat('10.0.0.2@2', 'pg-other'))).code, ResponseCode.SUCCESS);
  });
  after(async () => {
    await h?.close();
  });

  const half = async (uniq: string, body: string): Promise<RemotingCommand> => {
    const r = await mine.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('TxOrders', 0, { TRAN_MSG: 'true', PGROUP: 'pg-orders', UNIQ_KEY: uniq, TAGS: 'tx' }, { a: 'pg-orders', f: '4' }), Buffer.from(body));
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(r.extFields['transactionId'], uniq, 'transaction id = the message unique key');
    return r;
  };
  const end = (r: RemotingCommand, uniq: string, kind: number, fromCheck = false): boolean =>
    mine.oneway(RequestCode.END_TRANSACTION, {
      producerGroup: 'pg-orders',
      tranStateTableOffset: r.extFields['queueOffset'] ?? '0',
      commitLogOffset: String(Number(BigInt('0x' + (r.extFields['msgId'] ?? '').slice(16)))),
      commitOrRollback: String(kind),
      fromTransactionCheck: String(fromCheck),
      msgId: uniq,
      transactionId: uniq,
    });
  const visible = async (): Promise<string[]> => bodies(await mine.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-tx', 'TxOrders', 0, 0)));

  test('COMMIT makes the message visible on its real topic; ROLLBACK never does', async () => {
    const c = await half('TXC00001', 'committed');
    const r = await half('TXR00001', 'rolled-back');
    assert.deepEqual(await visible(), [], 'half messages are invisible');
    end(c, 'TXC00001', 8);
    end(r, 'TXR00001', 12);
    await waitFor('commit applied', async () => ((await visible()).includes('committed') ? true : undefined));
    assert.deepEqual(await visible(), ['committed']);
    const [m] = decodeMessages((await mine.invoke(RequestCode.PULL_MESSAGE, pullHeader('g-tx', 'TxOrders', 0, 0))).body!);
    assert.equal(decodeProperties(m!.properties)['UNIQ_KEY'], 'TXC00001');
  });

  test('UNKNOW → check-back to a live producer of the same group only, with the half message; its COMMIT answer ends it', async () => {
    const u = await half('TXU00001', 'decided-later');
    end(u, 'TXU00001', 0); // UNKNOW
    const check = await waitFor('check-back', () => checksMine.find((x) => x.extFields['transactionId'] === 'TXU00001'));
    assert.equal(checksOther.length, 0, 'never asked a producer of another group');
    assert.equal(check.extFields['msgId'], 'TXU00001');
    assert.match(check.extFields['offsetMsgId'] ?? '', /^[0-9A-F]{32}$/);
    const [m] = decodeMessages(check.body!);
    assert.equal(m?.topic, 'TxOrders', 'real topic, not the half topic');
    assert.equal(m?.body.toString(), 'decided-later');
    const p = decodeProperties(m!.properties);
    assert.equal(p['PGROUP'], 'pg-orders');
    assert.equal(p['UNIQ_KEY'], 'TXU00001');
    assert.equal(p['TRAN_MSG'], 'true');
    mine.oneway(RequestCode.END_TRANSACTION, {
      producerGroup: 'pg-orders',
      tranStateTableOffset: check.extFields['tranStateTableOffset'] ?? '0',
      commitLogOffset: check.extFields['commitLogOffset'] ?? '0',
      commitOrRollback: '8',
      fromTransactionCheck: 'true',
      msgId: 'TXU00001',
      transactionId: check.extFields['transactionId'] ?? '',
    });
    await waitFor('checked transaction committed', async () => ((await visible()).includes('decided-later') ? true : undefined));
  });

  test('no live producer of the group: no check is sent, and it is not counted; bad END_TRANSACTION answers a code', async () => {
    const before = h.running.broker.transactionStats().checksSkippedNoProducer;
    const r = await other.invoke(RequestCode.SEND_MESSAGE_V2, sendV2('TxOrders', 0, { TRAN_MSG: 'true', PGROUP: 'pg-gone', UNIQ_KEY: 'TXG00001' }, { a: 'pg-gone', f: '4' }), Buffer.from('orphan'));
    assert.equal(r.code, ResponseCode.SUCCESS);
    await waitFor('a skipped check', () => (h.running.broker.transactionStats().checksSkippedNoProducer > before ? true : undefined));
    assert.equal(checksOther.filter((x) => x.extFields['transactionId'] === 'TXG00001').length, 0);
    assert.equal(checksMine.filter((x) => x.extFields['transactionId'] === 'TXG00001').length, 0);
    const weird = await other.invoke(RequestCode.END_TRANSACTION, { producerGroup: 'pg-gone', commitOrRollback: '5', msgId: 'TXG00001', transactionId: 'TXG00001' });
    assert.equal(weird.code, ResponseCode.INVALID_PARAMETER);
    const unknown = await other.invoke(RequestCode.END_TRANSACTION, { producerGroup: 'pg-gone', commitOrRollback: '8', msgId: 'NOPE', transactionId: 'NOPE' });
    assert.equal(unknown.code, ResponseCode.SYSTEM_ERROR, 'as RocketMQ: the half message is not found');
    assert.match(unknown.remark ?? '', /unknown transaction/);
    const missing = await other.invoke(RequestCode.END_TRANSACTION, { commitOrRollback: '8' });
    assert.equal(missing.code, ResponseCode.INVALID_PARAMETER);
    assert.match(missing.remark ?? '', /msgId/);
    assert.equal(h.running.broker.listTransactions('TxOrders').length, 1, 'only the orphan is pending');
  });
});
