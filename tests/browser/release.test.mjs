// The release dialog: end to end through a real smart host (a second mailjar the first relays
// to), and against the API contract of POST /api/v1/message/{ID}/release and
// GET /api/v1/message/{ID}/deliveries (shapes as api/dto_delivery.cpp writes them). The relay
// side is stubbed in the browser (page.route), so
// this tests what the UI does with each answer: the dialog appears only when /api/v1/webui says
// release is configured, sends the recipients, shows "ok" or the server's 400 reason, and
// renders the delivery log (per-recipient status, attempts, transcript) as text.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Mailjar, eventually, launch, message, newPage, screenshot, sendRaw } from './support.mjs';

describe('release dialog', () => {
  let mj;
  let browser;
  let id;

  before(async () => {
    mj = await new Mailjar().start();
    browser = await launch();
    id = await sendRaw(mj.smtpPort, {
      to: ['bob@example.com', 'carol@example.com'],
      data: message({ subject: 'Release me', to: 'Bob <bob@example.com>', headers: { Cc: 'carol@example.com' } }),
    });
  });

  after(async () => {
    await browser?.close();
    await mj?.stop();
  });

  test('a real release through a smart host: the message arrives and the log says sent', async () => {
    const receiver = await new Mailjar().start();
    const sender = await new Mailjar(['--relay-host', `127.0.0.1:${receiver.smtpPort}`, '--relay-tls', 'none', '--relay-allow-any']).start();
    try {
      const rid = await sendRaw(sender.smtpPort, { to: ['dev@example.com'], data: message({ subject: 'Really release me', to: 'Dev <dev@example.com>' }) });
      const page = await newPage(browser);
      await page.goto(`${sender.origin}/view/${rid}`);
      await page.locator('#release-btn').click();
      const dialog = page.locator('dialog.release-dialog');
      await dialog.waitFor();
      assert.match(await dialog.textContent(), new RegExp(`127\\.0\\.0\\.1:${receiver.smtpPort}`));
      await page.locator('#release-to').fill('qa@example.com');
      await page.locator('[data-action="release-send"]').click();
      await dialog.locator('.release-result .notice-ok').waitFor({ timeout: 15_000 });
      const got = await eventually(async () => (await receiver.api('/api/v1/search?query=subject%3A%22Really+release+me%22')).messages[0],
        { timeout: 15_000, what: 'the released message at the smart host' });
      assert.equal(got.Subject, 'Really release me');
      // The dialog re-reads the delivery log until no recipient is in flight.
      await eventually(async () => /qa@example\.com\s*delivered/.test(await dialog.locator('.release-log').textContent()),
        { timeout: 15_000, what: 'the delivery log says delivered' });
      assert.match(await dialog.locator('pre.transcript').first().textContent(), /C: RCPT TO:<qa@example\.com>/, 'the SMTP transcript is shown');
      await screenshot(page, 'release-real');
      assert.deepEqual(page.problems, []);
      await page.context().close();
    } finally {
      await sender.stop();
      await receiver.stop();
    }
  });

  test('no Release button while the server reports no relay', async () => {
    const page = await newPage(browser);
    await page.goto(`${mj.origin}/view/${id}`);
    await page.locator('#msg-subject').waitFor();
    assert.equal(await page.locator('#release-btn').count(), 0);
    await page.context().close();
  });

  test('release sends the recipients and shows the result and the delivery log', async () => {
    const page = await newPage(browser);
    const posted = [];
    let answer = { status: 200, body: 'ok' };
    await page.route('**/api/v1/webui', async (route) => {
      const res = await route.fetch();
      const json = await res.json();
      json.MessageRelay = { ...json.MessageRelay, Enabled: true, SMTPServer: 'smtp.example.net:587', AllowedRecipients: '@example\\.com$' };
      await route.fulfill({ response: res, json });
    });
    await page.route(`**/api/v1/message/${id}/release`, async (route) => {
      posted.push(JSON.parse(route.request().postData()));
      await route.fulfill({ status: answer.status, contentType: 'text/plain', body: answer.body });
    });
    await page.route(`**/api/v1/message/${id}/deliveries`, (route) => route.fulfill({
      json: {
        Deliveries: [{
          ID: 'd1', Created: new Date().toISOString(), Mode: 'relay', From: 'bounce@example.com',
          Recipients: [
            { Address: 'bob@example.com', Status: 'sent', Attempts: 1, LastReply: '250 2.0.0 Ok: queued <b>x</b>' },
            { Address: 'carol@example.com', Status: 'deferred', Attempts: 2, LastReply: '451 try later', NextAttempt: new Date(Date.now() + 60_000).toISOString() },
          ],
          Attempts: [{ Time: new Date().toISOString(), Host: 'smtp.example.net', Address: '127.0.0.1:587', TLS: 'TLSv1.3',
            Recipients: [{ Address: 'bob@example.com', Status: 'sent', Code: 250, Reply: '250 2.0.0 Ok' }],
            Transcript: [{ Dir: 'I', Text: 'connected to 127.0.0.1:587' }, { Dir: 'S', Text: '220 smtp.example.net ESMTP' }, { Dir: 'C', Text: 'EHLO mailjar' }, { Dir: 'S', Text: '250 <script>x</script>' }] }],
        }],
      },
    }));
    await page.goto(`${mj.origin}/view/${id}`);
    await page.locator('#release-btn').click();
    const dialog = page.locator('dialog.release-dialog');
    await dialog.waitFor();
    assert.equal(await page.locator('#release-to').inputValue(), 'bob@example.com, carol@example.com');
    assert.match(await dialog.textContent(), /smtp\.example\.net:587/);
    await dialog.locator('.release-log .delivery').waitFor();
    const log = await dialog.locator('.release-log').textContent();
    assert.match(log, /bob@example\.comsent/);
    assert.match(log, /250 2\.0\.0 Ok: queued <b>x<\/b>/, 'replies shown as text');
    assert.match(log, /carol@example\.comdeferred · 2 attempts/);
    await dialog.locator('details.attempts summary').click();
    assert.match(await dialog.locator('pre.transcript').textContent(), /\* connected to 127\.0\.0\.1:587\nS: 220 smtp\.example\.net ESMTP\nC: EHLO mailjar\nS: 250 <script>x<\/script>/);
    assert.match(await dialog.locator('.attempt').textContent(), /bob@example\.com · sent · 250 · 250 2\.0\.0 Ok/);
    assert.equal(await dialog.locator('.release-log b, .release-log script').count(), 0);

    await page.locator('#release-to').fill('dave@example.com eve@example.com');
    await page.locator('[data-action="release-send"]').click();
    await dialog.locator('.notice-ok').waitFor();
    assert.deepEqual(posted, [{ To: ['dave@example.com', 'eve@example.com'] }]);
    await screenshot(page, 'release-dialog');

    answer = { status: 400, body: '550 5.7.1 relaying denied for outsider@example.org' };
    await page.locator('#release-to').fill('outsider@example.org');
    await page.locator('[data-action="release-send"]').click();
    await dialog.locator('.release-result .notice-error').waitFor();
    assert.equal(await dialog.locator('.release-result .notice-error').textContent(), '550 5.7.1 relaying denied for outsider@example.org');
    assert.deepEqual(page.problems.filter((p) => !p.includes('status of 400')), []);
    await page.context().close();
  });
});
