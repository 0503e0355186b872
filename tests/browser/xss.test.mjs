// XSS probes through every field a message can carry, opened in every view of the UI. Each
// payload calls window.__xss(n) (defined by an init script in every page, so a payload that ran
// is recorded whatever its context) or loads /xss-n from a loopback hit server (for sandboxed
// mail HTML and top-level views, where no script of ours runs). Fields: subject (raw and RFC 2047),
// From/To/Cc/Reply-To display names and quoted local parts, Message-ID, attachment file names
// (quoted and RFC 2231) and content types, header names and values, X-Tags, text and HTML
// bodies, parse warnings, the envelope (HELO, MAIL FROM, RCPT TO, AUTH user) and search input
// (typed and in ?q=). Views: the list (live arrival, search, tag filter), each message tab, the
// release dialog (recipients, result, log), "open in new tab" and the raw, view and part URLs
// navigated to directly. Asserted: __xss never fired, no dialog opened, no hit arrived, no CSP
// violation in the app page, and no element with an on* attribute, javascript: URL or inline
// script exists in the app's DOM.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { Mailjar, eventually, hitServer, launch, screenshot, sendRaw, sleep } from './support.mjs';

// Payload n: markup, attribute-breaking, script-closing, template-literal and javascript: forms.
const pay = (n) => `<img src=x onerror=__xss(${n})>"><svg onload=__xss(${n})>'><script>__xss(${n})</script>`
  + `</script><script>__xss(${n})</script>\${__xss(${n})}{{constructor.constructor('__xss(${n})')()}}`
  + `" onmouseover="__xss(${n})" x=" javascript:__xss(${n})`;
// Without spaces, for header names, HELO and quoted local parts.
const tight = (n) => `<svg/onload=__xss(${n})>`;
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const word = (s) => `=?utf-8?B?${b64(s)}?=`; // RFC 2047: carries any payload through decoding
const rfc2231 = (s) => `utf-8''${encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

function hostileMessage(hit) {
  const boundary = 'xss-mixed';
  const alt = 'xss-alt';
  const html = [
    '<html><head><title>t</title></head><body><h1 id="mailhtml">hostile html</h1>',
    `<script>parent.__xss(30); new Image().src = "${hit('/xss-30')}"</script>`,
    `<img src=x onerror="parent.__xss(31); new Image().src='${hit('/xss-31')}'">`,
    `<svg onload="parent.__xss(32); new Image().src='${hit('/xss-32')}'"></svg>`,
    `<a id="jl" href="javascript:parent.__xss(33); new Image().src='${hit('/xss-33')}'">js link</a>`,
    `<iframe srcdoc="<script>parent.parent.__xss(34)</script>"></iframe>`,
    `<object data="javascript:parent.__xss(35)"></object><embed src="javascript:parent.__xss(36)">`,
    `<math><mtext><table><mglyph><style><img src=x onerror="parent.__xss(37)"></style></mglyph></table></mtext></math>`,
    `<form action="javascript:parent.__xss(38)"><button id="fb">go</button></form>`,
    `</body></html>`,
  ].join('\r\n');
  const text = `Text ${pay(12)}\r\nhttps://example.com/"><img src=x onerror=__xss(12)>\r\n`
    + `http://x.test/?a=<svg/onload=__xss(12)> javascript:__xss(12) data:text/html,<script>__xss(12)</script>`;
  const head = [
    `From: ${word(`Evil ${pay(2)}`)} <"${tight(3)}"@example.com>`,
    `To: ${word(`Victim ${pay(4)}`)} <"${tight(5)}"@example.com>, "raw ${pay(6).replace(/"/g, "'")}" <raw@example.com>`,
    `Cc: ${word(`Carbon ${pay(7)}`)} <cc@example.com>`,
    `Reply-To: ${word(`Reply ${pay(15)}`)} <"${tight(16)}"@example.com>`,
    `Subject: ${word(`Subject ${pay(1)}`)}`,
    `Message-ID: <"${tight(17)}"@example.com>`,
    `X-Tags: ${tight(14)}, "><img src=x onerror=__xss(14)>, javascript:__xss(14)`,
    `X-${tight(10)}: value ${pay(11)}`,
    `X-Raw-Subject: ${pay(11)}`,
    `X-Broken: ${'=?utf-8?Q?'}${tight(22)}`,
    'MIME-Version: 1.0',
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    `${tight(22)} bad header name: v`, // last: a parser may take it for the start of the body
  ];
  const attachment = (name, type, extra = '') => [
    `--${boundary}`,
    `Content-Type: ${type}${extra}`,
    `Content-Disposition: attachment; ${name}`,
    'Content-Transfer-Encoding: base64', '',
    b64('<script>__xss(40)</script>'), ''].join('\r\n');
  return [
    head.join('\r\n'), '',
    `--${boundary}`,
    `Content-Type: multipart/alternative; boundary="${alt}"`, '',
    `--${alt}`, 'Content-Type: text/plain; charset=utf-8', '', text, '',
    `--${alt}`, 'Content-Type: text/html; charset=utf-8', '', html, '',
    `--${alt}--`, '',
    attachment(`filename="file '><img src=x onerror=__xss(8)>.txt"`, 'text/plain'),
    attachment(`filename*=${rfc2231(`${pay(8)}.html`)}`, 'text/html'),
    attachment('filename="ct.bin"', `application/x-${tight(9)}`, `; name*=${rfc2231(pay(9))}; x="${pay(9).replace(/"/g, "'")}"`),
    attachment('filename="image.svg"', 'image/svg+xml'),
    `--${boundary}--`, '',
  ].join('\r\n');
}

// One SMTP transaction whose envelope carries payloads too: EHLO name, AUTH user, MAIL FROM, RCPT TO.
function sendHostile(port, data) {
  return sendRaw(port, {
    helo: tight(18),
    authPlain: `\0<img src=x onerror=__xss(21)>"><svg onload=__xss(21)>\0pw`,
    from: `"${tight(19)}"@example.com`,
    to: [`"${tight(20)}"@example.com`, 'plain@example.com'],
    data,
  });
}

async function deadPort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

describe('XSS probes in every field and view', () => {
  let mj;
  let browser;
  let context;
  let page;
  let hits;
  let id;
  const dialogs = [];

  // Runs in every document of the context (frames too, where scripts may run at all).
  const probe = () => {
    window.__xssFired = [];
    window.__xss = (n) => { window.__xssFired.push(n); };
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__xssFired.push(`csp ${e.violatedDirective} ${e.blockedURI} in ${location.pathname}`);
    });
  };

  // What must hold in the app page after each step.
  async function assertClean(where) {
    const state = await page.evaluate(() => {
      const bad = [];
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.getAttributeNames()) {
          if (/^on/i.test(a)) bad.push(`${el.tagName} ${a}=${el.getAttribute(a)}`);
          if (/^(href|src|action|formaction|xlink:href|data)$/i.test(a) && /^\s*(javascript:|vbscript:|data:(?!image\/(png|gif|jpeg|webp|svg\+xml)[,;]))/i.test(el.getAttribute(a))) {
            bad.push(`${el.tagName} ${a}=${el.getAttribute(a)}`);
          }
        }
        if (el.tagName === 'SCRIPT' && !el.src) bad.push('inline script');
        if (['OBJECT', 'EMBED'].includes(el.tagName)) bad.push(`${el.tagName} element`);
        if (el.tagName === 'IFRAME' && !el.classList.contains('html-frame')) bad.push('foreign iframe');
        if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') bad.push('mail <img> in the app');
      }
      return { fired: window.__xssFired, bad };
    });
    assert.deepEqual(state.fired, [], `${where}: payload ran or CSP blocked one: ${JSON.stringify(state.fired)}`);
    assert.deepEqual(state.bad, [], `${where}: markup from mail in the DOM`);
    assert.deepEqual(dialogs, [], `${where}: a dialog opened`);
    assert.deepEqual(hits.hits, [], `${where}: a payload reached the hit server`);
  }

  before(async () => {
    hits = await hitServer();
    mj = await new Mailjar(['--relay-host', `127.0.0.1:${await deadPort()}`, '--relay-allow-any', '--relay-retry', '1h']).start();
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(probe);
    page = await context.newPage();
    page.problems = [];
    page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
    context.on('page', (p) => p.on('dialog', (d) => { dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); }));
    page.on('dialog', (d) => { dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  });

  after(async () => {
    await browser?.close();
    await hits?.close();
    await mj?.stop();
  });

  test('the list: live arrival, tags, search typed and in ?q=', async () => {
    await page.goto(mj.origin + '/');
    await page.locator('#search-input').waitFor();
    id = await sendHostile(mj.smtpPort, hostileMessage(hits.url));
    const row = page.locator('.msg-row', { hasText: 'Subject <img' });
    await row.waitFor({ timeout: 15_000 }); // arrived live over the WebSocket
    assert.match(await row.textContent(), /Subject <img src=x onerror=__xss\(1\)>/);
    await sleep(500);
    await assertClean('list after live arrival');
    await screenshot(page, 'xss-list');

    const input = page.locator('#search-input');
    for (const q of [`"><img src=x onerror=__xss(23)>`, `subject:"${tight(23)}"`, `tag:${tight(14)}`, `</script><script>__xss(23)</script>`, 'Subject']) {
      await input.fill(q);
      await input.press('Enter');
      await sleep(400);
      assert.equal(await input.inputValue(), q, 'the query stays text in the box');
      await assertClean(`search ${q}`);
    }
    await page.goto(`${mj.origin}/?q=${encodeURIComponent(`"><svg onload=__xss(24)>`)}`);
    await page.locator('#search-input').waitFor();
    await sleep(500);
    await assertClean('?q= with markup');
    await page.goto(`${mj.origin}/?q=${encodeURIComponent(`javascript:__xss(24)`)}&start=${encodeURIComponent('"><svg onload=__xss(24)>')}`);
    await sleep(500);
    await assertClean('?q= with javascript: and a bad start');
    await page.goto(mj.origin + '/');
    const tag = page.locator('a.tag', { hasText: 'svg' }).first();
    await tag.waitFor();
    await tag.click();
    await sleep(500);
    await assertClean('tag filter');
  });

  test('every message tab', async () => {
    await page.goto(`${mj.origin}/view/${id}`);
    await page.locator('#msg-subject').waitFor();
    assert.match(await page.locator('#msg-subject').textContent(), /Subject <img src=x onerror=__xss\(1\)>/);
    const frame = page.frameLocator('iframe.html-frame');
    await frame.locator('#mailhtml').waitFor();
    await frame.locator('#jl').click().catch(() => {});
    await frame.locator('#fb').click().catch(() => {});
    await sleep(1000);
    await assertClean('HTML tab');
    for (const tab of ['text', 'headers', 'raw', 'attachments', 'envelope', 'html']) {
      await page.locator(`#tab-${tab}`).click();
      await sleep(400);
      await page.mouse.move(300, 400); // an onmouseover that had become an attribute would fire
      await page.mouse.move(600, 500);
      await assertClean(`${tab} tab`);
      await screenshot(page, `xss-tab-${tab}`);
    }
    // The payloads are on screen as text (the panel renders asynchronously: wait for it).
    const shows = async (tab, re, what) => {
      await page.locator(`#tab-${tab}`).click();
      await eventually(async () => re.test(await page.locator('#tab-panel').textContent()), { what });
    };
    await shows('envelope', /<svg\/onload=__xss\(18\)>/, 'HELO shown as text');
    await shows('envelope', /__xss\(19\)/, 'MAIL FROM shown as text');
    await shows('envelope', /__xss\(20\)/, 'RCPT TO shown as text');
    await shows('envelope', /<img src=x onerror=__xss\(21\)>/, 'AUTH user shown as text');
    await shows('headers', /X-<svg\/onload=__xss\(10\)>/, 'header name shown as text');
    await shows('attachments', /file '><img src=x onerror=__xss\(8\)>\.txt/, 'quoted file name shown as text');
    await shows('attachments', /__xss\(8\)<\/script>/, 'RFC 2231 file name shown as text');
    await shows('text', /Text <img src=x onerror=__xss\(12\)>/, 'text body shown as text');
    const links = await page.locator('#tab-panel a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) assert.match(href, /^https?:\/\/[^"<>\s]*$/, `linkified URL ${href}`);
    await assertClean('after reading every tab');
    // Addresses are links that filter the list: follow one.
    await page.locator('a.addr').first().click();
    await sleep(500);
    await assertClean('address filter');
    assert.deepEqual(page.problems, []);
  });

  test('the release dialog: recipients, result and delivery log', async () => {
    await page.goto(`${mj.origin}/view/${id}`);
    await page.locator('#release-btn').click();
    const dialog = page.locator('dialog.release-dialog');
    await dialog.waitFor();
    await assertClean('release dialog open');
    await page.locator('#release-to').fill(`"${tight(25)}"@example.com, "><img src=x onerror=__xss(25)>@example.com`);
    await page.locator('[data-action="release-send"]').click();
    await eventually(async () => (await dialog.locator('.release-result').textContent()).trim().length > 0,
      { timeout: 15_000, what: 'a release result' });
    await assertClean('release refused (400 reflects the recipients)');
    // A recipient the release accepts (atext allows ' = ` { } |) is queued, deferred by the dead
    // relay, and listed in the delivery log with the relay's error.
    await page.locator('#release-to').fill("x'onmouseover='__xss`26`'{{__xss}}|@example.com");
    await page.locator('[data-action="release-send"]').click();
    await dialog.locator('.release-log .delivery').waitFor({ timeout: 15_000 });
    await eventually(async () => /onmouseover='__xss`26`'/.test(await dialog.locator('.release-log').textContent()),
      { timeout: 15_000, what: 'the recipient in the delivery log' });
    await sleep(1500); // the log is re-read while the recipient is in flight
    await dialog.locator('.release-log summary').first().click().catch(() => {}); // the attempt's transcript
    await page.mouse.move(500, 450);
    await assertClean('release result and log');
    await screenshot(page, 'xss-release');
  });

  test('views and downloads navigated to directly', async () => {
    const msg = await mj.api(`/api/v1/message/${id}`);
    const parts = [...msg.Attachments, ...msg.Inline].map((a) => a.PartID);
    assert.ok(parts.length >= 4, `attachments listed: ${parts}`);
    const other = await context.newPage();
    other.on('download', (d) => d.cancel().catch(() => {}));
    const urls = [`/view/${id}.html`, `/view/${id}.txt`, `/api/v1/message/${id}/raw`, `/api/v1/message/${id}/headers`,
      ...parts.flatMap((p) => [`/api/v1/message/${id}/part/${p}`, `/api/v1/message/${id}/part/${p}/thumb`])];
    for (const u of urls) {
      await other.goto(mj.origin + u).catch(() => {}); // downloads abort the navigation
      await sleep(300);
      const fired = await other.evaluate(() => window.__xssFired || []).catch(() => []); // sandboxed: no scripts at all
      assert.deepEqual(fired, [], `${u}: a payload ran`);
    }
    await sleep(1000);
    await other.close();
    assert.deepEqual(hits.hits, [], 'no payload reached the hit server');
    assert.deepEqual(dialogs, [], 'no dialog opened');
    await assertClean('after direct views');
  });
});
