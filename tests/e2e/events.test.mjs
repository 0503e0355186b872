// WebSocket /api/events with the `ws` client: `new` frames for mail sent over SMTP, `stats`,
// `update` after read/tag changes, `delete` and `truncate`; foreign origins are refused
// (CSWSH), also through an encoded path.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { openEvents, startMailjar, uniqueWord } from './helpers.mjs';

const T = { timeout: 30_000 };

describe('WebSocket events', { timeout: 120_000 }, () => {
  let srv;
  let ev; // the main listener
  let newId;

  before(async () => {
    srv = await startMailjar();
  });
  after(async () => {
    if (ev) await ev.close();
    if (srv && !srv.stopped) await srv.stop(); // also checks for sanitizer reports
  });

  test('a same-origin client connects; mail over SMTP arrives as a `new` frame', T, async () => {
    ev = srv.events({ origin: srv.baseURL });
    await ev.opened;
    const second = srv.events(); // no Origin (non-browser client)
    await second.opened;
    try {
      const word = uniqueWord('ws');
      const sent = Date.now();
      const info = await srv.send({
        from: { name: 'Événement', address: 'events@ws.test' },
        to: [{ name: 'Listener', address: 'listener@ws.test' }],
        bcc: 'quiet@ws.test',
        subject: `Live ✓ ${word}`,
        text: `event body ${word}`,
        headers: { 'X-Tags': 'live' },
        attachments: [{ filename: 'a.txt', content: 'attached' }],
      });
      const f = await ev.next((x) => x.Type === 'new' && x.Data?.Subject === `Live ✓ ${word}`, {
        timeout: 5000,
        what: '`new` frame',
      });
      const elapsed = Date.now() - sent;
      assert.ok(elapsed < 5000, `new frame after ${elapsed} ms`);
      const d = f.Data;
      newId = d.ID;
      assert.match(d.ID, /^[0-9A-Za-z]{22}$/);
      assert.equal(d.MessageID, info.messageId.replace(/^<|>$/g, ''));
      assert.deepEqual(d.From, { Name: 'Événement', Address: 'events@ws.test' });
      assert.deepEqual(d.To, [{ Name: 'Listener', Address: 'listener@ws.test' }]);
      assert.deepEqual(d.Bcc, [{ Name: '', Address: 'quiet@ws.test' }]);
      assert.equal(d.Read, false);
      assert.equal(d.Attachments, 1);
      assert.deepEqual(d.Tags, ['live']);
      assert.ok(d.Size > 0);
      assert.ok(d.Snippet.includes(`event body ${word}`), d.Snippet);
      assert.ok(Math.abs(Date.parse(d.Created) - Date.now()) < 120_000);
      // The same frame reaches every listener, and it names a message the API serves.
      const f2 = await second.next((x) => x.Type === 'new' && x.Data?.ID === d.ID, { what: '`new` on second client' });
      assert.deepEqual(f2, f);
      const m = await srv.mailpit().listMessages();
      assert.equal(m.messages[0].ID, d.ID);
    } finally {
      await second.close();
    }
  });

  test('`stats` frames report totals and are rate limited', T, async () => {
    const since = ev.frames.length;
    const t0 = Date.now();
    // A burst of mail: stats may coalesce, but the last one must show the final totals.
    for (let i = 0; i < 3; i++) await srv.send({ from: 'burst@ws.test', to: 'x@ws.test', subject: `burst ${i}`, text: 'x' });
    const last = await ev.next((x) => x.Type === 'stats' && x.Data?.Total === 4, { since, timeout: 5000, what: '`stats` with Total 4' });
    assert.equal(last.Data.Unread, 4);
    assert.equal(typeof last.Data.Version, 'string');
    const seconds = (Date.now() - t0) / 1000;
    const stats = ev.frames.slice(since).filter((x) => x.Type === 'stats');
    // At most 4 a second (plus one already due at the start of the window).
    assert.ok(stats.length >= 1 && stats.length <= Math.ceil(seconds * 4) + 1, `${stats.length} stats frames in ${seconds} s`);
    const news = ev.frames.slice(since).filter((x) => x.Type === 'new');
    assert.equal(news.length, 3);
  });

  test('`update` frames after marking read and setting tags', T, async () => {
    const client = srv.mailpit();
    let since = ev.frames.length;
    await client.setReadStatus({ IDs: [newId], Read: true });
    const u = await ev.next((x) => x.Type === 'update' && x.Data?.ID === newId && 'Read' in x.Data, {
      since,
      what: '`update` {ID, Read}',
    });
    assert.deepEqual(u.Data, { ID: newId, Read: true });
    await ev.next((x) => x.Type === 'stats' && x.Data?.Unread === 3, { since, what: '`stats` with Unread 3' });

    since = ev.frames.length;
    await client.setTags({ IDs: [newId], Tags: ['one', 'two'] });
    const t = await ev.next((x) => x.Type === 'update' && x.Data?.ID === newId && 'Tags' in x.Data, {
      since,
      what: '`update` {ID, Tags}',
    });
    assert.deepEqual([...t.Data.Tags].sort(), ['one', 'two']);
  });

  test('`delete` after deleting one message, `truncate` after deleting all', T, async () => {
    const client = srv.mailpit();
    let since = ev.frames.length;
    await client.deleteMessages({ IDs: [newId] });
    const d = await ev.next((x) => x.Type === 'delete' && x.Data?.ID === newId, { since, what: '`delete` frame' });
    assert.deepEqual(d.Data, { ID: newId });
    await ev.next((x) => x.Type === 'stats' && x.Data?.Total === 3, { since, what: '`stats` with Total 3' });

    since = ev.frames.length;
    await client.deleteMessages();
    await ev.next((x) => x.Type === 'truncate', { since, what: '`truncate` frame' });
    await ev.next((x) => x.Type === 'stats' && x.Data?.Total === 0 && x.Data?.Unread === 0, { since, what: '`stats` with Total 0' });
  });

  test('a WebSocket with a foreign Origin is refused and receives nothing', T, async () => {
    for (const origin of ['http://evil.test', 'null', `http://127.0.0.1:${srv.httpPort + 1}`]) {
      const bad = srv.events({ origin });
      const err = await bad.opened.then(
        () => null,
        (e) => e,
      );
      await bad.close();
      assert.ok(err, `Origin ${origin} was accepted`);
      assert.equal(err.statusCode, 403, `Origin ${origin}: ${err.message}`);
    }
  });

  test('encoded paths cannot bypass the Origin check (/%61pi/events)', T, async () => {
    for (const p of ['/%61pi/events', '/api/%65vents', '/API/events/', '//api/events', '/api/./events']) {
      const bad = openEvents(srv.httpPort, { origin: 'http://evil.test', path: p });
      const err = await bad.opened.then(
        () => null,
        (e) => e,
      );
      await bad.close();
      assert.ok(err, `foreign origin accepted on ${p}`);
      assert.ok(err.statusCode >= 400 && err.statusCode < 500, `${p}: ${err.message}`);
    }
    // The listener that stayed open is still served.
    const since = ev.frames.length;
    await srv.send({ from: 'after@ws.test', to: 'x@ws.test', subject: 'still live', text: 'x' });
    await ev.next((x) => x.Type === 'new' && x.Data?.Subject === 'still live', { since, what: '`new` after refusals' });
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await ev.close();
    ev = null;
    await srv.stop();
  });
});
