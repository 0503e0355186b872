// The sample corpus (samples/*.eml: charsets, encoded words, RFC 2231 names, nested multiparts,
// broken input, NUL bytes, 8-bit headers) sent byte-exact over SMTP, then read back through
// every endpoint a client uses. Every JSON reply must be valid UTF-8 JSON, raw sources must be
// the bytes sent, and each downloaded part must match the checksums the API reports.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { MAILJAR_SAMPLES, md5, sha256, startMailjar, withTimeout } from './helpers.mjs';

const require = createRequire(import.meta.url);
const mailhog = require('mailhog');

const T = { timeout: 60_000 };
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const SAMPLES = readdirSync(MAILJAR_SAMPLES)
  .filter((f) => f.endsWith('.eml'))
  .sort();

describe('sample corpus through the API', { timeout: 120_000 }, () => {
  let srv;
  const byFile = {}; // file -> {raw, id}

  // GET returning parsed JSON after checking the bytes are strict UTF-8.
  async function getJson(p) {
    const res = await srv.fetch(p);
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(res.status, 200, `${p}: ${Buffer.from(bytes).toString('utf8').slice(0, 200)}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, p);
    let text;
    try {
      text = strictUtf8.decode(bytes);
    } catch (e) {
      assert.fail(`${p}: reply is not valid UTF-8 (${e.message})`);
    }
    return JSON.parse(text);
  }

  before(async () => {
    assert.ok(SAMPLES.length >= 20, `samples found in ${MAILJAR_SAMPLES}`);
    srv = await startMailjar();
    for (const f of SAMPLES) {
      const raw = readFileSync(path.join(MAILJAR_SAMPLES, f));
      await srv.sendRaw('corpus@samples.test', [`${path.basename(f, '.eml').replace(/_/g, '-')}@samples.test`], raw);
      byFile[f] = { raw };
    }
    // Newest first: the list order is the reverse of the send order.
    const list = await getJson(`/api/v1/messages?limit=${SAMPLES.length}`);
    assert.equal(list.total, SAMPLES.length);
    const ids = list.messages.map((m) => m.ID).reverse();
    SAMPLES.forEach((f, i) => {
      byFile[f].id = ids[i];
    });
  });
  after(async () => {
    if (srv && !srv.stopped) await srv.stop(); // also checks for sanitizer reports
  });

  test('every stored message is addressed to its own envelope recipient', T, async () => {
    for (const f of SAMPLES) {
      const m = await getJson(`/api/v1/message/${byFile[f].id}`);
      const rcpt = `${path.basename(f, '.eml').replace(/_/g, '-')}@samples.test`;
      const all = [...m.To, ...m.Cc, ...m.Bcc].map((a) => a.Address);
      // The envelope recipient is never in the headers here, so it must be reported as Bcc.
      assert.ok(all.includes(rcpt), `${f}: ${rcpt} in ${JSON.stringify(all)}`);
    }
  });

  test('raw source is byte-exact for every sample', T, async () => {
    for (const f of SAMPLES) {
      const res = await srv.fetch(`/api/v1/message/${byFile[f].id}/raw`);
      assert.equal(res.status, 200, f);
      const got = Buffer.from(await res.arrayBuffer());
      assert.equal(sha256(got), sha256(byFile[f].raw), `${f}: raw source differs (${got.length} vs ${byFile[f].raw.length} bytes)`);
    }
  });

  test('message, headers and list JSON are valid UTF-8 with lists as arrays', T, async () => {
    for (const f of SAMPLES) {
      const { id } = byFile[f];
      const m = await getJson(`/api/v1/message/${id}`);
      for (const k of ['To', 'Cc', 'Bcc', 'ReplyTo', 'Tags', 'Inline', 'Attachments']) {
        assert.ok(Array.isArray(m[k]), `${f}: ${k} is ${JSON.stringify(m[k])}`);
      }
      assert.equal(typeof m.Text, 'string', f);
      assert.equal(typeof m.HTML, 'string', f);
      assert.equal(m.Size, byFile[f].raw.length, `${f}: Size`);
      const h = await getJson(`/api/v1/message/${id}/headers`);
      for (const [k, v] of Object.entries(h)) assert.ok(Array.isArray(v), `${f}: header ${k}`);
    }
    const list = await getJson(`/api/v1/messages?limit=100`);
    for (const s of list.messages) {
      assert.ok(s.Snippet.length <= 203 * 4, 'snippet is short');
      assert.ok(Array.isArray(s.To) && Array.isArray(s.Tags));
    }
  });

  test('every part downloads with the size and checksums the API reports', T, async () => {
    let parts = 0;
    for (const f of SAMPLES) {
      const { id } = byFile[f];
      const m = await getJson(`/api/v1/message/${id}`);
      for (const a of [...m.Attachments, ...m.Inline]) {
        const res = await srv.fetch(`/api/v1/message/${id}/part/${a.PartID}`);
        assert.equal(res.status, 200, `${f} part ${a.PartID}`);
        const bytes = Buffer.from(await res.arrayBuffer());
        assert.equal(bytes.length, a.Size, `${f} part ${a.PartID} size`);
        assert.equal(sha256(bytes), a.Checksums.SHA256, `${f} part ${a.PartID} SHA-256`);
        assert.equal(md5(bytes), a.Checksums.MD5, `${f} part ${a.PartID} MD5`);
        parts++;
      }
    }
    assert.ok(parts >= 8, `${parts} parts checked`);
  });

  test('known samples: encoded words, RFC 2231 names, inline image, X-Tags', T, async () => {
    const get = (f) => getJson(`/api/v1/message/${byFile[f].id}`);
    const rfc2231 = await get('rfc2231_filename.eml');
    assert.ok(
      rfc2231.Attachments.some((a) => /[^\x00-\x7f]/.test(a.FileName)),
      `decoded non-ASCII file name in ${JSON.stringify(rfc2231.Attachments.map((a) => a.FileName))}`,
    );
    const related = await get('related_inline_image.eml');
    assert.equal(related.Inline.length, 1);
    assert.ok(related.Inline[0].ContentID.length > 0);
    const html = await srv.fetch(`/view/${byFile['related_inline_image.eml'].id}.html`);
    const page = await html.text();
    assert.equal(html.status, 200);
    assert.ok(!/src=["']?cid:/i.test(page), 'cid: rewritten');
    const tagged = await get('x_tags.eml');
    assert.ok(tagged.Tags.length >= 2, JSON.stringify(tagged.Tags));
    const encoded = await get('encoded_words.eml');
    assert.ok(!encoded.Subject.includes('=?'), `subject decoded: ${encoded.Subject}`);
    assert.ok(encoded.From && !encoded.From.Name.includes('=?'), JSON.stringify(encoded.From));
  });

  test('mailhog items for the whole corpus parse and carry the raw data', T, async () => {
    const mh = mailhog({ host: '127.0.0.1', port: srv.httpPort });
    const r = await withTimeout(mh.messages(0, 100), 15_000, 'mailhog messages()');
    assert.equal(r.total, SAMPLES.length);
    assert.equal(r.items.length, SAMPLES.length);
    for (const item of r.items) {
      const f = SAMPLES.find((s) => byFile[s].id === item.ID);
      assert.ok(f, `item ${item.ID} is a sample`);
      assert.equal(typeof item.Content.Body, 'string');
      assert.equal(item.Raw.From, 'corpus@samples.test');
      // Clean UTF-8 samples come back exactly; others with U+FFFD for the invalid bytes.
      const rawText = byFile[f].raw.toString('utf8');
      if (!rawText.includes('\ufffd')) assert.equal(item.Raw.Data, rawText, `${f}: Raw.Data`);
      else assert.equal(item.Raw.Data.length > 0, true);
      // The client's own decoding getters work on what we serve (iconv-lite, which it uses,
      // has no ISO-2022-JP: that one error is the client's, not the data's).
      for (const getter of ['subject', 'from', 'to', 'text', 'html', 'attachments']) {
        try {
          void item[getter];
        } catch (e) {
          assert.match(e.message, /Encoding not recognized: 'ISO-2022-JP'/i, `${f}: item.${getter}`);
        }
      }
    }
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await srv.stop();
  });
});
