/**
 * The console's operator actions in Chromium against a real broker fed by the official gRPC client: resend a
 * dead letter and see it consumed again, commit a stuck half message by hand and see the consumer receive it,
 * and a broker that goes away and comes back. Screenshots go to docs/console/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startBroker } from '../../src/app.js';
import { silentLogger } from '../../src/util/logger.js';
import { officialProducer, officialSimpleConsumer, receiveUntil } from '../grpc/support/official.js';
import { startConsumer, startTxProducer } from '../grpc/support/tx-support.js';
import { adminJson, openConsole, startConsoleBroker, waitFor, type ConsoleBroker, type ConsoleBrowser } from './support.js';

let b: ConsoleBroker;
let ui: ConsoleBrowser;
const clients: Array<Producer | SimpleConsumer> = [];

before(async () => {
  b = await startConsoleBroker();
  ui = await openConsole();
});
/** Clients are stopped before the broker goes away (a client shutting down against a dead endpoint can hang). */
async function shutdownClients(): Promise<void> {
  for (const c of clients.splice(0)) await c.shutdown().catch(() => undefined);
}

after(async () => {
  await shutdownClients();
  await ui?.close();
  await b?.close();
});

describe('web console operations', () => {
  it('lists a dead letter and resends it to its original topic, where the group consumes it again', async () => {
    const topic = 'ConsolePayments';
    const group = 'ConsoleLedger';
    await adminJson(b.url, 'POST', '/api/topics', { name: topic, queueNums: 1 });
    await adminJson(b.url, 'POST', '/api/groups', { name: group, maxDeliveryAttempts: 1 });
    const producer = officialProducer(b.grpc, topic);
    await producer.startup();
    clients.push(producer);
    const sent = await producer.send({ topic, keys: ['payment-42'], body: Buffer.from('{"payment":42,"status":"poison"}') });
    const consumer = officialSimpleConsumer(b.grpc, group, topic, '*', 500);
    await consumer.startup();
    clients.push(consumer);
    // One delivery, never acked: after its invisible time the group's single attempt is used up.
    assert.equal((await receiveUntil(consumer, 1, 10_000, { ack: false, invisibleMs: 1000 })).length, 1);
    await waitFor(async () => {
      await consumer.receive(1, 1000).catch(() => []);
      return (await adminJson<{ deadLettered: number }>(b.url, 'GET', `/api/groups/${group}`)).deadLettered === 1;
    }, 'the message in %DLQ%' + group, 20_000);

    const { page } = ui;
    await page.goto(b.url + '/dead-letters');
    await page.getByTestId('dlq-groups').getByRole('link', { name: group }).click();
    assert.equal(new URL(page.url()).pathname, `/dead-letters/${group}`);
    const row = page.getByTestId('message-table').locator('tbody tr').filter({ hasText: sent.messageId });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /payment-42/);
    await row.getByRole('button', { name: 'Resend', exact: true }).click();
    await page.getByRole('status').getByText(new RegExp(`^Resent ${sent.messageId} to topic ${topic} as \\S+\\.$`)).waitFor();
    ui.assertNoErrors();
    await ui.screenshot('dead-letters');

    const again = await receiveUntil(consumer, 1, 15_000);
    assert.equal(again.length, 1);
    assert.equal(again[0]!.body.toString(), '{"payment":42,"status":"poison"}');
    assert.notEqual(again[0]!.messageId, sent.messageId, 'a copy with a new id');
    await shutdownClients();
  });

  it('commits a stuck half message by hand after a confirmation, and the consumer receives it', async () => {
    const topic = 'ConsoleTxOrders';
    const group = 'ConsoleTxShipping';
    await adminJson(b.url, 'POST', '/api/topics', { name: topic, messageType: 'TRANSACTION', queueNums: 1 });
    // The producer never decides: every check-back answers UNKNOWN, so the half message stays pending.
    const producer = await startTxProducer(b.grpc, topic, () => 0);
    clients.push(producer);
    const consumer = await startConsumer(b.grpc, group, topic);
    clients.push(consumer);
    const receipt = await producer.send({ topic, keys: ['order-9'], body: Buffer.from('{"order":9}') }, producer.beginTransaction());
    const txId = receipt.transactionId;
    assert.equal((await consumer.receive(8, 10_000)).length, 0, 'nothing delivered before the commit');

    const { page } = ui;
    await page.getByRole('link', { name: 'Transactions', exact: true }).click();
    const row = page.getByTestId('pending-tx').locator('tbody tr').filter({ hasText: txId });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    assert.match(text, new RegExp(topic));
    assert.match(text, /pending|checking/);
    await ui.screenshot('transactions');
    await row.getByRole('button', { name: 'Commit' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Commit transaction ${txId}?`, { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText(`Transaction ${txId}: committed.`).waitFor();
    await row.waitFor({ state: 'detached' });

    const got = await receiveUntil(consumer, 1, 15_000);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body.toString(), '{"order":9}');

    // The same rules as the CLI: rolling back a committed transaction is refused, in words.
    const refused = await page.evaluate(async (id) => (await fetch(`/api/transactions/${id}/rollback`, { method: 'POST' })).status, txId);
    assert.equal(refused, 400);
    ui.assertNoErrors(/status of 400/);
    await shutdownClients();
  });

  it('lists a given-up half message and resends it after a confirmation; the consumer receives it', async () => {
    // A broker of its own that gives up after one unanswered check-back, quickly.
    const quick = await startConsoleBroker({ transaction: { checkImmunityMs: 100, checkIntervalMs: 100, maxChecks: 1, scanIntervalMs: 50 } });
    try {
      const topic = 'ConsoleTxRefunds';
      await adminJson(quick.url, 'POST', '/api/topics', { name: topic, messageType: 'TRANSACTION', queueNums: 1 });
      const producer = await startTxProducer(quick.grpc, topic, () => 0);
      clients.push(producer);
      const consumer = await startConsumer(quick.grpc, 'ConsoleTxAccounting', topic);
      clients.push(consumer);
      const receipt = await producer.send({ topic, body: Buffer.from('{"refund":5}') }, producer.beginTransaction());
      await waitFor(async () => {
        const r = await adminJson<{ transactions: Array<{ transactionId: string; state: string }> }>(quick.url, 'GET', '/api/transactions/given-up');
        return r.transactions.some((t) => t.transactionId === receipt.transactionId && t.state === 'given-up');
      }, 'the half message given up', 20_000);

      const { page } = ui;
      await page.goto(quick.url + '/transactions');
      const row = page.getByTestId('given-up-tx').locator('tbody tr').filter({ hasText: receipt.transactionId });
      await row.waitFor();
      await ui.screenshot('transactions-given-up');
      await row.getByRole('button', { name: 'Resend' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('status').getByText(`Transaction ${receipt.transactionId}: committed.`).waitFor();
      await row.getByText('ended').waitFor();
      const got = await receiveUntil(consumer, 1, 15_000);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.body.toString(), '{"refund":5}');
      ui.assertNoErrors();
      await shutdownClients();
    } finally {
      await quick.close();
    }
  });

  it('says when the broker is gone and recovers by itself when it is back', async () => {
    const { page } = ui;
    await page.goto(b.url + '/');
    await page.getByTestId('health').getByText('serving').waitFor();
    const port = b.broker.httpEndpoint.port;
    const dataDir = b.broker.dataDir;
    await b.broker.close();
    await page.getByTestId('broker-down').waitFor();
    await page.getByTestId('connection').getByText('broker unreachable').waitFor();
    await page.getByTestId('health').getByText('no answer').waitFor();
    await ui.screenshot('broker-down');

    // Same data directory and admin port: the page's polling finds it again.
    const back = await startBroker({ dataDir, host: '127.0.0.1', httpPort: port, grpcPort: 0, namesrvPort: 0, remotingPort: 0, flush: 'async', logger: silentLogger() });
    b.broker = back;
    await page.getByTestId('connection').getByText('connected').waitFor({ timeout: 20_000 });
    await page.getByTestId('broker-down').waitFor({ state: 'detached' });
    await page.getByTestId('health').getByText('serving').waitFor();
    ui.assertNoErrors(/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|status of 503/);
  });
});
