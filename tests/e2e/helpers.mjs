// Shared helpers for the end-to-end tests: start/stop a mailjar process on 127.0.0.1 port 0,
// send mail over SMTP (nodemailer, as an application would, or a tiny raw client for exact
// bytes), and talk HTTP/WebSocket to it with bounded waits. Every wait here has a deadline, so
// no test can hang; nothing leaves the loopback interface.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { MailpitClient } from 'mailpit-api';
import nodemailer from 'nodemailer';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

export const MAILJAR_BIN = process.env.MAILJAR_BIN || path.join(repo, 'build', 'e2e', 'mailjar');
export const MAILJAR_SAMPLES = process.env.MAILJAR_SAMPLES || path.join(repo, 'samples');

const START_TIMEOUT_MS = 30_000; // ASan build, fresh database
const STOP_TIMEOUT_MS = 15_000;
export const REQUEST_TIMEOUT_MS = 15_000;

const SANITIZER_MARKERS = [
  'ERROR: AddressSanitizer',
  'ERROR: LeakSanitizer',
  'runtime error:',
  'SUMMARY: UndefinedBehaviorSanitizer',
  'ThreadSanitizer',
];

// ---------------------------------------------------------------------------------------------
// Small utilities

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
export const md5 = (bytes) => createHash('md5').update(bytes).digest('hex');
export const sha1 = (bytes) => createHash('sha1').update(bytes).digest('hex');

// Deterministic-looking but random payload of `n` bytes (binary: every byte value occurs).
export const binaryPayload = (n) => randomBytes(n);

// A word no other message contains, for targeted searches.
export const uniqueWord = (prefix = 'w') => `${prefix}${randomBytes(6).toString('hex')}`;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Reject after `ms` with a message naming what was awaited.
export function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// Poll `fn` until it returns a truthy value (returned) or the deadline passes (throws).
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
    if (Date.now() > end) {
      throw new Error(`${what} not reached within ${timeout} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await sleep(interval);
  }
}

// Parse one `key=value key2="quoted value"` log line.
export function parseKv(line) {
  const out = {};
  const re = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of line.matchAll(re)) {
    let v = m[2];
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    out[m[1]] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The server

// Servers still running; killed if the test process exits without stopping them (a failed
// hook, a CTest timeout), so no mailjar outlives its test.
const live = new Set();
process.on('exit', () => {
  for (const m of live) {
    if (!m.exit && m.proc) m.proc.kill('SIGKILL');
  }
});

export class Mailjar {
  constructor(flags) {
    this.flags = flags;
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'mailjar-e2e-'));
    this.db = path.join(this.dir, 'mailjar.db');
    this.log = '';
    this.listeners = {};
    this.exit = null; // {code, signal} once exited
    this.stopped = false;
  }

  get smtpPort() {
    return this.listeners.smtp.port;
  }

  get httpPort() {
    return this.listeners.http.port;
  }

  get baseURL() {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async start() {
    const argv = ['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', this.db, ...this.flags];
    this.proc = spawn(MAILJAR_BIN, argv, {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1' },
    });
    const onData = (chunk) => {
      this.log += chunk.toString('utf8');
      this.#scanListeners();
    };
    this.proc.stdout.on('data', onData);
    this.proc.stderr.on('data', onData);
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
    this.proc.on('error', (e) => {
      this.log += `\nspawn error: ${e.message}\n`;
    });
    const end = Date.now() + START_TIMEOUT_MS;
    while (!(this.listeners.smtp && this.listeners.http)) {
      if (this.exit) {
        throw new Error(`mailjar exited (${JSON.stringify(this.exit)}) during start-up: ${MAILJAR_BIN} ${argv.join(' ')}\n${this.log.slice(-4000)}`);
      }
      if (Date.now() > end) {
        await this.kill();
        throw new Error(`mailjar did not report smtp and http listeners within ${START_TIMEOUT_MS} ms\n${this.log.slice(-4000)}`);
      }
      await sleep(20);
    }
    return this;
  }

  #scanListeners() {
    for (const line of this.log.split('\n')) {
      if (!line.includes('listening')) continue;
      const kv = parseKv(line);
      if (kv.event === 'listening' && kv.listener && kv.addr) {
        const i = kv.addr.lastIndexOf(':');
        this.listeners[kv.listener] = { host: kv.addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(kv.addr.slice(i + 1)) };
      }
    }
  }

  sanitizerReport() {
    for (const m of SANITIZER_MARKERS) {
      const i = this.log.indexOf(m);
      if (i >= 0) return this.log.slice(Math.max(0, i - 300), i + 4000);
    }
    return null;
  }

  // SIGTERM, bounded wait; throws if it did not exit cleanly or the log holds a sanitizer report.
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    const problems = [];
    if (!this.exit) {
      this.proc.kill('SIGTERM');
      const done = await withTimeout(this.exited, STOP_TIMEOUT_MS, 'exit').catch(() => null);
      if (!done) {
        problems.push(`did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM; killed`);
        this.proc.kill('SIGKILL');
        await withTimeout(this.exited, 5000, 'exit after SIGKILL').catch(() => null);
      }
    } else {
      problems.push(`had already exited (${JSON.stringify(this.exit)}) before stop`);
    }
    if (this.exit && (this.exit.code !== 0 || this.exit.signal)) {
      problems.push(`exit status ${JSON.stringify(this.exit)}`);
    }
    const report = this.sanitizerReport();
    if (report) problems.push(`sanitizer report in mailjar's log:\n${report}`);
    if (problems.length === 0) rmSync(this.dir, { recursive: true, force: true });
    if (problems.length) {
      throw new Error(`mailjar did not stop cleanly (database kept in ${this.dir}): ${problems.join('\n')}\n--- log tail ---\n${this.log.slice(-3000)}`);
    }
  }

  // Last resort (after hooks): no checks, just make sure the process is gone.
  async kill() {
    this.stopped = true;
    if (!this.exit && this.proc) {
      this.proc.kill('SIGKILL');
      await withTimeout(this.exited, 5000, 'exit after SIGKILL').catch(() => null);
    }
  }

  // A mailpit-api client as users create it; every request it makes is bounded in time.
  mailpit(timeoutMs = REQUEST_TIMEOUT_MS) {
    return new MailpitClient(this.baseURL, { fetchOptions: { signal: AbortSignal.timeout(timeoutMs) } });
  }

  // fetch() against the server with a deadline. `path` starts with '/'.
  fetch(pathAndQuery, init = {}) {
    return fetch(this.baseURL + pathAndQuery, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
  }

  // nodemailer SMTP transport to this server (plain, no STARTTLS), with bounded timeouts.
  transport() {
    return nodemailer.createTransport({
      host: '127.0.0.1',
      port: this.smtpPort,
      secure: false,
      ignoreTLS: true,
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 10000,
    });
  }

  // Send one message the way an application would; resolves with nodemailer's info.
  async send(mail) {
    const t = this.transport();
    try {
      return await withTimeout(t.sendMail(mail), REQUEST_TIMEOUT_MS, 'SMTP delivery');
    } finally {
      t.close();
    }
  }

  // Send exact bytes over SMTP with the given envelope.
  sendRaw(from, to, data) {
    return smtpSendRaw(this.smtpPort, from, to, data);
  }

  events(opts) {
    return openEvents(this.httpPort, opts);
  }

  rawHttp(request) {
    return rawHttp(this.httpPort, request);
  }
}

export async function startMailjar(flags = []) {
  const m = new Mailjar(flags);
  await m.start();
  return m;
}

// Build the exact RFC 5322 bytes nodemailer would send for `mail` (CRLF line ends).
export async function composeRaw(mail) {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await t.sendMail(mail);
  return { raw: info.message, envelope: info.envelope, messageId: info.messageId };
}

// ---------------------------------------------------------------------------------------------
// Tiny SMTP client for exact bytes: EHLO, MAIL, RCPT..., DATA (dot-stuffed), QUIT.

export function smtpSendRaw(port, from, to, data, timeoutMs = REQUEST_TIMEOUT_MS) {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  return withTimeout(
    new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      let buf = '';
      const waiting = [];
      const replies = [];
      sock.on('data', (chunk) => {
        buf += chunk.toString('latin1');
        for (;;) {
          // A reply ends with a line "ddd <text>\r\n".
          const m = /^((?:\d{3}-[^\r\n]*\r\n)*)(\d{3})(?: [^\r\n]*)?\r\n/.exec(buf);
          if (!m) break;
          const reply = m[0];
          buf = buf.slice(reply.length);
          const w = waiting.shift();
          if (w) w(reply);
          else replies.push(reply);
        }
      });
      sock.on('error', reject);
      const next = () =>
        new Promise((r) => {
          if (replies.length) r(replies.shift());
          else waiting.push(r);
        });
      const expect = async (code, what) => {
        const reply = await next();
        if (!reply.startsWith(String(code))) throw new Error(`SMTP ${what}: expected ${code}, got ${reply.trim()}`);
        return reply;
      };
      (async () => {
        await expect(220, 'greeting');
        sock.write('EHLO e2e.test\r\n');
        await expect(250, 'EHLO');
        sock.write(`MAIL FROM:<${from}>\r\n`);
        await expect(250, 'MAIL');
        for (const r of to) {
          sock.write(`RCPT TO:<${r}>\r\n`);
          await expect(250, `RCPT ${r}`);
        }
        sock.write('DATA\r\n');
        await expect(354, 'DATA');
        let text = body.toString('latin1');
        if (!text.endsWith('\r\n')) text += '\r\n';
        text = text.replace(/^\./gm, '..');
        sock.write(Buffer.from(text, 'latin1'));
        sock.write('.\r\n');
        const done = await expect(250, 'end of data');
        sock.write('QUIT\r\n');
        await next().catch(() => {});
        sock.end();
        return done.trim();
      })().then(resolve, (e) => {
        sock.destroy();
        reject(e);
      });
    }),
    timeoutMs,
    'raw SMTP transaction',
  );
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over a socket (for requests fetch() will not send, e.g. a foreign Host header).
// `request` is the full request text; it should carry `Connection: close`. Resolves with
// {status, headers, body} once the server closes or the Content-Length is complete.

export function rawHttp(port, request, timeoutMs = REQUEST_TIMEOUT_MS) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      let data = Buffer.alloc(0);
      let settled = false;
      const finish = () => {
        if (settled) return;
        const text = data.toString('latin1');
        const headEnd = text.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = text.slice(0, headEnd).split('\r\n');
        const status = Number(head[0].split(' ')[1]);
        const headers = {};
        for (const l of head.slice(1)) {
          const i = l.indexOf(':');
          headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        const body = data.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), 'latin1'));
        const len = headers['content-length'] !== undefined ? Number(headers['content-length']) : null;
        if (len !== null && body.length < len) return;
        settled = true;
        sock.destroy();
        resolve({ status, headers, body: body.toString('utf8') });
      };
      sock.on('data', (c) => {
        data = Buffer.concat([data, c]);
        finish();
      });
      sock.on('end', () => {
        finish();
        if (!settled) reject(new Error(`connection closed without a complete response: ${JSON.stringify(data.toString('latin1').slice(0, 300))}`));
      });
      sock.on('error', (e) => {
        if (!settled) reject(e);
      });
      sock.write(request);
    }),
    timeoutMs,
    'raw HTTP response',
  );
}

// ---------------------------------------------------------------------------------------------
// WebSocket events: open /api/events and collect frames; next(pred) waits for a matching one.

export function openEvents(port, { origin, auth, path: p = '/api/events', timeoutMs = 10_000 } = {}) {
  const headers = origin ? { Origin: origin } : {};
  const ws = new WebSocket(`ws://127.0.0.1:${port}${p}`, { headers, auth, handshakeTimeout: timeoutMs });
  const frames = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    let frame;
    try {
      frame = JSON.parse(isBinary ? Buffer.from(data).toString('utf8') : data.toString());
    } catch (e) {
      frame = { Type: '<unparsable>', Data: data.toString(), error: e.message };
    }
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.pred(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  const opened = withTimeout(
    new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        const err = new Error(`WebSocket upgrade refused with HTTP ${res.statusCode}`);
        err.statusCode = res.statusCode;
        res.resume();
        reject(err);
      });
    }),
    timeoutMs,
    'WebSocket open',
  );
  // Frames already received count too: `since` is the index into frames to start looking at.
  const next = (pred, { timeout = 5000, since = 0, what = 'frame' } = {}) => {
    const seen = frames.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    let entry;
    const p = new Promise((resolve) => {
      entry = { pred, resolve };
      waiters.push(entry);
    });
    return withTimeout(p, timeout, `WebSocket ${what}`).finally(() => {
      const i = waiters.indexOf(entry);
      if (i >= 0) waiters.splice(i, 1);
    });
  };
  const close = () =>
    new Promise((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close();
    });
  return { ws, frames, opened, next, close };
}
