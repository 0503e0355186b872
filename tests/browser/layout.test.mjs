// Layout and routing: a 360 px phone and a tablet lay out without sideways scrolling (list,
// message, search help, menu drawer), wide screens show the sidebar; the UI works under
// --webroot (assets, API and WebSocket under the prefix) and /view/latest opens the newest
// message in the UI.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Mailjar, eventually, horizontalOverflow, launch, message, newPage, screenshot, sendRaw } from './support.mjs';

const longWord = 'Supercalifragilisticexpialidocious'.repeat(6);

describe('layout', () => {
  let mj;
  let browser;

  before(async () => {
    mj = await new Mailjar(['--webroot', '/mail/', '--label', 'Browser tests']).start();
    browser = await launch();
    await sendRaw(mj.smtpPort, {
      data: message({
        subject: `A very long subject that keeps going ${longWord}`,
        from: `"Someone With A Remarkably Long Display Name" <${'x'.repeat(60)}@example.com>`,
        to: 'a@example.com, b@example.com, c@example.com, d@example.com, e@example.com',
        text: `Body ${longWord} https://example.com/${'p'.repeat(200)}`,
        html: `<table width="900"><tr><td>${longWord}</td></tr></table>`,
        headers: { 'X-Tags': 'alpha, beta, gamma, delta', 'X-Long': 'v'.repeat(400) },
        attachments: [{ name: `${'n'.repeat(120)}.txt`, type: 'text/plain', data: 'x' }],
      }),
    });
    await sendRaw(mj.smtpPort, { data: message({ subject: 'Newest message', text: 'latest body' }) });
  });

  after(async () => {
    await browser?.close();
    await mj?.stop();
  });

  test('the UI, its API calls and live updates work under --webroot', async () => {
    const page = await newPage(browser);
    const root = await fetch(`${mj.origin}/`, { redirect: 'manual' });
    assert.equal(root.status, 308, '/ redirects into the webroot');
    assert.equal(root.headers.get('location'), '/mail/');
    assert.equal((await fetch(`${mj.origin}/src/main.js`)).status, 404, 'no UI file outside the webroot');
    await page.goto(`${mj.origin}/mail/`);
    await eventually(async () => (await page.locator('.msg-row').count()) === 2, { what: 'rows under the webroot' });
    assert.equal(await page.locator('#label').textContent(), 'Browser tests');
    assert.match(await page.title(), /Browser tests/);
    await eventually(async () => (await page.locator('#conn').getAttribute('data-state')) === 'open', { what: 'websocket under the webroot' });
    const href = await page.locator('.msg-row .msg-link').first().getAttribute('href');
    assert.match(href, /^\/mail\/view\/[A-Za-z0-9]+$/);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test('/view/latest opens the newest message in the UI', async () => {
    const page = await newPage(browser);
    await page.goto(`${mj.origin}/mail/view/latest`);
    await page.locator('#msg-subject').waitFor();
    assert.equal(await page.locator('#msg-subject').textContent(), 'Newest message');
    assert.match(page.url(), /\/mail\/view\/[A-Za-z0-9]+$/);
    await page.context().close();
  });

  for (const [name, width, height] of [['phone', 360, 740], ['tablet', 768, 1024], ['wide', 1600, 900]]) {
    test(`${name} (${width} px): no sideways scrolling in list, message and search help`, async () => {
      const page = await newPage(browser, { width, height });
      await page.goto(`${mj.origin}/mail/`);
      await page.locator('.msg-row').nth(1).waitFor();
      assert.equal(await horizontalOverflow(page), 0, 'list');
      const sidebarVisible = await page.locator('#sidebar').evaluate((el) => el.getBoundingClientRect().right > 0);
      assert.equal(sidebarVisible, width >= 900, 'sidebar shown on wide screens only');
      await screenshot(page, `${name}-list`);

      if (width < 900) {
        await page.locator('#nav-toggle').click();
        await eventually(() => page.locator('#sidebar').evaluate((el) => el.getBoundingClientRect().left >= 0), { what: 'drawer open' });
        assert.equal(await horizontalOverflow(page), 0, 'drawer');
        await screenshot(page, `${name}-menu`);
        await page.locator('#main').click({ position: { x: width - 10, y: 200 } });
      }

      await page.locator('#search-help-btn').click();
      await page.locator('#search-help').waitFor();
      const box = await page.locator('#search-help').boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= width + 1, 'help popover fits the screen');
      assert.equal(await horizontalOverflow(page), 0, 'search help');
      await screenshot(page, `${name}-search-help`);
      await page.keyboard.press('Escape');

      await page.locator('.msg-row', { hasText: 'very long subject' }).locator('.msg-link').click();
      await page.locator('#msg-subject').waitFor();
      for (const tab of ['html', 'text', 'headers', 'raw', 'attachments', 'envelope']) {
        await page.locator(`#tab-${tab}`).click();
        await page.waitForTimeout(150);
        assert.equal(await horizontalOverflow(page), 0, `message ${tab} tab`);
        if (tab === 'html' || tab === 'headers') await screenshot(page, `${name}-message-${tab}`);
      }
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });
  }

  test('the HTML width toggle sizes the frame as a phone, tablet and desktop', async () => {
    const page = await newPage(browser, { width: 1400, height: 900 });
    await page.goto(`${mj.origin}/mail/view/latest`);
    await page.locator('#msg-subject').waitFor();
    const id = page.url().split('/').pop();
    const first = (await mj.api('/mail/api/v1/messages')).messages.find((m) => m.ID !== id).ID;
    await page.goto(`${mj.origin}/mail/view/${first}`);
    await page.locator('iframe.html-frame').waitFor();
    const width = () => page.locator('iframe.html-frame').evaluate((f) => Math.round(f.getBoundingClientRect().width));
    const desktop = await width();
    await page.locator('[data-width="tablet"]').click();
    assert.equal(await width(), 768);
    await page.locator('[data-width="phone"]').click();
    assert.equal(await width(), 375);
    await screenshot(page, 'html-phone-width');
    await page.locator('[data-width="desktop"]').click();
    assert.equal(await width(), desktop);
    assert.ok(desktop > 768);
    await page.context().close();
  });
});
