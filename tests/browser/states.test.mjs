// Error states say what happened and what to do: the list when the API fails or cannot be
// reached (and recovers with "Try again"), an unknown message ID, a search with no match, and
// the connection mark when live updates are down, and their reconnection.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Mailjar, eventually, launch, message, newPage, screenshot, sendRaw } from './support.mjs';

describe('error and empty states', () => {
  let mj;
  let browser;

  before(async () => {
    mj = await new Mailjar().start();
    browser = await launch();
    await sendRaw(mj.smtpPort, { data: message({ subject: 'Only message' }) });
  });

  after(async () => {
    await browser?.close();
    await mj?.stop();
  });

  test('a failing API shows its reason and "Try again" recovers', async () => {
    const page = await newPage(browser);
    let fail = true;
    await page.route('**/api/v1/messages?*', (route) => (fail
      ? route.fulfill({ status: 500, contentType: 'text/plain', body: 'database is locked' })
      : route.continue()));
    await page.goto(`${mj.origin}/`);
    const card = page.locator('.state-error');
    await card.waitFor();
    assert.match(await card.textContent(), /Could not load messages.*database is locked/);
    await screenshot(page, 'state-api-error');
    fail = false;
    await card.locator('button').click();
    await page.locator('.msg-row').first().waitFor();
    await page.context().close();
  });

  test('an unreachable server is named as such', async () => {
    const page = await newPage(browser);
    await page.route('**/api/v1/messages?*', (route) => route.abort('connectionrefused'));
    await page.goto(`${mj.origin}/`);
    await page.locator('.state-error').waitFor();
    assert.match(await page.locator('.state-error').textContent(), /mailjar is not reachable.*still running/);
    await page.context().close();
  });

  test('live updates reconnect by themselves and catch up', async () => {
    const page = await newPage(browser);
    let connections = 0;
    await page.routeWebSocket(/\/api\/events$/, (ws) => {
      connections += 1;
      if (connections === 1) ws.close(); // the first connection drops at once
      else ws.connectToServer();
    });
    await page.goto(`${mj.origin}/`);
    await page.locator('.msg-row').first().waitFor();
    await eventually(async () => (await page.locator('#conn').getAttribute('data-state')) === 'open', { timeout: 10_000, what: 'reconnected' });
    assert.ok(connections >= 2);
    await sendRaw(mj.smtpPort, { data: message({ subject: 'After the reconnect' }) });
    await page.locator('.msg-row .subject', { hasText: 'After the reconnect' }).waitFor({ timeout: 5000 });
    await page.context().close();
  });

  test('unknown message, no search match, live updates down', async () => {
    const page = await newPage(browser);
    await page.routeWebSocket(/\/api\/events$/, (ws) => ws.close());
    await page.goto(`${mj.origin}/view/${'A'.repeat(22)}`);
    await page.locator('.state-error').waitFor();
    assert.match(await page.locator('.state-error').textContent(), /Message not found.*deleted or pruned/);
    await page.goto(`${mj.origin}/?q=${encodeURIComponent('subject:nothing-like-this')}`);
    await page.locator('.state-card').waitFor();
    assert.match(await page.locator('.state-card').textContent(), /No messages match\s*subject:nothing-like-this/);
    assert.notEqual(await page.locator('#conn').getAttribute('data-state'), 'open');
    await screenshot(page, 'state-no-match');
    await page.context().close();
  });
});
