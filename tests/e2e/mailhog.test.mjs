// The npm `mailhog` client against mailjar: messages(), search(), latestFrom/To/Containing,
// deleteMessage, deleteAll — and the item shape the client (and its users) read.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { binaryPayload, sha256, startMailjar, withTimeout } from './helpers.mjs';

const require = createRequire(import.meta.url);
const mailhog = require('mailhog');

const T = { timeout: 30_000 };
const bounded = (p, what) => withTimeout(p, 15_000, what);

describe('mailhog client', { timeout: 120_000 }, () => {
  let srv;
  let mh;
  const attachment = binaryPayload(4000);

  // The client reads text/html only from the top-level parts and decodes Q-encoded words without
  // mapping '_' to space (as it does against MailHog itself), so the mails are shaped for that:
  // alternative text+html, mixed text+attachment, and B-encoded words.
  const MAILS = [
    {
      from: { name: 'Ada Lovelace', address: 'ada@engine.test' },
      to: 'charles@engine.test',
      subject: 'Notes on the analytical engine',
      text: 'The engine weaves algebraic patterns.',
      html: '<p>The engine weaves <b>algebraic</b> patterns.</p>',
    },
    {
      from: { name: 'Grüße Sender', address: 'gruss@umlaut.test' },
      to: [{ name: 'Jürgen Ö', address: 'juergen@umlaut.test' }],
      cc: 'copy@umlaut.test',
      subject: 'Übergrößenträger ✓',
      text: 'Schöne Grüße aus Köln',
      textEncoding: 'base64',
      attachments: [{ filename: 'data.bin', content: attachment, contentType: 'application/octet-stream' }],
    },
    {
      from: 'ada@engine.test',
      to: 'someone@else.test',
      bcc: 'secret@else.test',
      subject: 'Second from Ada',
      text: 'Another note, about looms.',
    },
  ];

  before(async () => {
    srv = await startMailjar();
    mh = mailhog({ host: '127.0.0.1', port: srv.httpPort });
    for (const m of MAILS) await srv.send(m);
  });
  after(async () => {
    if (srv && !srv.stopped) await srv.stop(); // also checks for sanitizer reports
  });

  test('messages() lists newest first with decoded convenience fields', T, async () => {
    const r = await bounded(mh.messages(), 'messages()');
    assert.equal(r.total, 3);
    assert.equal(r.count, 3);
    assert.equal(r.start, 0);
    assert.deepEqual(
      r.items.map((i) => i.subject),
      MAILS.map((m) => m.subject).reverse(),
    );
    const umlaut = r.items[1];
    assert.equal(umlaut.subject, 'Übergrößenträger ✓');
    assert.match(umlaut.from, /gruss@umlaut\.test/);
    assert.match(umlaut.from, /Grüße Sender/);
    assert.match(umlaut.to, /Jürgen Ö/);
    assert.equal(umlaut.cc, 'copy@umlaut.test');
    assert.equal(umlaut.text.trim(), 'Schöne Grüße aus Köln');
    assert.equal(r.items[2].html.trim(), MAILS[0].html);
    assert.equal(r.items[2].text.trim(), MAILS[0].text);
    assert.ok(umlaut.date instanceof Date && !Number.isNaN(umlaut.date.getTime()));
    assert.ok(Math.abs(umlaut.deliveryDate.getTime() - Date.now()) < 120_000, `Created ${umlaut.Created}`);
    const atts = umlaut.attachments;
    assert.equal(atts.length, 1);
    assert.equal(atts[0].name, 'data.bin');
    assert.match(atts[0].type, /^application\/octet-stream(;|$)/);
    assert.equal(atts[0].encoding, 'base64');
    assert.equal(sha256(Buffer.from(atts[0].Body, 'base64')), sha256(attachment));
  });

  test('item shape is MailHog’s: From/To paths, Content, MIME, Raw', T, async () => {
    const r = await bounded(mh.messages(), 'messages()');
    const ada2 = r.items[0];
    assert.equal(typeof ada2.ID, 'string');
    assert.ok(ada2.ID.length > 0);
    assert.deepEqual(ada2.From, { Relays: null, Mailbox: 'ada', Domain: 'engine.test', Params: '' });
    assert.deepEqual(
      ada2.To.map((p) => `${p.Mailbox}@${p.Domain}`).sort(),
      ['secret@else.test', 'someone@else.test'],
      'To holds the envelope recipients, Bcc included',
    );
    assert.equal(ada2.Raw.From, 'ada@engine.test');
    assert.deepEqual([...ada2.Raw.To].sort(), ['secret@else.test', 'someone@else.test']);
    assert.equal(typeof ada2.Raw.Helo, 'string');
    assert.ok(ada2.Raw.Data.includes('Subject: Second from Ada'));
    assert.deepEqual(ada2.Content.Headers.Subject, ['Second from Ada']);
    assert.ok(ada2.Content.Body.includes('Another note, about looms.'));
    assert.equal(ada2.Content.Size, ada2.Raw.Data.length);
    assert.equal(ada2.MIME, null, 'single-part message has no MIME parts');
    assert.ok(!Number.isNaN(Date.parse(ada2.Created)));

    const umlaut = r.items[1];
    assert.ok(umlaut.MIME && Array.isArray(umlaut.MIME.Parts) && umlaut.MIME.Parts.length >= 2);
    for (const p of umlaut.MIME.Parts) {
      assert.equal(typeof p.Headers, 'object');
      assert.equal(typeof p.Body, 'string');
      assert.equal(typeof p.Size, 'number');
    }
  });

  test('messages(start, limit) pages', T, async () => {
    const p1 = await bounded(mh.messages(0, 2), 'messages(0,2)');
    assert.equal(p1.count, 2);
    assert.equal(p1.total, 3);
    const p2 = await bounded(mh.messages(2, 2), 'messages(2,2)');
    assert.equal(p2.count, 1);
    assert.equal(p2.start, 2);
    assert.equal(p2.items[0].subject, MAILS[0].subject);
    const ids = [...p1.items, ...p2.items].map((i) => i.ID);
    assert.equal(new Set(ids).size, 3);
  });

  test('search() by from, to and containing', T, async () => {
    const from = await bounded(mh.search('ada@engine.test', 'from'), 'search from');
    assert.equal(from.total, 2);
    assert.deepEqual(
      from.items.map((i) => i.subject),
      ['Second from Ada', 'Notes on the analytical engine'],
    );
    const to = await bounded(mh.search('juergen@umlaut.test', 'to'), 'search to');
    assert.equal(to.count, 1);
    assert.equal(to.items[0].subject, 'Übergrößenträger ✓');
    const containing = await bounded(mh.search('algebraic'), 'search containing');
    assert.equal(containing.count, 1);
    assert.equal(containing.items[0].subject, MAILS[0].subject);
    const none = await bounded(mh.search('no-such-thing-anywhere'), 'search none');
    assert.equal(none.total, 0);
    assert.equal(none.count, 0);
    assert.deepEqual(none.items, []);
    const paged = await bounded(mh.search('ada@engine.test', 'from', 1, 1), 'search paged');
    assert.equal(paged.count, 1);
    assert.equal(paged.total, 2);
    assert.equal(paged.items[0].subject, MAILS[0].subject);
  });

  test('latestFrom / latestTo / latestContaining', T, async () => {
    const lf = await bounded(mh.latestFrom('ada@engine.test'), 'latestFrom');
    assert.equal(lf.subject, 'Second from Ada');
    const lt = await bounded(mh.latestTo('charles@engine.test'), 'latestTo');
    assert.equal(lt.subject, MAILS[0].subject);
    const lc = await bounded(mh.latestContaining('Köln'), 'latestContaining');
    assert.equal(lc.subject, 'Übergrößenträger ✓');
    const missing = await bounded(mh.latestContaining('nothing-like-this'), 'latestContaining none');
    assert.ok(!missing, 'no match resolves falsy');
  });

  test('deleteMessage removes one message', T, async () => {
    const lf = await bounded(mh.latestFrom('ada@engine.test'), 'latestFrom');
    const res = await bounded(mh.deleteMessage(lf.ID), 'deleteMessage');
    assert.equal(res.statusCode, 200);
    const r = await bounded(mh.messages(), 'messages()');
    assert.equal(r.total, 2);
    assert.ok(!r.items.some((i) => i.ID === lf.ID));
    // The same message again: not found, and nothing else goes.
    const again = await srv.fetch(`/api/v1/messages/${encodeURIComponent(lf.ID)}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    await again.text();
    assert.equal((await bounded(mh.messages(), 'messages()')).total, 2);
  });

  test('deleteAll removes everything', T, async () => {
    const res = await bounded(mh.deleteAll(), 'deleteAll');
    assert.equal(res.statusCode, 200);
    const r = await bounded(mh.messages(), 'messages()');
    assert.equal(r.total, 0);
    assert.equal(r.count, 0);
    assert.deepEqual(r.items, []);
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await srv.stop();
  });
});
