// The HTTP calls the Cypress plugins make, with their parameters and bodies, against a live
// mailjar (the plugins themselves need a browser; fetch sends the same requests):
// - cypress-mailpit (MailpitCommands): /api/v1/messages?start&limit, /api/v1/message/latest,
//   POST /api/v1/send with its default body, /api/v1/search?query&start&limit (qs-encoded),
//   DELETE /api/v1/search?query, /view/{ID}.html|.txt, PUT /api/v1/messages {IDs, Read} (empty
//   IDs = all), /api/v1/message/{ID}/sa-check, DELETE /api/v1/messages with no body.
// - cypress-mailhog: GET/POST/DELETE /api/v2/jim (failOnStatusCode: false), /api/v2/messages?limit
//   (items filtered on Content.Headers.Subject[0], To Mailbox@Domain, Raw.From, Content.Body),
//   DELETE /api/v1/messages with no body.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startMailjar, uniqueWord } from './helpers.mjs';

const T = { timeout: 30_000 };

// cypress-mailpit's mailpitSendMail() body when called without options.
const defaultSendBody = () => ({
  Attachments: [],
  Bcc: ['bcc@example.com'],
  Cc: [{ Email: 'cc@example.com', Name: 'CC' }],
  From: { Email: 'from@example.com', Name: 'From' },
  HTML: '<p>hello from mailpit</p>',
  Headers: {},
  ReplyTo: [{ Email: 'replyto@example.com', Name: 'ReplyTo' }],
  Subject: 'Hello Mailpit',
  Tags: [],
  Text: 'hello from mailpit',
  To: [{ Email: 'jane@example.com', Name: 'Jane' }],
});

// cy.request({qs}) encodes with encodeURIComponent (spaces as %20); some stacks use '+'.
const qs = (params, plus = false) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${plus ? encodeURIComponent(String(v)).replace(/%20/g, '+') : encodeURIComponent(String(v))}`)
    .join('&');

describe('Cypress plugins: the requests cypress-mailpit and cypress-mailhog make', { timeout: 120_000 }, () => {
  let srv;
  const json = { 'Content-Type': 'application/json' };

  before(async () => {
    srv = await startMailjar();
  });
  after(async () => {
    if (srv && !srv.stopped) await srv.stop();
  });

  const getJSON = async (p) => {
    const r = await srv.fetch(p);
    assert.equal(r.status, 200, `${p}: ${r.status}`);
    return r.json();
  };

  test('cypress-mailpit: mailpitSendMail() with its default body, then mailpitGetMail()', T, async () => {
    const r = await srv.fetch('/api/v1/send', { method: 'POST', headers: json, body: JSON.stringify(defaultSendBody()) });
    assert.equal(r.status, 200, await r.clone().text());
    const { ID } = await r.json();
    assert.match(ID, /^[0-9A-Za-z]{22}$/);

    const latest = await getJSON('/api/v1/message/latest');
    assert.equal(latest.ID, ID);
    const m = await getJSON(`/api/v1/message/${ID}`);
    assert.equal(m.Subject, 'Hello Mailpit');
    assert.deepEqual(m.From, { Name: 'From', Address: 'from@example.com' });
    assert.deepEqual(m.To, [{ Name: 'Jane', Address: 'jane@example.com' }]);
    assert.deepEqual(m.Cc, [{ Name: 'CC', Address: 'cc@example.com' }]);
    assert.deepEqual(m.ReplyTo, [{ Name: 'ReplyTo', Address: 'replyto@example.com' }]);
    assert.deepEqual(m.Bcc.map((a) => a.Address), ['bcc@example.com']);
    assert.equal(m.Text.trim(), 'hello from mailpit');
    assert.ok(m.HTML.includes('<p>hello from mailpit</p>'), m.HTML);
    assert.deepEqual(m.Attachments, []);
    // The plugin's child commands read these fields.
    assert.deepEqual(m.To.map((x) => x.Address), ['jane@example.com']);
    assert.equal(m.From.Address, 'from@example.com');
  });

  test('cypress-mailpit: mailpitSendMail() with attachments, tags and headers', T, async () => {
    const word = uniqueWord('cy');
    const body = {
      ...defaultSendBody(),
      Subject: `Attached ${word}`,
      Attachments: [{ Content: Buffer.from(`file ${word}`).toString('base64'), Filename: 'report.txt' }],
      Tags: ['cypress', 'e2e'],
      Headers: { 'X-Cypress': word },
    };
    const r = await srv.fetch('/api/v1/send', { method: 'POST', headers: json, body: JSON.stringify(body) });
    assert.equal(r.status, 200, await r.clone().text());
    const { ID } = await r.json();
    const m = await getJSON(`/api/v1/message/${ID}`);
    assert.deepEqual(m.Attachments.map((a) => a.FileName), ['report.txt']); // mailpitGetAttachments
    assert.deepEqual([...m.Tags].sort(), ['cypress', 'e2e']);
    const headers = await getJSON(`/api/v1/message/${ID}/headers`);
    assert.deepEqual(headers['X-Cypress'], [word]);
    const part = await srv.fetch(`/api/v1/message/${ID}/part/${m.Attachments[0].PartID}`);
    assert.equal(await part.text(), `file ${word}`);
  });

  test('cypress-mailpit: mailpitGetAllMails(start, limit) and the search helpers', T, async () => {
    const all = await getJSON('/api/v1/messages?start=0&limit=50');
    assert.equal(all.messages_count, 2);
    assert.equal(all.messages.length, 2);
    const page = await getJSON('/api/v1/messages?start=1&limit=1');
    assert.equal(page.messages.length, 1);
    assert.equal(page.messages[0].ID, all.messages[1].ID);

    for (const plus of [false, true]) {
      // mailpitGetEmailsBySubject / mailpitHasEmailsBySubject
      const bySubject = await getJSON(`/api/v1/search?${qs({ query: 'subject:Hello Mailpit', start: 0, limit: 50 }, plus)}`);
      assert.equal(bySubject.messages_count, 1, `plus=${plus}`);
      assert.equal(bySubject.messages[0].Subject, 'Hello Mailpit');
      // mailpitGetEmailsByTo / mailpitHasEmailsByTo
      const byTo = await getJSON(`/api/v1/search?${qs({ query: 'to:jane@example.com', start: 0, limit: 50 }, plus)}`);
      assert.equal(byTo.messages_count, 2);
      // mailpitNotHasEmailsBySearch
      const none = await getJSON(`/api/v1/search?${qs({ query: `subject:${uniqueWord('none')}`, start: 0, limit: 50 }, plus)}`);
      assert.equal(none.messages_count, 0);
      assert.deepEqual(none.messages, []);
    }
  });

  test('cypress-mailpit: mailpitGetMailHTMlBody / mailpitGetMailTextBody via /view', T, async () => {
    const { messages } = await getJSON(`/api/v1/search?${qs({ query: 'subject:Hello Mailpit', start: 0, limit: 50 })}`);
    const id = messages[0].ID;
    const html = await srv.fetch(`/view/${id}.html`);
    assert.equal(html.status, 200);
    assert.ok((await html.text()).includes('<p>hello from mailpit</p>'));
    const text = await srv.fetch(`/view/${id}.txt`);
    assert.equal(text.status, 200);
    assert.equal((await text.text()).trim(), 'hello from mailpit');
  });

  test('cypress-mailpit: mailpitSetStatusAsRead / SetAllEmailStatusAsUnRead ({IDs: []} = all)', T, async () => {
    const { messages } = await getJSON('/api/v1/messages?start=0&limit=50');
    const put = (body) => srv.fetch('/api/v1/messages', { method: 'PUT', headers: json, body: JSON.stringify(body) });
    // Both were opened above (which marks read, as in Mailpit).
    assert.equal((await getJSON('/api/v1/messages')).unread, 0);
    let r = await put({ IDs: [], Read: false }); // mailpitSetAllEmailStatusAsUnRead
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'ok');
    assert.equal((await getJSON('/api/v1/messages')).unread, 2);
    r = await put({ IDs: [messages[0].ID], Read: true }); // mailpitSetStatusAsRead
    assert.equal(await r.text(), 'ok');
    const after = await getJSON('/api/v1/messages');
    assert.equal(after.unread, 1);
    assert.equal(after.messages.find((m) => m.ID === messages[0].ID).Read, true);
    r = await put({ IDs: [], Read: true }); // mailpitSetAllEmailStatusAsRead
    assert.equal(await r.text(), 'ok');
    assert.equal((await getJSON('/api/v1/messages')).unread, 0);
  });

  test('cypress-mailpit: mailpitGetMailSpamAssassinSummary fails cleanly (no SpamAssassin)', T, async () => {
    const { ID } = await getJSON('/api/v1/message/latest');
    const r = await srv.fetch(`/api/v1/message/${ID}/sa-check`);
    // Like Mailpit without --enable-spamassassin: a 400 with the reason, which cy.request reports.
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.ok((await r.text()).length > 0);
  });

  test('cypress-mailpit: mailpitDeleteEmailsBySearch, then mailpitDeleteAllEmails (no body)', T, async () => {
    let r = await srv.fetch(`/api/v1/search?${qs({ query: 'subject:Hello Mailpit' })}`, { method: 'DELETE' });
    assert.equal(r.status, 200);
    const left = await getJSON('/api/v1/messages?start=0&limit=50');
    assert.equal(left.messages_count, 1);
    assert.match(left.messages[0].Subject, /^Attached /);
    r = await srv.fetch('/api/v1/messages', { method: 'DELETE' });
    assert.equal(r.status, 200);
    assert.equal((await getJSON('/api/v1/messages')).total, 0);
  });

  test('cypress-mailhog: mhGetJimMode / mhSetJimMode answer without failing (Jim is off)', T, async () => {
    const get = await srv.fetch('/api/v2/jim');
    assert.notEqual(get.status, 200); // mhGetJimMode() -> false
    assert.ok(get.status >= 400 && get.status < 500, `GET /api/v2/jim: ${get.status}`);
    for (const method of ['POST', 'DELETE']) {
      const r = await srv.fetch('/api/v2/jim', { method });
      assert.ok(r.status >= 400 && r.status < 500, `${method} /api/v2/jim: ${r.status}`);
    }
    assert.notEqual((await srv.fetch('/api/v2/jim')).status, 200);
  });

  test('cypress-mailhog: mhGetAllMails(limit) and its filters over /api/v2/messages?limit=', T, async () => {
    const word = uniqueWord('hog');
    await srv.sendRaw('sender@hog.test', ['first@hog.test', 'second@hog.test'],
      `From: Sender <sender@hog.test>\r\nTo: first@hog.test\r\nCc: second@hog.test\r\nSubject: Hog ${word}\r\n\r\nbody ${word}\r\n`);
    await srv.sendRaw('other@hog.test', ['x@hog.test'], `From: other@hog.test\r\nTo: x@hog.test\r\nSubject: other\r\n\r\nx\r\n`);
    for (const limit of [50, 1, 1000]) {
      const r = await srv.fetch(`/api/v2/messages?limit=${limit}`);
      assert.equal(r.status, 200);
      const parsed = await r.json();
      assert.ok(Array.isArray(parsed.items));
      assert.equal(parsed.items.length, Math.min(limit, 2), `limit=${limit}`);
    }
    const { items } = await (await srv.fetch('/api/v2/messages?limit=50')).json();
    // mhGetMailsBySubject
    const bySubject = items.filter((mail) => mail.Content.Headers.Subject[0] === `Hog ${word}`);
    assert.equal(bySubject.length, 1);
    const mail = bySubject[0];
    // mhGetMailsByRecipient / mhGetRecipients: envelope recipients as Mailbox@Domain
    assert.deepEqual(mail.To.map((o) => `${o.Mailbox}@${o.Domain}`), ['first@hog.test', 'second@hog.test']);
    assert.equal(items.filter((m) => m.To.map((o) => `${o.Mailbox}@${o.Domain}`).includes('second@hog.test')).length, 1);
    // mhGetMailsBySender / mhGetSender
    assert.equal(mail.Raw.From, 'sender@hog.test');
    assert.equal(items.filter((m) => m.Raw.From === 'other@hog.test').length, 1);
    // mhGetBody / mhGetSubject
    assert.ok(mail.Content.Body.includes(`body ${word}`));
    assert.equal(mail.Content.Headers.Subject[0], `Hog ${word}`);
  });

  test('cypress-mailhog: mhDeleteAll (DELETE /api/v1/messages, no body)', T, async () => {
    const r = await srv.fetch('/api/v1/messages', { method: 'DELETE' });
    assert.equal(r.status, 200);
    const { items, total } = await (await srv.fetch('/api/v2/messages?limit=50')).json();
    assert.deepEqual(items, []);
    assert.equal(total, 0);
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await srv.stop();
  });
});
