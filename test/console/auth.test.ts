/**
 * The web console with admin authentication on: a real broker with `auth.enabled` and an admin token, Chromium.
 * The console asks for the token, explains a refusal in words, works on every page once signed in, and forgets the
 * token on sign out. The token never shows in a URL, a request URL or any console message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openConsole, startConsoleBroker, type ConsoleBroker, type ConsoleBrowser } from './support.js';

const TOKEN = 'console-admin-token-7f3a';
const WRONG = 'not-the-token-91c2';
const TOPIC = 'ConsoleAuthTopic';
/** The browser's own log line for each refused API request; the only console errors this file expects. */
const REFUSED_401 = /Failed to load resource: the server responded with a status of 401 \(Unauthorized\)/;

let b: ConsoleBroker;
let ui: ConsoleBrowser;
/** Every console message of any type and every request URL, to check no secret leaks into them. */
const seen: string[] = [];

before(async () => {
  b = await startConsoleBroker({ auth: { enabled: true, adminToken: TOKEN } });
  ui = await openConsole();
  ui.page.on('console', (msg) => seen.push(`console ${msg.type()}: ${msg.text()}`));
  ui.page.on('request', (req) => seen.push(`request ${req.url()}`));
  ui.page.on('framenavigated', (frame) => seen.push(`navigated ${frame.url()}`));
});
after(async () => {
  await ui?.close();
  await b?.close();
});

/** The tab's storage as JSON (a string expression: the test's tsconfig has no DOM types). */
const storage = (kind: 'sessionStorage' | 'localStorage'): Promise<string> => ui.page.evaluate<string>(`JSON.stringify(Object.entries(${kind}))`);

describe('web console with admin authentication', () => {
  it('shows the token form on the overview, since the API answers 401', async () => {
    const { page } = ui;
    await page.goto(b.url + '/');
    const form = page.getByTestId('sign-in');
    await form.getByRole('alert').getByText(/The broker refused the request: admin token required .*\(UNAUTHORIZED\)/).waitFor();
    assert.equal(await form.locator('input[name=token]').getAttribute('type'), 'password');
    assert.equal(await page.getByTestId('health').count(), 0, 'no overview data without the token');
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    ui.assertNoErrors(REFUSED_401);
    await ui.screenshot('sign-in');
  });

  it('refuses a wrong token in words', async () => {
    const { page } = ui;
    const form = page.getByTestId('sign-in');
    await form.locator('input[name=token]').fill(WRONG);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('sign-in').getByRole('alert').getByText('The broker refused the request: admin token does not match (UNAUTHORIZED).').waitFor();
    // The refused token is not kept.
    assert.doesNotMatch(await storage('sessionStorage'), new RegExp(WRONG));
    ui.assertNoErrors(REFUSED_401);
  });

  it('shows the overview with real data after the right token, and keeps it across a reload of the tab', async () => {
    const { page } = ui;
    const form = page.getByTestId('sign-in');
    await form.locator('input[name=token]').fill(TOKEN);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('health').getByText('serving').waitFor();
    assert.equal(await page.getByTestId('grpc-endpoint').locator('.value').textContent(), b.grpc);
    assert.equal(await page.getByTestId('sign-in').count(), 0);
    assert.match(await storage('sessionStorage'), new RegExp(TOKEN), 'the token is kept for the tab');
    assert.doesNotMatch(await storage('localStorage'), new RegExp(TOKEN), 'never in localStorage');
    ui.assertNoErrors();

    await page.reload();
    await page.getByTestId('health').getByText('serving').waitFor();
    assert.equal(await page.getByTestId('sign-in').count(), 0);
    ui.assertNoErrors();
  });

  it('works on the topics page too: creates a topic and lists it', async () => {
    const { page } = ui;
    await page.getByRole('link', { name: 'Topics', exact: true }).click();
    const form = page.getByTestId('create-topic');
    await form.locator('input[name=name]').fill(TOPIC);
    await form.locator('input[name=queues]').fill('2');
    await form.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('status').getByText(`Created topic ${TOPIC} (NORMAL, 2 queues).`).waitFor();
    await page.getByTestId('topic-table').getByRole('row').filter({ hasText: TOPIC }).waitFor();
    // The broker has it: checked with the token, outside the browser.
    const res = await fetch(`${b.url}/api/topics/${TOPIC}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200, await res.text());
    ui.assertNoErrors();
  });

  it('brings the form back on sign out and forgets the token', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByTestId('sign-in').getByRole('alert').getByText('Signed out. Enter the admin token to use the console.').waitFor();
    assert.equal(await page.getByTestId('topic-table').count(), 0);
    assert.doesNotMatch(await storage('sessionStorage'), new RegExp(TOKEN));
    await page.reload();
    await page.getByTestId('sign-in').getByRole('alert').getByText(/admin token required/).waitFor();
    ui.assertNoErrors(REFUSED_401);
  });

  it('never put a token in a URL or a console message', () => {
    assert.ok(seen.some((s) => s.startsWith('request ') && s.includes('/api/')), 'the page did call the API');
    const leaks = seen.filter((s) => s.includes(TOKEN) || s.includes(WRONG));
    assert.deepEqual(leaks, []);
  });
});
