// Shared helpers for the browser tests: start/stop a mailjar on 127.0.0.1 port 0 (binary from
// MAILJAR_BIN), send mail over SMTP with a tiny raw client (exact bytes, no npm mailer), launch
// Debian's chromium through playwright-core, collect console/CSP errors, save screenshots under
// MAILJAR_ARTIFACTS, and run a loopback HTTP server that counts hits (the marker hostile mail
// would set if it ever ran). Every wait has a deadline; nothing leaves the loopback interface.
// playwright-core is pinned to 1.61.x, the last release that runs on Debian 12's Node.js 18
// (1.62+ refuse to start below Node 20); it drives Debian's chromium 156 fine.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

export const MAILJAR_BIN = process.env.MAILJAR_BIN || path.join(repo, 'build', 'ui', 'mailjar');
export const ARTIFACTS = process.env.MAILJAR_ARTIFACTS || path.join(repo, 'build', 'browser-artifacts');
export const CHROMIUM = process.env.MAILJAR_CHROMIUM || '/usr/bin/chromium';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:', 'SUMMARY: UndefinedBehaviorSanitizer'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function eventually(fn, { timeout = 5000, interval = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what} not reached within ${timeout} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(interval);
  }
}

const live = new Set();
process.on('exit', () => {
  for (const m of live) if (!m.exit) m.proc.kill('SIGKILL');
});

export class Mailjar {
  constructor(flags = [], { db } = {}) {
    this.flags = flags;
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'mailjar-browser-'));
    this.db = db || path.join(this.dir, 'mailjar.db');
    this.log = '';
    this.listeners = {};
    this.exit = null;
  }

  get smtpPort() { return this.listeners.smtp.port; }
  get httpPort() { return this.listeners.http.port; }
  get origin() { return `http://127.0.0.1:${this.httpPort}`; }

  async start() {
    const argv = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', this.db, ...this.flags];
    this.proc = spawn(MAILJAR_BIN, argv, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk) => {
      this.log += chunk.toString('utf8');
      for (const m of this.log.matchAll(/event=listening listener=(\w+) addr=(\S+)/g)) {
        const i = m[2].lastIndexOf(':');
        this.listeners[m[1]] = { host: m[2].slice(0, i), port: Number(m[2].slice(i + 1)) };
      }
    };
    this.proc.stdout.on('data', onData);
    this.proc.stderr.on('data', onData);
    live.add(this);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      this.exit = { code, signal };
      live.delete(this);
      resolve(this.exit);
    }));
    const end = Date.now() + START_TIMEOUT_MS;
    while (!(this.listeners.smtp && this.listeners.http)) {
      if (this.exit) throw new Error(`mailjar exited during start-up: ${JSON.stringify(this.exit)}\n${this.log.slice(-3000)}`);
      if (Date.now() > end) throw new Error(`mailjar did not start within ${START_TIMEOUT_MS} ms\n${this.log.slice(-3000)}`);
      await sleep(20);
    }
    return this;
  }

  // SIGTERM with a deadline; throws if it did not exit cleanly or a sanitizer reported.
  async stop({ keepDb = false } = {}) {
    if (!this.proc) return;
    const problems = [];
    if (!this.exit) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(t);
    }
    if (this.exit.code !== 0) problems.push(`exit ${JSON.stringify(this.exit)}`);
    for (const m of SANITIZER_MARKERS) {
      const i = this.log.indexOf(m);
      if (i >= 0) problems.push(this.log.slice(Math.max(0, i - 200), i + 3000));
    }
    if (!keepDb) rmSync(this.dir, { recursive: true, force: true });
    if (problems.length) throw new Error(`mailjar did not stop cleanly: ${problems.join('\n')}\n${this.log.slice(-2000)}`);
  }

  async api(pathAndQuery, init = {}) {
    const res = await fetch(this.origin + pathAndQuery, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method || 'GET'} ${pathAndQuery}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

// ---------------------------------------------------------------------------------------------
// SMTP: one transaction on a fresh connection, raw message bytes as given (CRLF, dot-stuffed here).
// `helo` is the EHLO name; `authPlain`, when given, is sent as AUTH PLAIN's credentials
// ("\0user\0password", base64-encoded here). Resolves to the queue id of the 250.

export async function sendRaw(port, { from = 'sender@example.com', to = ['rcpt@example.com'], data, helo = 'browser-test.example', authPlain }) {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  let buf = '';
  const waiters = [];
  socket.on('data', (d) => {
    buf += d;
    for (;;) {
      const m = /^(\d{3}) [^\r\n]*\r\n/m.exec(buf);
      if (!m) break;
      const end = m.index + m[0].length;
      const reply = buf.slice(0, end);
      buf = buf.slice(end);
      waiters.shift()?.resolve(reply);
    }
  });
  socket.on('error', (e) => { for (const w of waiters.splice(0)) w.reject(e); });
  const next = () => new Promise((resolve, reject) => {
    waiters.push({ resolve, reject });
    setTimeout(() => reject(new Error('SMTP reply timeout')), 15_000);
  });
  const expect = async (code, line) => {
    const p = next();
    if (line !== undefined) socket.write(`${line}\r\n`);
    const reply = await p;
    if (!reply.startsWith(String(code))) throw new Error(`SMTP: sent ${line ?? '(connect)'}, got ${reply}`);
    return reply;
  };
  try {
    await expect(220);
    await expect(250, `EHLO ${helo}`);
    if (authPlain !== undefined) await expect(235, `AUTH PLAIN ${Buffer.from(authPlain, 'utf8').toString('base64')}`);
    await expect(250, `MAIL FROM:<${from}>`);
    for (const r of to) await expect(250, `RCPT TO:<${r}>`);
    await expect(354, 'DATA');
    const body = data.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    const reply = await expect(250, `${body}${body.endsWith('\r\n') ? '' : '\r\n'}.`);
    await expect(221, 'QUIT');
    return /queued as (\S+)/.exec(reply)?.[1];
  } finally {
    socket.destroy();
  }
}

// A simple message; `headers` is an object of extra header lines, `html`/`text` the bodies,
// `attachments` [{name, type, data, cid?}] (with a cid: an inline part the HTML can reference).
export function message({ from = 'Ann <ann@example.com>', to = 'Bob <bob@example.com>', subject = 'Hello', text = 'Hello there', html, headers = {}, attachments = [] }) {
  const head = [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  const parts = [];
  if (html) {
    parts.push({ type: 'multipart/alternative', sub: [
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${text}`,
      `Content-Type: text/html; charset=utf-8\r\n\r\n${html}`] });
  } else {
    parts.push({ raw: `Content-Type: text/plain; charset=utf-8\r\n\r\n${text}` });
  }
  const alt = (p) => {
    if (p.raw) return p.raw;
    const b = `alt-${Math.random().toString(36).slice(2)}`;
    return `Content-Type: ${p.type}; boundary="${b}"\r\n\r\n${p.sub.map((s) => `--${b}\r\n${s}\r\n`).join('')}--${b}--`;
  };
  if (!attachments.length) return `${head.join('\r\n')}\r\n${alt(parts[0])}\r\n`;
  const b = `mix-${Math.random().toString(36).slice(2)}`;
  const atts = attachments.map((a) => [
    `Content-Type: ${a.type}; name="${a.name}"`,
    `Content-Disposition: ${a.cid ? 'inline' : 'attachment'}; filename="${a.name}"`,
    a.cid ? `Content-ID: <${a.cid}>` : null,
    'Content-Transfer-Encoding: base64', '',
    Buffer.from(a.data).toString('base64').replace(/.{76}/g, '$&\r\n')].filter((l) => l !== null).join('\r\n'));
  return `${head.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\n${alt(parts[0])}\r\n${atts.map((a) => `--${b}\r\n${a}\r\n`).join('')}--${b}--\r\n`;
}

// ---------------------------------------------------------------------------------------------
// The browser

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

// A page that records console errors, page errors and CSP violations (the app must cause none).
export async function newPage(browser, { width = 1280, height = 800, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

// Whether the page scrolls sideways (it must not, at any width).
export const horizontalOverflow = (page) => page.evaluate(() => {
  const doc = document.documentElement;
  const main = document.getElementById('main');
  return Math.max(doc.scrollWidth - doc.clientWidth, main ? main.scrollWidth - main.clientWidth : 0);
});

// ---------------------------------------------------------------------------------------------
// A loopback HTTP server that records every request: hostile mail points its payloads here.

export async function hitServer() {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('hit');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { hits, url: (p) => `http://127.0.0.1:${port}${p}`, close: () => new Promise((r) => server.close(r)) };
}

// A 2x2 red PNG (for thumbnails and cid: images).
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==', 'base64');
