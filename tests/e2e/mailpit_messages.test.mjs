// mailpit-api against mailjar: messages sent over SMTP come back with the fields that were sent
// (RFC 2047 subjects and names, attachments with checksums, inline images, Bcc), headers, raw
// source, `latest`, info/webui, /api/v1/send and the /view pages.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { PNG_1x1, richMail } from './fixtures.mjs';
import { binaryPayload, composeRaw, md5, sha1, sha256, startMailjar, uniqueWord } from './helpers.mjs';

const T = { timeout: 30_000 };
// Bodies keep the message's CRLF line ends (as Mailpit's do); compare by lines.
const lf = (s) => s.replace(/\r\n/g, '\n');

describe('mailpit-api: messages', { timeout: 120_000 }, () => {
  let srv;
  const rich = richMail();
  let richInfo; // nodemailer's result
  let richId;
  let exact; // {raw, id, word}

  before(async () => {
    srv = await startMailjar();
  });
  after(async () => {
    if (srv && !srv.stopped) await srv.stop(); // also checks for sanitizer reports
  });

  test('a rich message sent with nodemailer is listed with its summary fields', T, async () => {
    richInfo = await srv.send(rich.mail);
    assert.match(richInfo.response, /^250/);
    assert.deepEqual(richInfo.envelope.to.sort(), ['hidden@delta.test', 'ivan@beta.test', 'plain@beta.test', 'taro@gamma.test']);

    const list = await srv.mailpit().listMessages();
    assert.equal(list.total, 1);
    assert.equal(list.unread, 1);
    assert.equal(list.count, 1);
    assert.equal(list.messages_count, 1);
    assert.equal(list.start, 0);
    assert.ok(Array.isArray(list.tags));
    const s = list.messages[0];
    richId = s.ID;
    assert.match(s.ID, /^[0-9A-Za-z]{22}$/);
    assert.equal(s.MessageID, richInfo.messageId.replace(/^<|>$/g, ''));
    assert.equal(s.Read, false);
    assert.equal(s.Subject, rich.mail.subject);
    assert.deepEqual(s.From, { Name: 'Zoë Ångström', Address: 'zoe@alpha.test' });
    assert.deepEqual(s.To, [
      { Name: 'Иван Петров', Address: 'ivan@beta.test' },
      { Name: '', Address: 'plain@beta.test' },
    ]);
    assert.deepEqual(s.Cc, [{ Name: '山田 太郎', Address: 'taro@gamma.test' }]);
    assert.deepEqual(s.Bcc, [{ Name: '', Address: 'hidden@delta.test' }], 'envelope-only recipient reported as Bcc');
    assert.deepEqual(s.ReplyTo, [{ Name: 'Replies', Address: 'replies@alpha.test' }]);
    assert.equal(s.Attachments, 2, 'attachment count excludes the inline image');
    assert.deepEqual([...s.Tags].sort(), ['billing', 'e2e']);
    assert.ok(s.Snippet.includes('quarterly numbers'), `snippet: ${s.Snippet}`);
    assert.ok(s.Size > 30 * 1024, `size ${s.Size}`);
    const created = Date.parse(s.Created);
    assert.ok(Math.abs(Date.now() - created) < 120_000, `Created ${s.Created} is not now`);
    assert.match(s.Created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/);
  });

  test('getMessageSummary returns the parsed message and marks it read', T, async () => {
    const m = await srv.mailpit().getMessageSummary(richId);
    assert.equal(m.ID, richId);
    assert.equal(m.Subject, rich.mail.subject);
    assert.deepEqual(m.From, { Name: 'Zoë Ångström', Address: 'zoe@alpha.test' });
    assert.deepEqual(m.Bcc, [{ Name: '', Address: 'hidden@delta.test' }]);
    assert.equal(m.ReturnPath, 'zoe@alpha.test');
    assert.equal(lf(m.Text).trim(), rich.mail.text.trim());
    assert.ok(m.HTML.includes('<b>there</b>'), m.HTML);
    assert.deepEqual([...m.Tags].sort(), ['billing', 'e2e']);
    assert.deepEqual(m.ListUnsubscribe.Links, ['https://alpha.test/unsubscribe?u=1', 'mailto:unsub@alpha.test']);
    assert.equal(m.ListUnsubscribe.Errors, '');
    const date = Date.parse(m.Date);
    assert.ok(Math.abs(Date.now() - date) < 120_000, `Date ${m.Date}`);

    assert.equal(m.Attachments.length, rich.attachments.length);
    for (const want of rich.attachments) {
      const got = m.Attachments.find((a) => a.FileName === want.FileName);
      assert.ok(got, `attachment ${want.FileName} in ${JSON.stringify(m.Attachments.map((a) => a.FileName))}`);
      assert.equal(got.ContentType, want.ContentType);
      assert.equal(got.Size, want.bytes.length);
      assert.equal(got.Checksums.SHA256, sha256(want.bytes));
      assert.equal(got.Checksums.SHA1, sha1(want.bytes));
      assert.equal(got.Checksums.MD5, md5(want.bytes));
      assert.match(got.PartID, /^\d+(\.\d+)*$/);
    }
    assert.equal(m.Inline.length, 1);
    const inl = m.Inline[0];
    assert.equal(inl.FileName, 'logo.png');
    assert.equal(inl.ContentType, 'image/png');
    assert.equal(inl.ContentID, 'logo@e2e');
    assert.equal(inl.Checksums.SHA256, sha256(PNG_1x1));

    const list = await srv.mailpit().listMessages();
    assert.equal(list.messages[0].Read, true, 'opening a message marks it read');
    assert.equal(list.unread, 0);
  });

  test('getMessageAttachment downloads exactly the bytes that were attached', T, async () => {
    const client = srv.mailpit();
    const m = await client.getMessageSummary(richId);
    for (const part of [...m.Attachments, ...m.Inline]) {
      const want = [...rich.attachments, ...rich.inline].find((a) => a.FileName === part.FileName);
      const blob = await client.getMessageAttachment(richId, part.PartID);
      const bytes = Buffer.from(await blob.arrayBuffer());
      assert.equal(bytes.length, want.bytes.length, part.FileName);
      assert.equal(sha256(bytes), sha256(want.bytes), `SHA-256 of ${part.FileName}`);
      assert.equal(blob.type.split(';')[0], want.ContentType);
    }
    // Served as a download, not sniffed.
    const part = m.Attachments.find((a) => a.FileName === 'Übersicht März.pdf');
    const res = await srv.fetch(`/api/v1/message/${richId}/part/${part.PartID}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const cd = res.headers.get('content-disposition') ?? '';
    assert.match(cd, /^attachment/);
    assert.match(cd, /filename\*=UTF-8''%C3%9Cbersicht%20M%C3%A4rz\.pdf/i, cd);
    await res.arrayBuffer();
  });

  test('getMessageHeaders returns canonical names and the sent values, no Bcc header', T, async () => {
    const h = await srv.mailpit().getMessageHeaders(richId);
    assert.deepEqual(h['Message-Id'], [richInfo.messageId]);
    assert.deepEqual(h['Mime-Version'], ['1.0']);
    assert.deepEqual(h['X-Tags'], ['e2e, billing']);
    assert.equal(h.Subject.length, 1);
    assert.ok(h.From && h.To && h.Cc && h.Date && h['Content-Type'], Object.keys(h).join(','));
    assert.equal(h.Bcc, undefined, 'nodemailer does not send a Bcc header');
    for (const [k, v] of Object.entries(h)) {
      assert.ok(Array.isArray(v), `${k} is a list`);
    }
  });

  test('exact bytes: getMessageSource returns what was sent; Size is its length; dl=1 downloads', T, async () => {
    const word = uniqueWord('exact');
    const { raw } = await composeRaw({
      from: '"Sender, Esq." <sender@exact.test>',
      to: 'rcpt@exact.test',
      subject: `=?weird?= literal ${word}`,
      text: `line one\n.line starting with a dot\n\nünïcödé ${word}\n`,
      attachments: [{ filename: 'blob.bin', content: binaryPayload(5000) }],
    });
    await srv.sendRaw('sender@exact.test', ['rcpt@exact.test', 'secret@exact.test'], raw);
    const client = srv.mailpit();
    const list = await client.listMessages();
    const s = list.messages.find((m) => m.Subject === `=?weird?= literal ${word}`);
    assert.ok(s, `subject with a malformed encoded word kept literally: ${JSON.stringify(list.messages.map((m) => m.Subject))}`);
    const id = s.ID;
    exact = { raw, id, word };
    const source = await client.getMessageSource(id);
    assert.equal(Buffer.byteLength(source), raw.length);
    assert.equal(source, raw.toString('utf8'));
    assert.equal(s.Size, raw.length);
    assert.deepEqual(s.Bcc, [{ Name: '', Address: 'secret@exact.test' }]);
    assert.deepEqual(s.From, { Name: 'Sender, Esq.', Address: 'sender@exact.test' });

    const dl = await srv.fetch(`/api/v1/message/${id}/raw?dl=1`);
    assert.equal(dl.status, 200);
    assert.match(dl.headers.get('content-disposition') ?? '', new RegExp(`^attachment;.*filename="?${id}\\.eml"?`));
    assert.equal(sha256(Buffer.from(await dl.arrayBuffer())), sha256(raw));
  });

  test('latest and latest?query= name the newest (matching) message', T, async () => {
    const client = srv.mailpit();
    const latest = await client.getMessageSummary(); // defaults to "latest"
    assert.equal(latest.ID, exact.id);
    const src = await client.getMessageSource('latest');
    assert.equal(sha256(Buffer.from(src)), sha256(exact.raw));
    const q = encodeURIComponent(`subject:${rich.word}`);
    const r = await srv.fetch(`/api/v1/message/latest?query=${q}`);
    assert.equal(r.status, 200);
    assert.equal((await r.json()).ID, richId);
    const h = await client.getMessageHeaders('latest');
    assert.deepEqual(h.To, ['rcpt@exact.test']);
    const none = await srv.fetch(`/api/v1/message/latest?query=${encodeURIComponent('subject:nothing-matches-this')}`);
    assert.equal(none.status, 404);
    await none.text();
  });

  test('/view/{ID}.html rewrites cid: images to part URLs; .txt is the text body', T, async () => {
    const client = srv.mailpit();
    const html = await client.renderMessageHTML(richId);
    assert.ok(html.includes('<b>there</b>'));
    assert.ok(!html.includes('cid:logo@e2e'), 'cid: URL rewritten');
    const m = await client.getMessageSummary(richId);
    assert.ok(html.includes(`part/${m.Inline[0].PartID}`), html);
    const txt = await client.renderMessageText(richId);
    assert.equal(lf(txt).trim(), rich.mail.text.trim());
  });

  test('sendMessage (/api/v1/send) stores a message with the given fields', T, async () => {
    const client = srv.mailpit();
    const word = uniqueWord('send');
    const att = binaryPayload(3000);
    const r = await client.sendMessage({
      From: { Email: 'api@send.test', Name: 'Ægir API' },
      To: [{ Email: 'to@send.test', Name: 'Tō Person' }, { Email: 'to2@send.test' }],
      Cc: [{ Email: 'cc@send.test' }],
      Bcc: ['bcc@send.test'],
      ReplyTo: [{ Email: 'reply@send.test' }],
      Subject: `Sent via API ✉ ${word}`,
      Text: `plain body ${word}`,
      HTML: `<p>html body ${word}</p>`,
      Tags: ['api-sent', 'second'],
      Headers: { 'X-Custom': 'custom value' },
      Attachments: [{ Content: att.toString('base64'), Filename: 'data.bin', ContentType: 'application/octet-stream' }],
    });
    assert.match(r.ID, /^[0-9A-Za-z]{22}$/);
    const m = await client.getMessageSummary(r.ID);
    assert.equal(m.Subject, `Sent via API ✉ ${word}`);
    assert.deepEqual(m.From, { Name: 'Ægir API', Address: 'api@send.test' });
    assert.deepEqual(m.To, [
      { Name: 'Tō Person', Address: 'to@send.test' },
      { Name: '', Address: 'to2@send.test' },
    ]);
    assert.deepEqual(m.Cc, [{ Name: '', Address: 'cc@send.test' }]);
    assert.deepEqual(m.Bcc, [{ Name: '', Address: 'bcc@send.test' }]);
    assert.deepEqual(m.ReplyTo, [{ Name: '', Address: 'reply@send.test' }]);
    assert.equal(lf(m.Text).trim(), `plain body ${word}`);
    assert.ok(m.HTML.includes(`html body ${word}`));
    assert.deepEqual([...m.Tags].sort(), ['api-sent', 'second']);
    assert.equal(m.Attachments.length, 1);
    assert.equal(m.Attachments[0].FileName, 'data.bin');
    assert.equal(m.Attachments[0].Checksums.SHA256, sha256(att));
    const blob = await client.getMessageAttachment(r.ID, m.Attachments[0].PartID);
    assert.equal(sha256(Buffer.from(await blob.arrayBuffer())), sha256(att));
    const h = await client.getMessageHeaders(r.ID);
    assert.deepEqual(h['X-Custom'], ['custom value']);

    await assert.rejects(client.sendMessage({ To: [{ Email: 'x@send.test' }], Subject: 'no sender' }), /400/);
  });

  test('getInfo and getConfiguration describe the mailbox and the UI settings', T, async () => {
    const client = srv.mailpit();
    const info = await client.getInfo();
    assert.equal(typeof info.Version, 'string');
    assert.ok(info.Version.length > 0);
    assert.equal(info.Messages, 3);
    assert.equal(typeof info.Unread, 'number');
    assert.equal(info.Database, srv.db);
    assert.ok(info.DatabaseSize > 0);
    assert.equal(info.Tags.e2e, 1);
    assert.equal(info.Tags.billing, 1);
    assert.equal(info.Tags['api-sent'], 1);
    const rs = info.RuntimeStats;
    assert.ok(rs.Uptime >= 0);
    assert.ok(rs.Memory > 0);
    assert.equal(rs.SMTPAccepted, 2, 'two messages came in over SMTP');
    assert.ok(rs.SMTPAcceptedSize > 30 * 1024);
    assert.equal(rs.MessagesDeleted, 0);

    const cfg = await client.getConfiguration();
    assert.equal(typeof cfg.Label, 'string');
    assert.equal(cfg.MessageRelay.Enabled, false);
    assert.equal(typeof cfg.SpamAssassin, 'boolean');
    assert.equal(typeof cfg.ChaosEnabled, 'boolean');
    assert.equal(typeof cfg.DuplicatesIgnored, 'boolean');
    assert.equal(typeof cfg.HideDeleteAllButton, 'boolean');
  });

  test('waitForMessage / waitForMessages resolve when the mail arrives', T, async () => {
    const client = srv.mailpit();
    const word = uniqueWord('wait');
    const waiting = client.waitForMessage({ query: `subject:${word}` }, { timeout: 10_000, interval: 100 });
    setTimeout(() => {
      srv.send({ from: 'late@wait.test', to: 'x@wait.test', subject: `arrives later ${word}`, text: 'x' }).catch(() => {});
    }, 300);
    const m = await waiting;
    assert.equal(m.Subject, `arrives later ${word}`);
    assert.deepEqual(m.From, { Name: '', Address: 'late@wait.test' });
    const r = await client.waitForMessages({ query: `subject:${word}`, count: 1, exact: true }, { timeout: 5000, interval: 100 });
    assert.equal(r.messages_count, 1);
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await srv.stop();
  });
});
