// The real clients behind --webroot and --http-auth, as users configure them: mailpit-api with a
// base URL under the prefix and its `auth` option, mailhog with `basePath` and `auth`, ws with
// credentials. Without credentials (or with wrong ones) everything is 401, WebSocket included.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { MailpitClient } from 'mailpit-api';

import { openEvents, startMailjar, withTimeout } from './helpers.mjs';

const require = createRequire(import.meta.url);
const mailhog = require('mailhog');

const T = { timeout: 30_000 };
const USER = 'tester';
const PASS = 'pässwörd:with colon';

describe('--webroot and --http-auth with the real clients', { timeout: 120_000 }, () => {
  let srv;
  let base;

  before(async () => {
    srv = await startMailjar(['--webroot', '/mail/', '--http-auth', `${USER}:${PASS}`]);
    base = `${srv.baseURL}/mail`;
    await srv.send({ from: 'auth@webroot.test', to: 'x@webroot.test', subject: 'behind a prefix', text: 'hello' });
  });
  after(async () => {
    if (srv && !srv.stopped) await srv.stop(); // also checks for sanitizer reports
  });

  const client = (auth) =>
    new MailpitClient(base, { auth, fetchOptions: { signal: AbortSignal.timeout(15_000) } });

  test('mailpit-api with auth under the webroot', T, async () => {
    const c = client({ username: USER, password: PASS });
    const list = await c.listMessages();
    assert.equal(list.total, 1);
    const m = await c.getMessageSummary(list.messages[0].ID);
    assert.equal(m.Subject, 'behind a prefix');
    const info = await c.getInfo();
    assert.equal(info.Messages, 1);
    const sent = await c.sendMessage({ From: { Email: 'api@webroot.test' }, To: [{ Email: 'y@webroot.test' }], Subject: 'via api' });
    assert.match(sent.ID, /^[0-9A-Za-z]{22}$/);
    assert.equal((await c.listMessages()).total, 2);
  });

  test('without or with wrong credentials: 401 and a Basic challenge', T, async () => {
    await assert.rejects(client().listMessages(), /401/);
    await assert.rejects(client({ username: USER, password: 'wrong' }).listMessages(), /401/);
    await assert.rejects(client({ username: 'nobody', password: PASS }).deleteMessages(), /401/);
    const res = await srv.fetch('/mail/api/v1/messages');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
    await res.text();
    assert.equal((await client({ username: USER, password: PASS }).listMessages()).total, 2, 'nothing deleted');
  });

  test('routes outside the webroot are not served', T, async () => {
    const auth = { Authorization: `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}` };
    const res = await srv.fetch('/api/v1/messages', { headers: auth });
    assert.equal(res.status, 404);
    await res.text();
  });

  test('mailhog client with basePath and auth', T, async () => {
    const mh = mailhog({ host: '127.0.0.1', port: srv.httpPort, basePath: '/mail/api', auth: `${USER}:${PASS}` });
    const r = await withTimeout(mh.messages(), 15_000, 'mailhog messages()');
    assert.equal(r.total, 2);
    assert.deepEqual(r.items.map((i) => i.subject).sort(), ['behind a prefix', 'via api']);
    const anon = mailhog({ host: '127.0.0.1', port: srv.httpPort, basePath: '/mail/api' });
    // The client JSON-parses whatever comes back; a 401 body is not a message list.
    const got = await withTimeout(anon.messages(), 15_000, 'anonymous messages()').catch((e) => e);
    assert.ok(got instanceof Error || got.statusCode === 401, `anonymous client got a result: ${JSON.stringify(got).slice(0, 200)}`);
  });

  test('WebSocket events under the webroot need the credentials too', T, async () => {
    const refused = openEvents(srv.httpPort, { path: '/mail/api/events' });
    const err = await refused.opened.then(
      () => null,
      (e) => e,
    );
    await refused.close();
    assert.equal(err?.statusCode, 401);

    const ev = openEvents(srv.httpPort, { path: '/mail/api/events', auth: `${USER}:${PASS}` });
    try {
      await ev.opened;
      await srv.send({ from: 'live@webroot.test', to: 'x@webroot.test', subject: 'live under prefix', text: 'x' });
      const f = await ev.next((x) => x.Type === 'new', { what: '`new` frame under the webroot' });
      assert.equal(f.Data.Subject, 'live under prefix');
    } finally {
      await ev.close();
    }
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await srv.stop();
  });
});
