// The list at 100 000 stored messages (filled through the store by tests/bench/ui_fill.cpp):
// navigation to clickable rows within 1 s, then paging, the last page, a search, opening a
// message and going back, each timed in the page. Numbers go to stdout and to
// MAILJAR_ARTIFACTS/ui-performance.json. MAILJAR_UI_PERF_MESSAGES changes the count;
// MAILJAR_UI_PERF_DB names an already filled database to copy instead of filling one.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { ARTIFACTS, Mailjar, launch, newPage, screenshot } from './support.mjs';

const FILL = process.env.MAILJAR_UI_FILL || path.join(path.dirname(process.env.MAILJAR_BIN || ''), 'tests', 'ui_fill');
const MESSAGES = Number(process.env.MAILJAR_UI_PERF_MESSAGES || 100_000);

// Time from starting `action` until `selector` shows text matching `re`, measured in the page.
async function timed(page, action, check) {
  const t0 = await page.evaluate(() => performance.now());
  await action();
  await page.waitForFunction(check, null, { timeout: 10_000, polling: 'raf' });
  return Math.round((await page.evaluate(() => performance.now())) - t0);
}

describe(`performance at ${MESSAGES} messages`, () => {
  let mj;
  let browser;
  let dir;
  const results = { messages: MESSAGES };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mailjar-perf-'));
    const db = path.join(dir, 'big.db');
    if (process.env.MAILJAR_UI_PERF_DB) {
      copyFileSync(process.env.MAILJAR_UI_PERF_DB, db);
      results.fill = `copied ${process.env.MAILJAR_UI_PERF_DB}`;
    } else {
      const t0 = Date.now();
      const { stdout } = await promisify(execFile)(FILL, ['--db', db, '--messages', String(MESSAGES)], { timeout: 240_000 });
      results.fill = `${stdout.trim()} (wall ${((Date.now() - t0) / 1000).toFixed(1)} s)`;
    }
    mj = await new Mailjar([], { db }).start();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await mj?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'ui-performance.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`ui performance: ${JSON.stringify(results)}`);
  });

  test('the list is interactive within 1 s of navigation; paging, search and opening stay fast', async () => {
    const page = await newPage(browser);
    // A cold first load (the browser's cache is empty), then a warm one as a user would see.
    for (const run of ['cold', 'warm']) {
      await page.goto(`${mj.origin}/`);
      await page.locator('.msg-row').first().waitFor();
      const ready = await page.evaluate(() => performance.getEntriesByName('mailjar:list-ready')[0]?.startTime);
      assert.ok(ready > 0, 'the list marked itself ready');
      results[`list_ready_${run}_ms`] = Math.round(ready);
      assert.ok(ready < 1000, `${run} list interactive after ${ready} ms (limit 1000)`);
    }
    const total = await page.locator('#pager-text').textContent();
    assert.match(total, new RegExp(`of ${new Intl.NumberFormat('en-US').format(MESSAGES).replace(/,/g, '[,.\\s\\u202f]?')}$`));
    await screenshot(page, 'perf-list');

    results.next_page_ms = await timed(page, () => page.locator('#page-next').click(),
      () => document.getElementById('pager-text')?.textContent.startsWith('51–'));
    // A navigation restarts the page's clock: its list-ready mark is the time since navigation.
    const lastStart = Math.floor((MESSAGES - 1) / 50) * 50;
    await page.goto(`${mj.origin}/?start=${lastStart}`);
    await page.locator('.msg-row').first().waitFor();
    results.last_page_ready_ms = Math.round(await page.evaluate(() => performance.getEntriesByName('mailjar:list-ready')[0].startTime));
    assert.equal(await page.locator('.msg-row').count(), MESSAGES - lastStart);

    await page.goto(`${mj.origin}/`);
    await page.locator('.msg-row').first().waitFor();
    results.search_ms = await timed(page, async () => {
      await page.locator('#search-input').fill('has:attachment invoice');
      await page.locator('#search-input').press('Enter');
    }, () => document.querySelector('.notice-search') !== null && document.querySelectorAll('.msg-row').length > 0);

    results.open_message_ms = await timed(page, () => page.locator('.msg-row .msg-link').first().click(),
      () => document.getElementById('msg-subject') !== null);
    results.back_to_list_ms = await timed(page, () => page.keyboard.press('Escape'),
      () => document.querySelectorAll('.msg-row').length > 0);
    await page.goto(`${mj.origin}/`);
    await page.locator('.msg-row').first().waitFor();
    results.page_of_200_ms = await timed(page, () => page.locator('.page-size').selectOption('200'),
      () => document.querySelectorAll('.msg-row').length === 200);
    await page.locator('.page-size').selectOption('50');
    for (const [k, v] of Object.entries(results)) if (k.endsWith('_ms')) assert.ok(v > 0 && v < 2000, `${k} = ${v} ms`);
    assert.deepEqual(page.problems, []);
  });
});
