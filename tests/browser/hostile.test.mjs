// Hostile mail in the UI. The HTML tab must not run an embedded <script>, an onerror handler, a
// javascript: link or a <meta refresh>: each payload would request a distinct path from a
// loopback HTTP server, and only the harmless image (the positive control: the frame can reach
// that server) may arrive. Subject, display names, file names and header values carrying markup
// must show as text and never create an element in the app page.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Mailjar, eventually, hitServer, launch, message, newPage, screenshot, sendRaw, sleep } from './support.mjs';

describe('hostile mail', () => {
  let mj;
  let browser;
  let page;
  let hits;

  before(async () => {
    mj = await new Mailjar().start();
    browser = await launch();
    page = await newPage(browser);
    hits = await hitServer();
  });

  after(async () => {
    await browser?.close();
    await hits?.close();
    await mj?.stop();
  });

  test('HTML tab: script, onerror, javascript: link and meta refresh do nothing', async () => {
    const u = hits.url;
    const html = [
      `<html><head><meta http-equiv="refresh" content="0; url=${u('/meta-refresh')}"></head><body>`,
      '<h1 id="hostile">Hostile</h1>',
      `<script>new Image().src = "${u('/script')}"; document.title = "pwned-script";</script>`,
      `<img src="${u('/control.png')}" alt="control">`,
      `<img src="x:missing" onerror="new Image().src='${u('/onerror')}'">`,
      `<a id="jslink" href="javascript:new Image().src='${u('/javascript-link')}';void 0">click me</a>`,
      `<a id="jslink-blank" target="_blank" href="javascript:new Image().src='${u('/javascript-blank')}';void 0">click me too</a>`,
      `<form action="${u('/form')}" method="get"><button id="submit">send</button></form>`,
      `<iframe src="${u('/nested-frame')}"></iframe>`,
      '</body></html>',
    ].join('\n');
    const id = await sendRaw(mj.smtpPort, { data: message({ subject: 'hostile html', html, text: 'plain' }) });
    await page.goto(`${mj.origin}/view/${id}`);
    const frame = page.frameLocator('iframe.html-frame');
    await frame.locator('#hostile').waitFor();
    await eventually(() => hits.hits.includes('/control.png'), { what: 'the control image reached the hit server' });
    await frame.locator('#jslink').click();
    await frame.locator('#jslink-blank').click();
    await frame.locator('#submit').click().catch(() => {});
    await sleep(1500); // time for a refresh, a handler or a click to fire
    const bad = hits.hits.filter((h) => h !== '/control.png');
    assert.deepEqual(bad, [], `payloads ran: ${bad.join(', ')}`);
    assert.equal(await page.title(), 'hostile html · mailjar');
    assert.equal(await frame.locator('#hostile').count(), 1, 'the frame did not navigate away');
    assert.match(page.url(), /\/view\/[A-Za-z0-9]+$/);
    await screenshot(page, 'hostile-html');
  });

  test('an ordinary link in mail opens in a new tab, and the message stays in its frame', async () => {
    const u = hits.url;
    const html = `<html><head><title>t</title></head><body><h1 id="linky">Links</h1><a id="out" href="${u('/outbound-link')}">out</a></body></html>`;
    const id = await sendRaw(mj.smtpPort, { data: message({ subject: 'link mail', html, text: 'plain' }) });
    await page.goto(`${mj.origin}/view/${id}`);
    const frame = page.frameLocator('iframe.html-frame');
    await frame.locator('#linky').waitFor();
    const popup = page.context().waitForEvent('page', { timeout: 10000 });
    await frame.locator('#out').click();
    const tab = await popup;
    await eventually(() => hits.hits.includes('/outbound-link'), { what: 'the new tab loaded the link' });
    assert.notEqual(tab, page, 'the link opened a page of its own');
    await tab.close();
    assert.equal(await frame.locator('#linky').count(), 1, 'the frame did not navigate away');
  });

  test('the mail HTML endpoint carries its own sandboxing CSP', async () => {
    const id = (await mj.api('/api/v1/messages')).messages[0].ID;
    const res = await fetch(`${mj.origin}/view/${id}.html`);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /\bsandbox\b/);
    assert.doesNotMatch(csp, /script-src/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  test('markup in subject, names, file names and header values stays text', async () => {
    const probe = (n) => `<img src=x id="xss${n}" onerror="document.title='pwned${n}'"><b id="xssb${n}">`;
    const raw = message({
      subject: `Subject ${probe(1)}`,
      from: `"Evil ${probe(2)}" <evil@example.com>`,
      to: `"Victim ${probe(3)}" <victim@example.com>`,
      text: `Text ${probe(4)} https://example.com/"><script id=xss5>alert(1)</script>`,
      headers: { 'X-Custom': `value ${probe(6)}`, 'X-Tags': `tag${probe(7).replace(/,/g, '')}` },
      attachments: [{ name: `file${probe(8).replace(/"/g, "'")}.txt`, type: 'text/plain', data: 'x' }],
    });
    await sendRaw(mj.smtpPort, { data: raw });
    page.problems.length = 0; // the first test's frame reported what it blocked
    await page.goto(mj.origin + '/');
    const row = page.locator('.msg-row', { hasText: 'Subject <img' });
    await row.waitFor();
    assert.match(await row.locator('.subject').textContent(), /Subject <img src=x id="xss1"/);
    assert.match(await row.locator('.from').textContent(), /Evil <img/);
    await row.locator('.msg-link').click();
    await page.locator('#msg-subject').waitFor();
    for (const tab of ['text', 'headers', 'raw', 'attachments', 'envelope']) {
      await page.locator(`#tab-${tab}`).click();
      await sleep(200);
    }
    await page.locator('#tab-headers').click();
    await page.locator('.headers-table').waitFor();
    assert.match(await page.locator('.headers-table').textContent(), /X-Custom\s*value <img src=x id="xss6"/);
    await page.locator('#tab-attachments').click();
    assert.match(await page.locator('.att-name').textContent(), /<img src=x id='xss8'/);
    await page.locator('#tab-text').click();
    await screenshot(page, 'xss-probes');
    const injected = await page.evaluate(() => [...document.querySelectorAll('[id^="xss"], script:not([src])')].map((e) => e.outerHTML));
    assert.deepEqual(injected, [], 'no element was created from mail data');
    assert.match(await page.title(), /^Subject <img src=x id="xss1"/, 'the title is the subject as text, not set by a payload');
    const links = await page.locator('.text-body a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) assert.match(href, /^https?:\/\/[^"<>]*$/, 'linkified URLs stop at markup');
    assert.deepEqual(page.problems, []);
  });
});
