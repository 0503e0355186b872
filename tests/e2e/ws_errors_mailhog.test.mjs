// WebSocket with the `ws` client: Mailpit's `error` frames for SMTP clients that get a 4xx/5xx
// (too many recipients, failed AUTH), MailHog's /api/v2/websocket pushing new messages in
// MailHog's item shape and nothing else, and the Origin rule on /api/v2/websocket.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import nodemailer from 'nodemailer';

import { openEvents, sleep, startMailjar, uniqueWord, withTimeout } from './helpers.mjs';

const T = { timeout: 30_000 };

// A scripted SMTP dialogue: each step sends a line and returns the reply (all its lines).
function smtpDialog(port) {
  const sock = net.connect({ host: '127.0.0.1', port });
  let buf = '';
  const replies = [];
  const waiting = [];
  sock.on('data', (chunk) => {
    buf += chunk.toString('latin1');
    for (;;) {
      const m = /^((?:\d{3}-[^\r\n]*\r\n)*)(\d{3})(?: [^\r\n]*)?\r\n/.exec(buf);
      if (!m) break;
      buf = buf.slice(m[0].length);
      const w = waiting.shift();
      if (w) w(m[0]);
      else replies.push(m[0]);
    }
  });
  sock.on('error', () => {});
  const reply = () =>
    withTimeout(
      new Promise((r) => {
        if (replies.length) r(replies.shift());
        else waiting.push(r);
      }),
      10_000,
      'SMTP reply',
    );
  return {
    greeting: reply(),
    async send(line) {
      sock.write(`${line}\r\n`);
      return (await reply()).trim();
    },
    close() {
      sock.destroy();
    },
  };
}

const isError = (x) => x.Type === 'error';

describe('WebSocket error frames (Mailpit) and MailHog websocket', { timeout: 120_000 }, () => {
  let srv;
  let ev;

  before(async () => {
    srv = await startMailjar(['--smtp-max-recipients', '2', '--smtp-auth', 'alice:secret']);
    ev = srv.events({ origin: srv.baseURL });
    await ev.opened;
  });
  after(async () => {
    if (ev) await ev.close();
    if (srv && !srv.stopped) await srv.stop();
  });

  test('a client over the recipient limit: `error` frame with Level warning and the 452 reply', T, async () => {
    const since = ev.frames.length;
    const c = smtpDialog(srv.smtpPort);
    try {
      assert.match(await c.greeting, /^220 /);
      assert.match(await c.send('EHLO e2e.test'), /^250/);
      assert.match(await c.send('AUTH PLAIN ' + Buffer.from('\0alice\0secret').toString('base64')), /^235 /);
      assert.match(await c.send('MAIL FROM:<a@e2e.test>'), /^250 /);
      assert.match(await c.send('RCPT TO:<one@e2e.test>'), /^250 /);
      assert.match(await c.send('RCPT TO:<two@e2e.test>'), /^250 /);
      const refused = await c.send('RCPT TO:<three@e2e.test>');
      assert.match(refused, /^452 4\.5\.3/);
      const f = await ev.next(isError, { since, what: '`error` frame after 452' });
      assert.deepEqual(Object.keys(f.Data).sort(), ['IP', 'Level', 'Message', 'Type']);
      assert.equal(f.Data.Level, 'warning');
      assert.equal(f.Data.Type, 'smtpd');
      assert.equal(f.Data.IP, '127.0.0.1');
      assert.equal(f.Data.Message, refused);
      // Successful replies produce no frames.
      assert.equal(ev.frames.slice(since).filter(isError).length, 1);
    } finally {
      c.close();
    }
  });

  test('a failed AUTH: `error` frame with Level error and the 535 reply', T, async () => {
    const since = ev.frames.length;
    const c = smtpDialog(srv.smtpPort);
    try {
      await c.greeting;
      await c.send('EHLO e2e.test');
      const denied = await c.send('AUTH PLAIN ' + Buffer.from('\0alice\0wrong').toString('base64'));
      assert.match(denied, /^535 5\.7\.8/);
      const f = await ev.next(isError, { since, what: '`error` frame after 535' });
      assert.deepEqual(f.Data, { Level: 'error', Type: 'smtpd', IP: '127.0.0.1', Message: denied });
      // Without AUTH, MAIL is refused (530): one more error frame, in order.
      const required = await c.send('MAIL FROM:<a@e2e.test>');
      assert.match(required, /^530 /);
      const g = await ev.next((x) => isError(x) && x.Data.Message === required, { since, what: '`error` after 530' });
      assert.equal(g.Data.Level, 'error');
    } finally {
      c.close();
    }
  });

  test('MailHog /api/v2/websocket: new messages as MailHog items, nothing for other events', T, async () => {
    const mh = openEvents(srv.httpPort, { path: '/api/v2/websocket', origin: srv.baseURL });
    await mh.opened;
    try {
      await sleep(100); // joined the hub
      const word = uniqueWord('mh');
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: srv.smtpPort,
        secure: false,
        ignoreTLS: true,
        auth: { user: 'alice', pass: 'secret' },
        connectionTimeout: 5000,
        greetingTimeout: 5000,
        socketTimeout: 10000,
      });
      try {
        await withTimeout(
          transport.sendMail({
            from: 'Sender Name <sender@mh.test>',
            to: 'rcpt@mh.test',
            subject: `Hog ${word}`,
            text: `body ${word}`,
          }),
          15_000,
          'SMTP delivery',
        );
      } finally {
        transport.close();
      }
      const item = await mh.next((x) => x.Content?.Headers?.Subject?.[0] === `Hog ${word}`, { what: 'MailHog item' });
      assert.match(item.ID, /^[0-9A-Za-z]{22}$/);
      assert.deepEqual(item.From, { Relays: null, Mailbox: 'sender', Domain: 'mh.test', Params: '' });
      assert.equal(item.To.length, 1);
      assert.equal(`${item.To[0].Mailbox}@${item.To[0].Domain}`, 'rcpt@mh.test');
      assert.equal(item.Raw.From, 'sender@mh.test');
      assert.deepEqual(item.Raw.To, ['rcpt@mh.test']);
      assert.ok(item.Raw.Data.includes(`body ${word}`));
      assert.ok(item.Content.Body.includes(`body ${word}`));
      assert.equal(typeof item.Created, 'string');
      // The same message through the REST API has the same shape.
      const listed = await (await srv.fetch('/api/v2/messages?limit=1')).json();
      assert.deepEqual(listed.items[0], item);

      // Read flags, tags, deletes, SMTP errors and stats are Mailpit-only: nothing arrives here.
      const before = mh.frames.length;
      const evSince = ev.frames.length;
      const headers = { 'Content-Type': 'application/json', Origin: srv.baseURL };
      await srv.fetch('/api/v1/messages', { method: 'PUT', headers, body: JSON.stringify({ IDs: [item.ID], Read: true }) });
      await srv.fetch('/api/v1/tags', { method: 'PUT', headers, body: JSON.stringify({ IDs: [item.ID], Tags: ['t'] }) });
      const c = smtpDialog(srv.smtpPort);
      await c.greeting;
      await c.send('EHLO e2e.test');
      await c.send('AUTH PLAIN ' + Buffer.from('\0alice\0nope').toString('base64'));
      c.close();
      await srv.fetch('/api/v1/messages', { method: 'DELETE', headers, body: JSON.stringify({ IDs: [item.ID] }) });
      // The Mailpit listener saw all of them (so they were published) ...
      await ev.next((x) => x.Type === 'delete' && x.Data?.ID === item.ID, { since: evSince, what: '`delete` on /api/events' });
      await ev.next(isError, { since: evSince, what: '`error` on /api/events' });
      await sleep(500);
      // ... the MailHog listener none.
      assert.deepEqual(mh.frames.slice(before), []);
    } finally {
      await mh.close();
    }
  });

  test('MailHog /api/v2/websocket refuses foreign Origins like /api/events', T, async () => {
    for (const origin of ['http://evil.test', 'null', `http://localhost:${srv.httpPort + 1}`]) {
      const bad = openEvents(srv.httpPort, { path: '/api/v2/websocket', origin });
      const err = await bad.opened.then(
        () => null,
        (e) => e,
      );
      await bad.close();
      assert.ok(err, `Origin ${origin} was accepted`);
      assert.equal(err.statusCode, 403, `Origin ${origin}: ${err.message}`);
    }
    for (const p of ['/%61pi/v2/websocket', '/api/v2/%77ebsocket']) {
      const bad = openEvents(srv.httpPort, { path: p, origin: 'http://evil.test' });
      const err = await bad.opened.then(
        () => null,
        (e) => e,
      );
      await bad.close();
      assert.ok(err && err.statusCode >= 400 && err.statusCode < 500, `${p}: ${err && err.message}`);
    }
    // No Origin (a non-browser client) and the same origin are accepted.
    for (const origin of [undefined, srv.baseURL]) {
      const ok = openEvents(srv.httpPort, { path: '/api/v2/websocket', origin });
      await ok.opened;
      await ok.close();
    }
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await ev.close();
    ev = null;
    await srv.stop();
  });
});
