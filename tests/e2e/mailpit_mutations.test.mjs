// mailpit-api mutations against mailjar: read flags, tags (set, rename, delete, list, X-Tags and
// plus-addressing at ingest), deletes by IDs, by search and all — each checked by reading the
// mailbox back.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startMailjar, uniqueWord } from './helpers.mjs';

const T = { timeout: 30_000 };

describe('mailpit-api: read flags, tags and deletes', { timeout: 120_000 }, () => {
  let srv;
  const ids = {}; // name -> ID
  const names = ['one', 'two', 'three', 'four', 'five'];

  async function state() {
    const list = await srv.mailpit().listMessages(0, 100);
    const byId = Object.fromEntries(list.messages.map((m) => [m.ID, m]));
    return { list, byId };
  }

  before(async () => {
    srv = await startMailjar();
    for (const n of names) {
      const word = uniqueWord(n);
      await srv.send({
        from: `${n}@sender.test`,
        to: n === 'five' ? 'inbox+Newsletter@rcpt.test' : `${n}@rcpt.test`,
        subject: `message ${n} ${word}`,
        text: `body of ${n}`,
        headers: n === 'four' ? { 'X-Tags': 'From-Header, second tag' } : {},
      });
      const r = await srv.mailpit().searchMessages({ query: `subject:${word}` });
      assert.equal(r.messages_count, 1);
      ids[n] = r.messages[0].ID;
    }
  });
  after(async () => {
    if (srv && !srv.stopped) await srv.stop(); // also checks for sanitizer reports
  });

  test('tags from X-Tags and plus-addressing are there at ingest', T, async () => {
    const { byId } = await state();
    assert.deepEqual([...byId[ids.four].Tags].sort(), ['From-Header', 'second tag']);
    assert.deepEqual(byId[ids.five].Tags, ['Newsletter']);
    assert.deepEqual(byId[ids.one].Tags, []);
    const tags = await srv.mailpit().getTags();
    assert.deepEqual([...tags].sort(), ['From-Header', 'Newsletter', 'second tag']);
  });

  test('setReadStatus by IDs, by Search, all, and back', T, async () => {
    const client = srv.mailpit();
    assert.equal(await client.setReadStatus({ IDs: [ids.one, ids.two], Read: true }), 'ok');
    let { list, byId } = await state();
    assert.equal(list.unread, 3);
    assert.equal(byId[ids.one].Read, true);
    assert.equal(byId[ids.two].Read, true);
    assert.equal(byId[ids.three].Read, false);

    await client.setReadStatus({ IDs: [ids.one], Read: false });
    ({ list, byId } = await state());
    assert.equal(byId[ids.one].Read, false);
    assert.equal(list.unread, 4);

    await client.setReadStatus({ Search: 'from:three@sender.test', Read: true });
    ({ list, byId } = await state());
    assert.equal(byId[ids.three].Read, true);
    assert.equal(list.unread, 3);

    await client.setReadStatus({ Read: true });
    ({ list } = await state());
    assert.equal(list.unread, 0);
    assert.ok(list.messages.every((m) => m.Read));

    await client.setReadStatus(); // no IDs, no Search, Read defaults to false: all unread
    ({ list } = await state());
    assert.equal(list.unread, names.length);

    await assert.rejects(client.setReadStatus({ IDs: [ids.one], Search: 'x', Read: true }), /400/);
    ({ list } = await state());
    assert.equal(list.unread, names.length, 'the refused request changed nothing');
  });

  test('setTags replaces tags; listTags and info count them; search finds them', T, async () => {
    const client = srv.mailpit();
    assert.equal(await client.setTags({ IDs: [ids.one, ids.two], Tags: ['alpha', 'Beta Tag'] }), 'ok');
    let { byId } = await state();
    assert.deepEqual([...byId[ids.one].Tags].sort(), ['Beta Tag', 'alpha']);
    assert.deepEqual([...byId[ids.two].Tags].sort(), ['Beta Tag', 'alpha']);
    assert.deepEqual(byId[ids.three].Tags, []);
    const tags = await client.getTags();
    assert.ok(tags.includes('alpha') && tags.includes('Beta Tag'), JSON.stringify(tags));
    const info = await client.getInfo();
    assert.equal(info.Tags.alpha, 2);
    const r = await client.searchMessages({ query: 'tag:alpha' });
    assert.deepEqual(r.messages.map((m) => m.ID).sort(), [ids.one, ids.two].sort());
    const r2 = await client.searchMessages({ query: 'tag:"Beta Tag"' });
    assert.equal(r2.messages_count, 2);

    // Replacing: message four loses its X-Tags tags.
    await client.setTags({ IDs: [ids.four], Tags: ['alpha'] });
    ({ byId } = await state());
    assert.deepEqual(byId[ids.four].Tags, ['alpha']);
    // Removing all tags from one message.
    await client.setTags({ IDs: [ids.two] });
    ({ byId } = await state());
    assert.deepEqual(byId[ids.two].Tags, []);
    const after = await client.getTags();
    assert.ok(!after.includes('From-Header'), `unused tag dropped: ${JSON.stringify(after)}`);
  });

  test('renameTag and deleteTag change every message carrying the tag', T, async () => {
    const client = srv.mailpit();
    assert.equal(await client.renameTag('alpha', 'gamma'), 'ok');
    let { byId } = await state();
    assert.ok(byId[ids.one].Tags.includes('gamma'));
    assert.ok(!byId[ids.one].Tags.includes('alpha'));
    assert.deepEqual(byId[ids.four].Tags, ['gamma']);
    let tags = await client.getTags();
    assert.ok(tags.includes('gamma') && !tags.includes('alpha'), JSON.stringify(tags));

    // Tag names with a space survive URL encoding.
    assert.equal(await client.deleteTag('Beta Tag'), 'ok');
    assert.equal(await client.deleteTag('gamma'), 'ok');
    ({ byId } = await state());
    assert.deepEqual(byId[ids.one].Tags, []);
    assert.deepEqual(byId[ids.four].Tags, []);
    assert.equal(Object.keys(byId).length, names.length, 'deleting tags deletes no message');
    tags = await client.getTags();
    assert.deepEqual(tags, ['Newsletter']);
  });

  test('deleteMessages by IDs removes exactly those', T, async () => {
    const client = srv.mailpit();
    assert.equal(await client.deleteMessages({ IDs: [ids.one] }), 'ok');
    const { list, byId } = await state();
    assert.equal(list.total, names.length - 1);
    assert.equal(byId[ids.one], undefined);
    await assert.rejects(client.getMessageSummary(ids.one), /404/);
    await assert.rejects(client.getMessageSource(ids.one), /404/);
    const info = await client.getInfo();
    assert.equal(info.RuntimeStats.MessagesDeleted, 1);
  });

  test('deleteMessagesBySearch removes only the matches', T, async () => {
    const client = srv.mailpit();
    assert.equal(await client.deleteMessagesBySearch({ query: 'from:two@sender.test' }), 'ok');
    assert.equal(await client.deleteMessagesBySearch({ query: 'subject:matches-nothing-at-all' }), 'ok');
    const { list, byId } = await state();
    assert.equal(list.total, names.length - 2);
    assert.equal(byId[ids.two], undefined);
    assert.ok(byId[ids.three] && byId[ids.four] && byId[ids.five]);
    await assert.rejects(client.deleteMessagesBySearch({ query: '' }), /400/);
    assert.equal((await state()).list.total, names.length - 2);
  });

  test('deleteMessages() with no body deletes everything', T, async () => {
    const client = srv.mailpit();
    assert.equal(await client.deleteMessages(), '');
    const { list } = await state();
    assert.equal(list.total, 0);
    assert.equal(list.unread, 0);
    assert.deepEqual(list.messages, []);
    const info = await client.getInfo();
    assert.equal(info.Messages, 0);
    assert.equal(info.RuntimeStats.MessagesDeleted, names.length);
    assert.deepEqual(await client.getTags(), []);
    await assert.rejects(client.getMessageSummary('latest'), /404/);
  });

  test('server stops cleanly with no sanitizer report', T, async () => {
    await srv.stop();
  });
});
