/**
 * The web console in Chromium against a real broker fed by the official gRPC client: overview with live rate
 * charts, topics (create, validation, per-queue offsets), messages by key, consumer group lag and offset reset.
 * One browser for the file; each step leaves a screenshot in docs/console/ and fails on any page error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { officialProducer, officialSimpleConsumer, receiveUntil } from '../grpc/support/official.js';
import { adminJson, openConsole, startConsoleBroker, waitFor, type ConsoleBroker, type ConsoleBrowser } from './support.js';

const TOPIC = 'ConsoleOrders';
const GROUP = 'ConsoleBilling';
const SENT = 12;

let b: ConsoleBroker;
let ui: ConsoleBrowser;
let producer: Producer | undefined;
let consumer: SimpleConsumer | undefined;

before(async () => {
  b = await startConsoleBroker();
  ui = await openConsole();
});
after(async () => {
  await consumer?.shutdown().catch(() => undefined);
  await producer?.shutdown().catch(() => undefined);
  await ui?.close();
  await b?.close();
});

describe('web console pages', () => {
  it('serves the overview with health, endpoints and the store', async () => {
    const { page } = ui;
    await page.goto(b.url + '/');
    await page.getByTestId('health').getByText('serving').waitFor();
    assert.equal(await page.getByTestId('grpc-endpoint').locator('.value').textContent(), b.grpc);
    const status = await adminJson<{ version: string }>(b.url, 'GET', '/api/status');
    assert.equal(await page.getByTestId('version').locator('.value').textContent(), status.version);
    await page.getByTestId('segments').locator('.value').getByText(/^\d+$/).waitFor();
    // The broker reports its clients; none are connected yet in this first test.
    await page.getByText('No clients connected.').waitFor();
    ui.assertNoErrors();
  });

  it('creates a topic from the form, explains bad input, and lists it with its queues', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'Topics', exact: true }).click();
    assert.equal(new URL(page.url()).pathname, '/topics');
    const form = page.getByTestId('create-topic');
    // Client-side check, then the broker's own validation message, in words.
    await form.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('alert').getByText('Enter a topic name.').waitFor();
    await form.locator('input[name=name]').fill('has space');
    await form.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('alert').getByText(/Could not create the topic: .*characters outside.*ILLEGAL_TOPIC/).waitFor();
    ui.assertNoErrors(/status of 400/); // the browser logs the refused request itself

    await form.locator('input[name=name]').fill(TOPIC);
    await form.locator('input[name=queues]').fill('4');
    await form.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('status').getByText(`Created topic ${TOPIC} (NORMAL, 4 queues).`).waitFor();
    const row = page.getByTestId('topic-table').getByRole('row').filter({ hasText: TOPIC });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /NORMAL/);

    await row.getByRole('link', { name: TOPIC }).click();
    assert.equal(new URL(page.url()).pathname, `/topics/${TOPIC}`);
    await waitFor(async () => (await page.getByTestId('queue-table').locator('tbody tr').count()) === 4, 'four queue rows');
    ui.assertNoErrors();
    await ui.screenshot('topic');
  });

  it('shows the send rate chart move while the official client sends, and counts on the topic list', async () => {
    const { page } = ui;
    producer = officialProducer(b.grpc, TOPIC);
    await producer.startup();
    await page.goto(b.url + '/');
    await page.getByTestId('health').getByText('serving').waitFor();
    const chart = page.getByTestId('rate-chart');
    assert.match((await chart.getAttribute('data-max')) ?? '', /^send=0,/, 'nothing sent before');
    for (let i = 0; i < SENT; i++) {
      await producer.send({ topic: TOPIC, tag: 'paid', keys: [`order-${i}`], body: Buffer.from(JSON.stringify({ order: i, amount: 10 + i, currency: 'EUR' })) });
    }
    // The chart was flat (nothing sent yet); it shows the sends within a poll (3 s), live or as a stored sample.
    await waitFor(async () => {
      const max = (await chart.getAttribute('data-max')) ?? '';
      return Number(/send=([\d.]+)/.exec(max)?.[1] ?? 0) > 0;
    }, 'a positive send rate on the chart', 20_000).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; chart: ${await chart.evaluate((e) => e.outerHTML.slice(0, 300))}`);
    });
    assert.ok(Number(await chart.getAttribute('data-points')) >= 1);
    assert.equal(await chart.locator('canvas').count(), 1, 'uPlot drew a canvas');
    ui.assertNoErrors();
    await ui.screenshot('overview');

    await page.getByRole('link', { name: 'Topics', exact: true }).click();
    const row = page.getByTestId('topic-table').getByRole('row').filter({ hasText: TOPIC });
    await waitFor(async () => ((await row.textContent()) ?? '').includes(`${SENT}${SENT}`), 'the topic row counting the messages');
    await ui.screenshot('topics');
    ui.assertNoErrors();
  });

  it('finds a message by key and opens it: properties and body as JSON, text and hex', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    const form = page.getByTestId('by-key');
    await form.locator('input[name=topic]').fill(TOPIC);
    await form.locator('input[name=key]').fill('order-7');
    await form.getByRole('button', { name: 'Find by key' }).click();
    assert.equal(new URL(page.url()).search, `?topic=${TOPIC}&key=order-7`);
    const rows = page.getByTestId('message-table').locator('tbody tr');
    await waitFor(async () => (await rows.count()) === 1 && ((await rows.first().textContent()) ?? '').includes('order-7'), 'one message with key order-7');
    await rows.first().getByRole('link').click();
    assert.match(new URL(page.url()).pathname, /^\/messages\/.+/);
    const body = page.getByTestId('message-body');
    await body.getByText('"currency": "EUR"').waitFor();
    const fields = (await page.getByTestId('message-fields').textContent()) ?? '';
    assert.match(fields, /order-7/);
    assert.match(fields, /paid/);
    await page.getByRole('button', { name: 'hex' }).click();
    await body.getByText(/^00000000  7b 22 6f 72/).waitFor();
    await page.getByRole('button', { name: 'text' }).click();
    await body.getByText('{"order":7,"amount":17,"currency":"EUR"}').waitFor();
    await page.getByRole('button', { name: 'JSON' }).click();
    ui.assertNoErrors();
    await ui.screenshot('message');
  });

  it("shows a group's lag and resets its offset to the earliest after a confirmation", async () => {
    const { page } = ui;
    consumer = officialSimpleConsumer(b.grpc, GROUP, TOPIC, '*', 500);
    await consumer.startup();
    const got = await receiveUntil(consumer, SENT, 20_000);
    assert.equal(got.length, SENT);
    await consumer.shutdown();
    consumer = undefined;

    await page.getByRole('link', { name: 'Consumer groups', exact: true }).click();
    await page.getByTestId(`lag-${GROUP}`).getByText('0', { exact: true }).waitFor();
    await page.getByRole('link', { name: GROUP }).click();
    const lag = page.getByTestId('group-lag');
    await lag.getByText('Total lag: 0').waitFor();

    const form = page.getByTestId('reset-offset');
    await form.locator('select[name=topic]').selectOption(TOPIC);
    await form.locator('select[name=to]').selectOption('earliest');
    await form.getByRole('button', { name: 'Reset…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Reset group ${GROUP} on topic ${TOPIC} to earliest?`).waitFor();
    // Cancel changes nothing; Confirm resets.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await lag.getByText('Total lag: 0').waitFor();
    await form.getByRole('button', { name: 'Reset…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').getByText(/^Reset ConsoleBilling on ConsoleOrders to earliest/).waitFor();
    await lag.getByText(`Total lag: ${SENT}`).waitFor();
    ui.assertNoErrors();
    await ui.screenshot('group');

    await page.getByRole('link', { name: 'Consumer groups', exact: true }).click();
    await page.getByTestId(`lag-${GROUP}`).getByText(String(SENT), { exact: true }).waitFor();
    ui.assertNoErrors();
    await ui.screenshot('groups');
  });
});
