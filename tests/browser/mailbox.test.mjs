// The web UI end to end in Chromium: empty state with the real SMTP address, mail sent over SMTP
// appearing live (title and unread count too), opening it (marks it read), every tab (HTML in a
// sandboxed frame, Text escaping <b>, Headers, Raw, Attachments, Envelope), search and clickable
// tags, delete (one and all), dark mode, keyboard shortcuts, the app's own CSP.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Mailjar, PNG, eventually, launch, message, newPage, screenshot, sendRaw } from './support.mjs';

describe('mailbox UI', () => {
  let mj;
  let browser;
  let page;

  before(async () => {
    mj = await new Mailjar().start();
    browser = await launch();
    page = await newPage(browser);
  });

  after(async () => {
    await browser?.close();
    await mj?.stop();
  });

  test('the app shell is served with a nonce CSP and no console errors', async () => {
    const res = await page.goto(mj.origin + '/');
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'];
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/]+'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers()['referrer-policy'], 'no-referrer');
    assert.equal(res.headers()['x-content-type-options'], 'nosniff');
    await page.locator('#empty-state').waitFor();
    assert.equal(await page.locator('#conn').getAttribute('data-state'), 'open', 'live updates connected');
    assert.deepEqual(page.problems, []);
  });

  test('the empty state names the real SMTP address', async () => {
    const addr = await page.locator('.smtp-addr').textContent();
    assert.equal(addr, `127.0.0.1:${mj.smtpPort}`);
    assert.match(await page.locator('#empty-state').textContent(), new RegExp(`swaks --server 127\\.0\\.0\\.1:${mj.smtpPort}`));
    await screenshot(page, 'empty-state');
  });

  test('mail sent over SMTP appears live, unread, with the count in the title', async () => {
    await eventually(async () => (await page.locator('#conn').getAttribute('data-state')) === 'open', { what: 'websocket open' });
    const navigations = [];
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });
    await sendRaw(mj.smtpPort, {
      from: 'bounce@example.com', to: ['bob@example.com', 'hidden@example.com'],
      data: message({
        subject: 'Welcome aboard <b>friend</b>', from: 'Ann Example <ann@example.com>', to: 'Bob <bob@example.com>',
        text: 'Hi Bob,\nthis is <b>not bold</b>. See https://example.com/start.\n',
        html: '<h1>Welcome</h1><p>Glad to have you.</p><img id="logo" src="cid:logo@test" alt="logo">', headers: { 'X-Tags': 'onboarding' },
        attachments: [{ name: 'notes.txt', type: 'text/plain', data: 'some notes' }, { name: 'photo.png', type: 'image/png', data: PNG },
          { name: 'logo.png', type: 'image/png', data: PNG, cid: 'logo@test' }],
      }),
    });
    const row = page.locator('.msg-row').first();
    await row.waitFor({ timeout: 5000 });
    assert.deepEqual(navigations, [], 'no reload');
    assert.equal(await row.locator('.subject').textContent(), 'Welcome aboard <b>friend</b>');
    assert.equal(await row.locator('.from').textContent(), 'Ann Example');
    assert.ok(await row.evaluate((el) => el.classList.contains('unread')));
    // Queried and measured in one step: a live reload may replace the row's nodes at any time.
    const weight = await page.evaluate(() => getComputedStyle(document.querySelector('.msg-row.unread .subject')).fontWeight);
    assert.equal(weight, '700', 'unread is bold');
    assert.equal(await row.locator('.tag').textContent(), 'onboarding');
    assert.equal(await row.locator('.attach').count(), 1);
    await eventually(async () => (await page.title()).startsWith('(1) '), { what: 'unread count in the title' });
    assert.equal(await page.locator('#count-unread').textContent(), '1');
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    assert.match(icon, /^data:image\/svg\+xml,/, 'favicon carries the count');
    await screenshot(page, 'list-one-unread');
  });

  test('opening it shows the HTML tab in a sandboxed frame and marks it read', async () => {
    await page.locator('.msg-row .msg-link').first().click();
    await page.locator('#msg-subject').waitFor();
    assert.match(page.url(), /\/view\/[A-Za-z0-9]+$/);
    assert.equal(await page.locator('#msg-subject').textContent(), 'Welcome aboard <b>friend</b>');
    const frame = page.locator('iframe.html-frame');
    assert.equal(await frame.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    const html = page.frameLocator('iframe.html-frame');
    assert.equal(await html.locator('h1').textContent(), 'Welcome');
    await eventually(() => html.locator('#logo').evaluate((img) => img.complete && img.naturalWidth === 2), { what: 'cid: image shown' });
    await eventually(async () => !(await page.title()).startsWith('('), { what: 'unread count cleared' });
    await screenshot(page, 'message-html');
  });

  test('text tab escapes markup and links URLs', async () => {
    await page.locator('#tab-text').click();
    const pre = page.locator('.text-body');
    assert.match(await pre.textContent(), /this is <b>not bold<\/b>\./);
    assert.equal(await pre.locator('b').count(), 0);
    assert.equal(await pre.locator('a').getAttribute('href'), 'https://example.com/start');
  });

  test('headers, raw, attachments and envelope tabs', async () => {
    await page.locator('#tab-headers').click();
    await page.locator('.headers-table').waitFor();
    assert.match(await page.locator('.headers-table').textContent(), /X-Tags\s*onboarding/);

    await page.locator('#tab-raw').click();
    await page.locator('.raw-body').waitFor();
    assert.match(await page.locator('.raw-body').textContent(), /Subject: Welcome aboard <b>friend<\/b>/);
    assert.match(await page.locator('#download-eml').getAttribute('href'), /\/raw\?dl=1$/);

    await page.locator('#tab-attachments').click();
    assert.equal(await page.locator('.att-card').count(), 3, 'two attachments and one inline part');
    const thumb = page.locator('.att-card', { hasText: 'photo.png' }).locator('img.thumb');
    await eventually(() => thumb.evaluate((img) => img.complete && img.naturalWidth === 2), { what: 'image thumbnail' });
    assert.match(await page.locator('.att-card', { hasText: 'photo.png' }).textContent(), /SHA256[0-9a-f]{64}/);
    const card = page.locator('.att-card', { hasText: 'notes.txt' });
    assert.equal(await card.locator('.att-name').textContent(), 'notes.txt');
    assert.match(await card.textContent(), /text\/plain/);
    const [download] = await Promise.all([page.waitForEvent('download'), card.locator('a.btn').click()]);
    assert.equal(download.suggestedFilename(), 'notes.txt');

    await page.locator('#tab-envelope').click();
    const env = await page.locator('.envelope-table').textContent();
    assert.match(env, /MAIL FROM\s*bounce@example\.com/);
    assert.match(env, /RCPT TO\s*bob@example\.comhidden@example\.com/);
    assert.match(env, /HELO \/ EHLO\s*browser-test\.example/);
    assert.match(env, /Client address\s*127\.0\.0\.1:\d+/);
    await screenshot(page, 'message-envelope');
    assert.deepEqual(page.problems, []);
  });

  test('search filters the list; tags filter when clicked', async () => {
    await sendRaw(mj.smtpPort, { data: message({ subject: 'Invoice 42 ready', text: 'pay me', from: 'Billing <billing@example.com>' }) });
    await sendRaw(mj.smtpPort, { data: message({ subject: 'Password reset', text: 'reset link', headers: { 'X-Tags': 'security' } }) });
    await page.goto(mj.origin + '/');
    await eventually(async () => (await page.locator('.msg-row').count()) === 3, { what: 'three rows' });
    await page.keyboard.press('/');
    await page.keyboard.type('subject:invoice');
    await page.keyboard.press('Enter');
    await eventually(async () => (await page.locator('.msg-row').count()) === 1, { what: 'one match' });
    assert.equal(await page.locator('.msg-row .subject').textContent(), 'Invoice 42 ready');
    assert.match(page.url(), /\?q=subject%3Ainvoice$/);
    await screenshot(page, 'search');

    // Save it under a name; it appears in the sidebar and survives a reload.
    await page.locator('.notice-search button', { hasText: 'Save search' }).click();
    await page.locator('dialog[open] input').fill('Invoices');
    await page.locator('dialog[open] button[type="submit"]').click();
    await page.locator('#saved-list a', { hasText: 'Invoices' }).waitFor();
    await page.goto(mj.origin + '/');
    await page.locator('#saved-list a', { hasText: 'Invoices' }).click();
    await eventually(async () => (await page.locator('.msg-row').count()) === 1, { what: 'saved search applied' });
    assert.equal(await page.locator('#search-input').inputValue(), 'subject:invoice');

    await page.goto(mj.origin + '/');
    await page.locator('.msg-row .tag', { hasText: 'security' }).click();
    await eventually(async () => (await page.locator('.msg-row').count()) === 1, { what: 'tag filter' });
    assert.equal(await page.locator('.msg-row .subject').textContent(), 'Password reset');
    assert.equal(await page.locator('#search-input').inputValue(), 'tag:security');

    // Addresses in a message filter too.
    await page.locator('.msg-row .msg-link').first().click();
    await page.locator('.msg-addrs a.addr').first().click();
    await eventually(async () => (await page.locator('#search-input').inputValue()) === 'from:ann@example.com', { what: 'address filter' });
    await eventually(async () => (await page.locator('.msg-row').count()) === 2, { what: 'the two messages from ann' });

    await page.locator('#search-help-btn').click();
    const help = await page.locator('#search-help').textContent();
    for (const term of ['from:', 'to:', 'subject:', 'tag:', 'is:unread', 'has:attachment', 'larger:', 'before:', 'after:', 'header:']) {
      assert.ok(help.includes(term), `help lists ${term}`);
    }
    await page.keyboard.press('Escape');
  });

  test('keyboard: j/k move, Enter opens, r toggles read, Escape goes back', async () => {
    await page.goto(mj.origin + '/');
    await eventually(async () => (await page.locator('.msg-row').count()) === 3, { what: 'rows' });
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    assert.equal(await page.locator('.msg-row.cursor').getAttribute('data-index'), '1');
    await page.keyboard.press('k');
    assert.equal(await page.locator('.msg-row.cursor').getAttribute('data-index'), '0');
    await page.keyboard.press('Enter');
    await page.locator('#msg-subject').waitFor();
    assert.equal(await page.locator('#msg-subject').textContent(), 'Password reset');
    await page.locator('#toggle-read', { hasText: 'Mark unread' }).waitFor();
    await page.keyboard.press('r');
    await page.locator('#toggle-read', { hasText: 'Mark read' }).waitFor();
    await page.keyboard.press('r');
    await page.locator('#toggle-read', { hasText: 'Mark unread' }).waitFor();
    await page.keyboard.press('j');
    await eventually(async () => (await page.locator('#msg-subject').textContent()) === 'Invoice 42 ready', { what: 'next message' });
    await page.keyboard.press('Escape');
    await page.locator('.msg-row').first().waitFor();
    await page.keyboard.press('?');
    await page.locator('dialog.shortcuts').waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('dialog.shortcuts').count(), 0);
  });

  test('dark mode toggles and is remembered', async () => {
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.locator('#theme-btn').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const dark = await bg();
    assert.notEqual(dark, light);
    await screenshot(page, 'dark-list');
    await page.reload();
    await page.locator('.msg-row').first().waitFor();
    assert.equal(await bg(), dark, 'remembered across reloads');
    await page.locator('#theme-btn').click();
    assert.equal(await bg(), light);
  });

  test('mark unread, delete one, delete all (with confirm)', async () => {
    await page.goto(mj.origin + '/');
    await eventually(async () => (await page.locator('.msg-row').count()) === 3, { what: 'rows' });
    const first = page.locator('.msg-row').first();
    await first.locator('input.check').check();
    await page.locator('#mark-unread').click();
    await eventually(() => first.evaluate((el) => el.classList.contains('unread')), { what: 'marked unread' });
    await page.locator('#delete-selected').click();
    await eventually(async () => (await page.locator('.msg-row').count()) === 2, { what: 'one deleted' });
    const api = await mj.api('/api/v1/messages');
    assert.equal(api.total, 2);

    await page.locator('#delete-all').click();
    await page.locator('dialog[open]').waitFor();
    await screenshot(page, 'confirm-delete-all');
    await page.locator('dialog [data-action="cancel"]').click();
    assert.equal((await mj.api('/api/v1/messages')).total, 2, 'cancel deletes nothing');
    await page.locator('#delete-all').click();
    await page.locator('dialog [data-action="ok"]').click();
    await page.locator('#empty-state').waitFor();
    assert.equal((await mj.api('/api/v1/messages')).total, 0);
    assert.deepEqual(page.problems, []);
  });
});
