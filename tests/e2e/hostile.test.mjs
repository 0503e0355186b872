// Hostile HTTP requests: malformed JSON, huge bodies, bad IDs, path tricks, foreign Origin and
// Host headers. Each must get a clear 4xx, and the mailbox must be exactly as it was afterwards.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startMailjar } from './helpers.mjs';

const T = { timeout: 30_000 };
const EVIL = 'http://evil.test';

describe('hostile requests change nothing', { timeout: 120_000 }, () => {
  let srv;
  let snapshot;
  let ids;

  // Everything a request could have changed: messages, read flags, tags, count.
  async function mailbox() {
    const list = await srv.mailpit().listMessages(0, 100);
    return {
      total: list.total,
      unread: list.unread,
      messages: list.messages.map((m) => ({ ID: m.ID, Read: m.Read, Tags: [...m.Tags].sort() })),
      tags: [...(await srv.mailpit().getTags())].sort(),
    };
  }

  async function expectStatus(res, lo, hi, what) {
    const body = await res.text();
    assert.ok(res.status >= lo && res.status <= hi, `${what}: got ${res.status} ${body.slice(0, 200)}`);
    return body;
  }

  before(async () => {
    srv = await startMailjar(['--http-max-body', '64K']);
    await srv.send({ from: 'a@hostile.test', to: 'b@hostile.test', subject: 'first', text: 'one', headers: { 'X-Tags': 'keep' } });
    await srv.send({ from: 'c@hostile.test', to: 'd@hostile.test', subject: 'second', text: 'two' });
    snapshot = await mailbox();
    ids = snapshot.messages.map((m) => m.ID);
    assert.equal(snapshot.total, 2);
  });
  after(async () => {
    if (srv && !srv.stopped) await srv.stop(); // also checks for sanitizer reports
  });

  const json = (method, body, headers = {}) => ({
    method,
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

  test('malformed and mistyped JSON bodies: 400 text/plain', T, async () => {
    const cases = [
      ['PUT', '/api/v1/messages', '{"IDs": ['],
      ['PUT', '/api/v1/messages', '{"Read": "yes"}'],
      ['PUT', '/api/v1/messages', '{"IDs": "all", "Read": true}'],
      ['PUT', '/api/v1/messages', '[1,2,3]'],
      ['PUT', '/api/v1/messages', '{"IDs":["x"],"Read":true}}'],
      ['DELETE', '/api/v1/messages', 'not json at all'],
      ['DELETE', '/api/v1/messages', '{"IDs": [1, 2]}'],
      ['DELETE', '/api/v1/messages', '{"IDs": null, "x": '],
      ['PUT', '/api/v1/tags', '{"IDs": "x", "Tags": ["a"]}'],
      ['PUT', '/api/v1/tags', '{"IDs": ["x"], "Tags": "a"}'],
      ['PUT', '/api/v1/tags/keep', '{"Name": 5}'],
      ['PUT', '/api/v1/tags/keep', '{'],
      ['POST', '/api/v1/send', '{'],
      ['POST', '/api/v1/send', '{"From": "not an object", "To": []}'],
      ['POST', '/api/v1/send', '"\\ud800"'],
      ['PUT', '/api/v1/messages', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])], // invalid UTF-8
    ];
    for (const [method, path, body] of cases) {
      const res = await srv.fetch(path, json(method, body));
      const text = await expectStatus(res, 400, 400, `${method} ${path} ${String(body).slice(0, 40)}`);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/, `${method} ${path}`);
      assert.ok(text.trim().length > 0, 'a reason is given');
    }
    assert.deepEqual(await mailbox(), snapshot);
  });

  test('bodies over the limit: 413, declared or chunked; nothing changed', T, async () => {
    // Declared: refused on the Content-Length alone, before the body is read.
    const big = 10 * 1024 * 1024;
    const declared = await srv.rawHttp(
      `DELETE /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${srv.httpPort}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${big}\r\nConnection: close\r\n\r\n{"IDs":[`,
    );
    assert.equal(declared.status, 413, declared.body);

    // Actually sent through fetch (a JSON body of ~200 KB, over the 64K limit set for this server).
    const huge = JSON.stringify({ IDs: Array.from({ length: 10000 }, (_, i) => `id${i}xxxxxxxxxxxxx`), Read: true });
    let res;
    try {
      res = await srv.fetch('/api/v1/messages', json('PUT', huge));
    } catch (e) {
      assert.fail(`no response to an oversized body (connection dropped?): ${e.cause?.message ?? e.message}`);
    }
    await expectStatus(res, 413, 413, 'oversized PUT');

    // Chunked: no length up front; the server must count.
    const chunk = 'x'.repeat(16 * 1024);
    let chunked = `PUT /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${srv.httpPort}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    for (let i = 0; i < 8; i++) chunked += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    chunked += '0\r\n\r\n';
    const c = await srv.rawHttp(chunked);
    assert.equal(c.status, 413, c.body);
    assert.deepEqual(await mailbox(), snapshot);
  });

  test('bad and unknown IDs: 404, or 400 for malformed ones', T, async () => {
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA';
    const cases = [
      ['GET', `/api/v1/message/${unknown}`, 404, 404],
      ['GET', `/api/v1/message/${unknown}/headers`, 404, 404],
      ['GET', `/api/v1/message/${unknown}/raw`, 404, 404],
      ['GET', `/api/v1/message/${unknown}/part/1`, 404, 404],
      ['GET', `/api/v1/message/${ids[0]}/part/99`, 404, 404],
      ['GET', `/api/v1/message/${ids[0]}/part/1.2.3.4.5`, 404, 404],
      ['GET', `/api/v1/message/${ids[0]}/part/abc`, 400, 404],
      ['GET', `/view/${unknown}.html`, 404, 404],
      ['GET', `/view/${unknown}.txt`, 404, 404],
      ['GET', '/api/v1/message/not-an-id!', 400, 404],
      ['GET', `/api/v1/message/${'x'.repeat(5000)}`, 400, 414],
      ['GET', '/api/v1/message/%00', 400, 404],
      ['GET', '/api/v1/messages/%E2%80%AE', 400, 404],
      ['DELETE', `/api/v1/messages/${unknown}`, 404, 404],
      ['POST', `/api/v1/message/${unknown}/release`, 400, 404],
    ];
    for (const [method, path, lo, hi] of cases) {
      const res = await srv.fetch(path, { method, ...(method === 'POST' ? json(method, '{"To":["x@y.test"]}') : {}) });
      await expectStatus(res, lo, hi, `${method} ${path.slice(0, 80)}`);
    }
    // IDs that do not exist inside otherwise valid mutations touch nothing.
    await srv.mailpit().setReadStatus({ IDs: [unknown], Read: true }).catch(() => {});
    await srv.mailpit().deleteMessages({ IDs: [unknown] }).catch(() => {});
    await srv.mailpit().setTags({ IDs: [unknown], Tags: ['ghost'] }).catch(() => {});
    assert.deepEqual(await mailbox(), snapshot);
  });

  test('path tricks: traversal and encoded separators are 400, never served', T, async () => {
    const cases = [
      '/api/v1/message/..%2f..%2fetc',
      '/api/v1/message/..%2F..%2F..%2Fetc%2Fpasswd/raw',
      `/api/v1/message/${ids[0]}/part/..%2f..%2f..%2fetc%2fpasswd`,
      '/api/v1/message/%2e%2e/%2e%2e/etc/passwd',
      '/api/v1/message/..%5c..%5cetc',
      '/view/..%2f..%2fetc%2fpasswd.txt',
    ];
    for (const path of cases) {
      const res = await srv.fetch(path);
      const body = await expectStatus(res, 400, 404, path);
      assert.ok(!body.includes('root:'), `${path} served a file`);
    }
    // Literal dot segments (fetch would normalise them away, so send them raw).
    for (const path of ['/api/v1/message/../../../../etc/passwd', '/api/v1/../../etc/passwd', '/view/../../etc/passwd']) {
      const r = await srv.rawHttp(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${srv.httpPort}\r\nConnection: close\r\n\r\n`);
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status}`);
      assert.ok(!r.body.includes('root:'));
    }
    assert.deepEqual(await mailbox(), snapshot);
  });

  test('foreign Origin on state-changing requests: 403, also through /%61pi/ paths', T, async () => {
    const foreign = { Origin: EVIL };
    const cases = [
      ['DELETE', '/api/v1/messages', undefined],
      ['DELETE', '/%61pi/v1/messages', undefined],
      ['DELETE', '/%61%70%69/v1/messages', undefined],
      ['DELETE', '/api/v1/messages', JSON.stringify({ IDs: [ids[0]] })],
      ['PUT', '/api/v1/messages', JSON.stringify({ Read: true })],
      ['PUT', '/%61pi/v1/messages', JSON.stringify({ Read: true })],
      ['DELETE', `/api/v1/search?query=${encodeURIComponent('from:hostile.test')}`, undefined],
      ['PUT', '/api/v1/tags', JSON.stringify({ IDs: ids, Tags: ['pwned'] })],
      ['PUT', '/api/v1/tags/keep', JSON.stringify({ Name: 'pwned' })],
      ['DELETE', '/api/v1/tags/keep', undefined],
      ['POST', '/api/v1/send', JSON.stringify({ From: { Email: 'x@evil.test' }, To: [{ Email: 'y@evil.test' }], Subject: 'csrf' })],
      ['DELETE', `/api/v1/messages/${ids[0]}`, undefined],
      ['DELETE', `/%61pi/v1/messages/${ids[0]}`, undefined],
    ];
    for (const origin of [EVIL, 'null', `http://localhost:${srv.httpPort + 1}`]) {
      for (const [method, path, body] of cases) {
        const headers = body !== undefined ? { 'Content-Type': 'application/json', Origin: origin } : { Origin: origin };
        const res = await srv.fetch(path, { method, body, headers });
        await expectStatus(res, 403, 403, `${method} ${path} Origin ${origin}`);
      }
    }
    // A form post (the classic CSRF shape) is refused too.
    const form = await srv.fetch('/api/v1/messages', {
      method: 'DELETE',
      body: 'IDs=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...foreign },
    });
    await expectStatus(form, 403, 403, 'form DELETE');
    assert.deepEqual(await mailbox(), snapshot);

    // Reads are not state-changing, and the same origin may mutate.
    const read = await srv.fetch('/%61pi/v1/messages', { headers: foreign });
    const body = await expectStatus(read, 200, 200, 'GET /%61pi/v1/messages (the decoded path is the same route)');
    assert.equal(JSON.parse(body).total, 2);
    const same = await srv.fetch('/api/v1/messages', json('PUT', JSON.stringify({ IDs: [ids[0]], Read: true }), { Origin: srv.baseURL }));
    await expectStatus(same, 200, 200, 'same-origin PUT');
    const revert = await srv.fetch('/api/v1/messages', json('PUT', JSON.stringify({ IDs: [ids[0]], Read: false }), { Origin: srv.baseURL }));
    await expectStatus(revert, 200, 200, 'same-origin PUT back');
    assert.deepEqual(await mailbox(), snapshot);
  });

  test('wrong Host header (DNS rebinding): 4xx for reads and writes', T, async () => {
    const req = (method, host, path = '/api/v1/messages') =>
      srv.rawHttp(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    for (const host of ['evil.test', `evil.test:${srv.httpPort}`, `127.0.0.1.evil.test:${srv.httpPort}`, 'localhost.evil.test']) {
      for (const method of ['GET', 'DELETE']) {
        const r = await req(method, host);
        assert.ok(r.status >= 400 && r.status < 500, `${method} Host ${host}: ${r.status}`);
        assert.ok(!r.body.includes('"messages"'), `Host ${host} got the mailbox`);
      }
    }
    // No Host / two Host headers: 400.
    const none = await srv.rawHttp('GET /api/v1/messages HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.equal(none.status, 400);
    const two = await srv.rawHttp(
      `GET /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${srv.httpPort}\r\nHost: evil.test\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(two.status, 400);
    // Loopback names are fine.
    for (const host of [`localhost:${srv.httpPort}`, `127.0.0.1:${srv.httpPort}`]) {
      const ok = await req('GET', host);
      assert.equal(ok.status, 200, `Host ${host}`);
      assert.equal(JSON.parse(ok.body).total, 2);
    }
    assert.deepEqual(await mailbox(), snapshot);
  });

  test('unknown routes and methods: 404/405; garbage request lines: 400', T, async () => {
    await expectStatus(await srv.fetch('/api/v1/nothing-here'), 404, 404, 'unknown route');
    await expectStatus(await srv.fetch('/api/v1/messages', { method: 'PATCH' }), 404, 405, 'PATCH');
    await expectStatus(await srv.fetch('/api/v1/info', { method: 'DELETE' }), 404, 405, 'DELETE info');
    const garbage = await srv.rawHttp(`GARBAGE\r\n\r\n`).catch((e) => ({ status: 0, body: e.message }));
    assert.ok(garbage.status === 400 || garbage.status === 0, `garbage request line: ${garbage.status}`);
    // The server is still healthy and unchanged.
    await expectStatus(await srv.fetch('/livez'), 200, 200, 'livez');
    assert.deepEqual(await mailbox(), snapshot);
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await srv.stop();
  });
});
