"""Generated test mail and a recording SMTP load, for the durability tests.

    gen = MailGen(seed)
    m = gen.message(kind)            # Sent: token, data (bytes, CRLF), attachments [(name, sha256, size)]
    load = Load(port, threads=8, gen=gen)
    load.start(); ...; load.stop()   # or let the server die under it
    load.acked                       # {uid: Sent} answered 250 (with "queued as <uid>")
    load.inflight                    # [Sent] whose final ".\\r\\n" went out without any reply
    load.refused                     # [(Sent, code)] answered 4xx/5xx at end of data

Every message carries a unique token (a word in its Subject and text, and the local part of its
Message-ID <token@durability.test>), so a stored message can be matched to what was sent and
checked byte for byte. Kinds: "plain" (1-4 KB, with dot-stuffed lines), "alternative" (text +
HTML), "attachments" (multipart/mixed, 1-3 binary attachments of 1-64 KB, base64), "big" (one
attachment of 300 KB-1 MB, above the store's streamed-blob threshold). Standard library only.
"""

import base64
import hashlib
import random
import threading
import time

from . import smtp_client as sc

KINDS = ("plain", "plain", "plain", "alternative", "alternative", "attachments", "attachments",
         "attachments", "big")


class Sent:
    __slots__ = ("token", "data", "attachments", "sha256", "kind")

    def __init__(self, token, data, attachments, kind):
        self.token = token
        self.data = data
        self.attachments = attachments  # [(file name, sha256 hex of decoded bytes, size)]
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.kind = kind

    @property
    def message_id(self):
        return f"{self.token}@durability.test"


def _b64_lines(data):
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


class MailGen:
    """Deterministic for a seed (per thread: give each thread its own MailGen)."""

    def __init__(self, seed, prefix="t"):
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.n = 0
        self.lock = threading.Lock()

    def token(self):
        with self.lock:
            self.n += 1
            return f"{self.prefix}{self.n}x{self.rng.getrandbits(40):010x}"

    def words(self, n):
        return " ".join(self.rng.choice(("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
                                         "hotel", "india", "juliet")) for _ in range(n))

    def text_body(self, token, size):
        lines = [f"Hello, this is {token}.", ". a line that starts with a dot", ".."]
        while sum(len(x) + 2 for x in lines) < size:
            lines.append(self.words(10))
        return "\r\n".join(lines) + "\r\n"

    def message(self, kind=None, attachment_sizes=(1_000, 64_000)):
        rng = self.rng
        kind = kind or rng.choice(KINDS)
        token = self.token()
        head = (f"From: Durability Sender <sender@example.org>\r\n"
                f"To: Someone <rcpt@example.net>\r\n"
                f"Subject: crash test {token} {self.words(2)}\r\n"
                f"Message-ID: <{token}@durability.test>\r\n"
                f"Date: Sat, 28 Nov 2026 00:00:00 +0000\r\n"
                f"MIME-Version: 1.0\r\n")
        atts = []
        if kind == "plain":
            body = self.text_body(token, rng.randint(1000, 4000))
            data = head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
        elif kind == "alternative":
            b = f"alt-{token}"
            text = self.text_body(token, rng.randint(500, 3000))
            html = f"<html><body><p>{token}</p><p>{self.words(40)}</p></body></html>\r\n"
            data = (head + f'Content-Type: multipart/alternative; boundary="{b}"\r\n\r\n'
                    f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}"
                    f"--{b}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}"
                    f"--{b}--\r\n")
        else:
            b = f"mix-{token}"
            sizes = ([rng.randint(300_000, 1_000_000)] if kind == "big"
                     else [rng.randint(*attachment_sizes) for _ in range(rng.randint(1, 3))])
            parts = [f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                     + self.text_body(token, rng.randint(300, 2000))]
            for k, size in enumerate(sizes):
                blob = rng.randbytes(size)
                name = f"file{k}-{token}.bin"
                atts.append((name, hashlib.sha256(blob).hexdigest(), size))
                parts.append(f"--{b}\r\nContent-Type: application/octet-stream\r\n"
                             f'Content-Disposition: attachment; filename="{name}"\r\n'
                             f"Content-Transfer-Encoding: base64\r\n\r\n{_b64_lines(blob)}\r\n")
            data = (head + f'Content-Type: multipart/mixed; boundary="{b}"\r\n\r\n'
                    + "".join(parts) + f"--{b}--\r\n")
        return Sent(token, data.encode(), atts, kind)


class Load:
    """`threads` clients, each sending 1-5 messages per connection, until stop() or until the
    server goes away. Thread-safe records (acked, inflight, refused, errors)."""

    def __init__(self, port, threads, seed, prefix="t", reply_timeout=60):
        self.port = port
        self.seed = seed
        self.prefix = prefix
        self.reply_timeout = reply_timeout
        self.acked = {}
        self.inflight = []
        self.refused = []
        self.errors = []  # unexpected client-side failures (not connection loss)
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(k,), daemon=True) for k in range(threads)]
        self.started = 0.0

    def start(self):
        self.started = time.monotonic()
        for t in self.threads:
            t.start()
        return self

    def stop(self, timeout=90):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=timeout)
        return not any(t.is_alive() for t in self.threads)

    def count(self):
        with self.lock:
            return len(self.acked)

    def _run(self, k):
        gen = MailGen(self.seed * 1009 + k, prefix=f"{self.prefix}{k}n")
        rng = random.Random(self.seed * 1000 + k)
        while not self.stop_event.is_set():
            try:
                c = sc.open_session(self.port, helo=f"load{k}.test")
            except (OSError, sc.Closed, TimeoutError, AssertionError):
                return  # the server is gone
            try:
                for _ in range(rng.randint(1, 5)):
                    if self.stop_event.is_set():
                        break
                    if not self._one(c, gen.message()):
                        return
                try:
                    c.cmd("QUIT", 221)
                except (OSError, sc.Closed, TimeoutError, AssertionError):
                    return
            finally:
                c.close()

    def _one(self, c, m):
        """One transaction; False when the connection is lost."""
        stage = "envelope"
        try:
            c.cmd("MAIL FROM:<sender@example.org>", 250)
            c.cmd("RCPT TO:<rcpt@example.net>", 250)
            c.cmd("DATA", 354)
            stage = "data"
            c.send(sc.dot_stuff(m.data))
            stage = "reply"
            r = c.reply(timeout=self.reply_timeout)
        except (OSError, sc.Closed, TimeoutError) as e:
            if stage == "reply":
                with self.lock:
                    self.inflight.append(m)
            del e
            return False
        except AssertionError as e:  # an unexpected reply code before DATA
            with self.lock:
                self.errors.append(f"{m.token}: {e}")
            return False
        with self.lock:
            if r.code == 250:
                uid = r.queued_id()
                if uid is None:
                    self.errors.append(f"{m.token}: 250 without an id: {r!r}")
                else:
                    self.acked[uid] = m
            else:
                self.refused.append((m, r))
        return True
