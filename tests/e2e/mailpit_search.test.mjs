// mailpit-api searchMessages against a known mailbox: every kind of Mailpit search term,
// negation, Unicode case folding, counts, and paging of list and search.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { PNG_1x1 } from './fixtures.mjs';
import { binaryPayload, startMailjar } from './helpers.mjs';

const T = { timeout: 30_000 };

// Sent in this order (so newest first is the reverse). Each key names one message.
const CORPUS = [
  [
    'report',
    {
      from: { name: 'Anna Alpha', address: 'anna@alpha.test' },
      to: 'bob@beta.test',
      cc: 'carol@gamma.test',
      bcc: 'dave@delta.test',
      subject: 'Quarterly report',
      text: 'Numbers for the quarterly review are in the spreadsheet.',
      attachments: [{ filename: 'numbers.xlsx', content: binaryPayload(40 * 1024) }],
    },
  ],
  [
    'lunch',
    {
      from: { name: 'Bob Beta', address: 'bob@beta.test' },
      to: 'anna@alpha.test',
      subject: 'Lunch at the blue door',
      text: 'See you at the blue door café at noon.',
      html: '<p>See you at the <i>blue door</i> café at noon.</p><img src="cid:map@e2e">',
      attachments: [{ filename: 'map.png', content: PNG_1x1, cid: 'map@e2e' }],
    },
  ],
  [
    'russian',
    {
      from: { name: 'Зоя Зайцева', address: 'zoya@zeta.test' },
      to: { name: 'Иван Петров', address: 'ivan@example.test' },
      subject: 'Привет Мир',
      text: 'Съешь же ещё этих мягких французских булок.',
    },
  ],
  [
    'deploy',
    {
      from: 'carol@gamma.test',
      to: 'team+ops@example.test',
      subject: 'Deploy finished',
      text: 'Build 1234 is live on staging.',
      headers: { 'X-Tags': 'deploy, CI', 'X-Env': 'Staging-EU' },
    },
  ],
  [
    'reply',
    {
      from: 'anna@alpha.test',
      to: 'bob@beta.test',
      replyTo: 'answers@alpha.test',
      subject: 'Re: Quarterly report',
      text: 'Thanks, looks fine to me.',
    },
  ],
  [
    'french',
    {
      from: { name: 'Émile Zola', address: 'emile@epsilon.test' },
      to: 'lecteur@epsilon.test',
      subject: 'Élan vital',
      text: 'Ὦ ξεῖν᾽, ἀγγέλλειν Λακεδαιμονίοις — and the Greek word ΣΟΦΙΑ.',
    },
  ],
];

function ymd(daysFromNow) {
  return new Date(Date.now() + daysFromNow * 86_400_000).toISOString().slice(0, 10);
}

describe('mailpit-api: search and paging', { timeout: 120_000 }, () => {
  let srv;
  const id = {}; // key -> ID
  let all; // IDs newest first

  before(async () => {
    srv = await startMailjar();
    for (const [key, mail] of CORPUS) {
      const info = await srv.send(mail);
      const r = await srv.mailpit().searchMessages({ query: `message-id:${info.messageId.replace(/^<|>$/g, '')}` });
      assert.equal(r.messages_count, 1, `message-id search for ${key}`);
      id[r.messages[0].ID] = key;
      id[key] = r.messages[0].ID;
    }
    all = CORPUS.map(([k]) => id[k]).reverse();
  });
  after(async () => {
    if (srv && !srv.stopped) await srv.stop(); // also checks for sanitizer reports
  });

  // Search and return the set of corpus keys found; also checks the result's counts.
  async function find(query, extra = {}) {
    const r = await srv.mailpit().searchMessages({ query, ...extra });
    assert.equal(r.count, r.messages.length, `count for ${query}`);
    assert.equal(r.total, CORPUS.length, `total (mailbox) for ${query}`);
    assert.ok(r.messages_count >= r.messages.length);
    const keys = r.messages.map((m) => id[m.ID] ?? `?${m.ID}`);
    return keys.sort();
  }

  const cases = [
    // bare words and phrases (subject, body, addresses, attachment names)
    ['quarterly', ['reply', 'report']],
    ['QUARTERLY', ['reply', 'report']],
    ['spreadsheet', ['report']],
    ['numbers.xlsx', ['report']],
    ['"blue door"', ['lunch']],
    ['"door blue"', []],
    ['blue noon', ['lunch']],
    ['blue staging', []],
    ['café', ['lunch']],
    // Unicode case folding (Cyrillic, Greek, accented Latin)
    ['привет', ['russian']],
    ['МИР', ['russian']],
    ['булок', ['russian']],
    ['élan', ['french']],
    ['ÉLAN', ['french']],
    ['σοφια', ['french']],
    // field filters
    ['from:anna@alpha.test', ['reply', 'report']],
    ['from:alpha.test', ['reply', 'report']],
    ['from:"Anna Alpha"', ['report']],
    ['from:зоя', ['russian']],
    ['to:bob@beta.test', ['reply', 'report']],
    ['to:"Иван Петров"', ['russian']],
    ['cc:carol@gamma.test', ['report']],
    ['bcc:dave@delta.test', ['report']],
    ['reply-to:answers@alpha.test', ['reply']],
    ['addressed:carol@gamma.test', ['deploy', 'report']], // From counts too (Mailpit)
    ['subject:lunch', ['lunch']],
    ['subject:"quarterly report"', ['reply', 'report']],
    ['subject:report -subject:re:', ['report']],
    ['tag:deploy', ['deploy']],
    ['tag:ci', ['deploy']],
    ['tag:ops', ['deploy']], // plus addressing: team+ops@
    ['is:tagged', ['deploy']],
    // mailjar's extension for custom headers (name case-insensitive, value folded)
    ['header:X-Env:staging-eu', ['deploy']],
    ['header:x-env:STAGING', ['deploy']],
    ['-header:X-Env:staging', ['french', 'lunch', 'reply', 'report', 'russian']],
    ['header:X-Env:production', []],
    ['has:attachment', ['report']],
    ['has:inline', ['lunch']],
    ['larger:20K', ['report']],
    ['larger:1M', []],
    ['smaller:20K', ['deploy', 'french', 'lunch', 'reply', 'russian']],
    [`before:${ymd(2)}`, ['deploy', 'french', 'lunch', 'reply', 'report', 'russian']],
    [`before:${ymd(-2)}`, []],
    [`after:${ymd(-2)}`, ['deploy', 'french', 'lunch', 'reply', 'report', 'russian']],
    [`after:${ymd(2)}`, []],
    // negation with - and !
    ['quarterly -thanks', ['report']],
    ['-tag:deploy', ['french', 'lunch', 'reply', 'report', 'russian']],
    ['!has:attachment', ['deploy', 'french', 'lunch', 'reply', 'russian']],
    ['from:alpha.test !subject:re:', ['report']],
    ['-"blue door" -quarterly -привет', ['deploy', 'french']],
  ];

  for (const [query, want] of cases) {
    test(`search ${query}`, T, async () => {
      assert.deepEqual(await find(query), want.sort());
    });
  }

  test('search with tz (before:/after: in the given zone)', T, async () => {
    assert.deepEqual(await find(`after:${ymd(-2)}`, { tz: 'Pacific/Auckland' }), CORPUS.map(([k]) => k).sort());
    assert.deepEqual(await find(`before:${ymd(-2)}`, { tz: 'America/Los_Angeles' }), []);
  });

  test('is:read / is:unread follow setReadStatus; counts split mailbox and matches', T, async () => {
    const client = srv.mailpit();
    assert.deepEqual(await find('is:read'), []);
    assert.equal((await find('is:unread')).length, CORPUS.length);
    await client.setReadStatus({ IDs: [id.russian, id.lunch], Read: true });
    assert.deepEqual(await find('is:read'), ['lunch', 'russian']);
    assert.deepEqual(await find('is:unread'), ['deploy', 'french', 'reply', 'report']);
    const r = await client.searchMessages({ query: 'привет' });
    assert.equal(r.messages_count, 1);
    assert.equal(r.messages_unread, 0);
    assert.equal(r.total, CORPUS.length);
    assert.equal(r.unread, CORPUS.length - 2);
    const q = await client.searchMessages({ query: 'from:alpha.test' });
    assert.equal(q.messages_count, 2);
    assert.equal(q.messages_unread, 2);
    await client.setReadStatus({ Search: 'from:alpha.test', Read: true });
    assert.deepEqual(await find('is:unread'), ['deploy', 'french']);
    await client.setReadStatus({ Read: false }); // neither IDs nor Search: all
    assert.deepEqual(await find('is:read'), []);
  });

  test('list is newest first; paging with start/limit covers every message once', T, async () => {
    const client = srv.mailpit();
    const full = await client.listMessages();
    assert.deepEqual(
      full.messages.map((m) => m.ID),
      all,
    );
    const seen = [];
    for (let start = 0; start < CORPUS.length + 2; start += 4) {
      const page = await client.listMessages(start, 4);
      assert.equal(page.start, start);
      assert.equal(page.total, CORPUS.length);
      assert.equal(page.messages_count, CORPUS.length);
      assert.equal(page.count, Math.max(0, Math.min(4, CORPUS.length - start)));
      assert.equal(page.messages.length, page.count);
      seen.push(...page.messages.map((m) => m.ID));
    }
    assert.deepEqual(seen, all);
    const one = await client.listMessages(2, 1);
    assert.deepEqual(
      one.messages.map((m) => m.ID),
      [all[2]],
    );
    const beyond = await client.listMessages(100, 10);
    assert.deepEqual(beyond.messages, []);
    assert.equal(beyond.count, 0);
    assert.equal(beyond.total, CORPUS.length);
  });

  test('search paging: start/limit over matches with exact messages_count', T, async () => {
    const client = srv.mailpit();
    const full = await client.searchMessages({ query: 'smaller:20K' });
    assert.equal(full.messages_count, 5);
    const ids = full.messages.map((m) => m.ID);
    assert.deepEqual(
      ids,
      all.filter((x) => x !== id.report),
    );
    const pages = [];
    for (let start = 0; start < 5; start += 2) {
      const p = await client.searchMessages({ query: 'smaller:20K', start, limit: 2 });
      assert.equal(p.messages_count, 5);
      assert.equal(p.start, start);
      assert.equal(p.count, Math.min(2, 5 - start));
      pages.push(...p.messages.map((m) => m.ID));
    }
    assert.deepEqual(pages, ids);
  });

  test('a search without a query is refused with 400', T, async () => {
    const res = await srv.fetch('/api/v1/search');
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    await res.text();
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await srv.stop();
  });
});
