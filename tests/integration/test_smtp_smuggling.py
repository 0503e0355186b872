#!/usr/bin/env python3
"""SMTP smuggling: a fake end-of-data (bare LF / bare CR / NUL variants of CRLF.CRLF)
followed by a smuggled MAIL/RCPT/DATA and a second message, then the real CRLF.CRLF.
Exactly ONE message must be stored, containing the smuggled text verbatim (after
dot-unstuffing), and the server must not answer the smuggled commands. Also with the fake
terminator at a write boundary, and with --smtp-bare-lf reject (550, nothing stored). The ten
published variants are named in PUBLISHED_VARIANTS. CRLF.CRLF inside BDAT chunks is data.
STARTTLS injection: EHLO, AUTH or a whole transaction pipelined with STARTTLS (also split
across reads) is discarded, and plaintext sent after the 220 fails the handshake. The other
direction: replies a smart host injects behind its STARTTLS 220 are discarded by the release
client (the message is delivered over TLS in step, nothing "injected" in the transcript)."""

import base64
import json
import os
import re
import socket
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import certs  # noqa: E402
from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

FAKE_TERMINATORS = [
    b"\n.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\r", b"\r\n.\n", b"\r.\n", b"\n.\r", b"\r.\r",
    b"\r\n.\r\r\n", b"\r\n\x00.\r\n", b"\r\n.\x00\r\n", b"\n\n.\n\n", b"\r\r\n.\r\r\n",
    b"\r\n.\n\r\n", b"\n.\n\r\n", b"\r\n. \r\n",
    b"\r\n..\r\n", b"\r\n.\t\r\n",
    # From smtp_smuggling_checker's payload list and NUL variants the list above lacked.
    b"\r\n\x00.\r", b"\r\n\x00.\n", b"\n\n.\r\n", b"\r\n.", b"\r\n\x00.\x00\r\n", b"\n\x00.\n",
]

# The published variants by name: SEC Consult's "SMTP Smuggling" research (December 2023) and
# the Postfix (smtpd_forbid_bare_newline) and Sendmail advisories that followed it. Each one is
# in FAKE_TERMINATORS, so every case below runs it (checked by published_variants_are_covered).
PUBLISHED_VARIANTS = {
    "<LF>.<LF>": b"\n.\n",
    "<LF>.<CR><LF>": b"\n.\r\n",
    "<CR>.<CR><LF>": b"\r.\r\n",
    "<CR><LF>.<CR>": b"\r\n.\r",
    "<CR><LF>.<LF>": b"\r\n.\n",
    "<CR>.<LF>": b"\r.\n",
    "<LF>.<CR>": b"\n.\r",
    "<CR>.<CR>": b"\r.\r",
    "<CR><LF><NUL>.<CR><LF> (NUL-padded)": b"\r\n\x00.\r\n",
    "<CR><LF>.<NUL><CR><LF> (NUL-padded)": b"\r\n.\x00\r\n",
}

SMUGGLED = (b"MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n"
            b"From: ceo@example.net\r\nSubject: smuggled second message\r\n\r\nwire the money\r\n")


def has_bare_line_ending(data):
    return re.search(rb"\r(?!\n)|(?<!\r)\n", data) is not None


def payload(i, fake):
    head = f"From: a@example.org\r\nSubject: carrier {i}\r\n\r\nhello".encode()
    data = head + fake + SMUGGLED
    assert b"\r\n.\r\n" not in data, f"variant {fake!r} would be a real terminator"
    return data


def describe(fake):
    names = [n for n, v in PUBLISHED_VARIANTS.items() if v == fake]
    return f"{names[0]} {fake!r}" if names else repr(fake)


def run_variant(srv, i, fake, send, expect_code):
    """Send one carrier message; returns (uid or None, data sent)."""
    data = payload(i, fake)
    c = sc.open_session(srv.smtp_port, "smuggler.test")
    try:
        c.cmd("MAIL FROM:<carrier@example.org>", 250)
        c.cmd("RCPT TO:<rcpt@example.net>", 250)
        c.cmd("DATA", 354)
        send(c, data)
        r = c.expect(expect_code, what=f"end of carrier with fake terminator {describe(fake)}")
        # Were the smuggled commands executed, their replies (250/250/354/250) would come next.
        q = c.cmd("QUIT")
        check_eq(q.code, 221, f"reply after the carrier with {describe(fake)} must be QUIT's: {q!r}")
        return r.queued_id(), data
    finally:
        c.close()


def one_write(c, data):
    c.send(data + b".\r\n")


def split_at_fake(c, data):
    """Fake terminator ends one write; the rest follows after a pause (buffer-edge bugs)."""
    cut = data.index(b"MAIL FROM:<evil")
    c.send(data[:cut])
    time.sleep(0.05)
    c.send(data[cut:])
    time.sleep(0.02)
    c.send(b".\r\n")


def in_small_writes(c, data):
    c.send_slowly(data + b".\r\n", chunk=3)


def check_variants(srv, sender, tag):
    db = Db(srv.db_path)
    for i, fake in enumerate(FAKE_TERMINATORS):
        before = db.count()
        uid, data = run_variant(srv, f"{tag}-{i}", fake, sender, 250)
        check_eq(db.count(), before + 1, f"{describe(fake)}: exactly one message stored")
        m = db.message(uid)
        check(m is not None, f"{describe(fake)}: carrier stored under its id")
        check_eq(m.raw, sc.unstuff(data), f"{describe(fake)}: raw is the whole carrier")
        check(b"MAIL FROM:<evil@attacker.example>" in m.raw, "smuggled text inside the carrier")
        check_eq(m.mail_from, "carrier@example.org", "envelope sender")
        check_eq(m.rcpt_to, ["rcpt@example.net"], "envelope recipients")
    for m in db.messages():
        check(m.mail_from != "evil@attacker.example", f"a smuggled message was stored: {m.uid}")
        check("victim@example.net" not in m.rcpt_to, f"a smuggled recipient was stored: {m.uid}")


@case
def published_variants_are_covered():
    for name, fake in PUBLISHED_VARIANTS.items():
        check(fake in FAKE_TERMINATORS, f"published variant {name} missing from FAKE_TERMINATORS")
    check_eq(len(PUBLISHED_VARIANTS), 10, "the ten published variants")
    check_eq(len(set(FAKE_TERMINATORS)), len(FAKE_TERMINATORS), "no duplicate variants")


@case
def fake_terminators_in_one_write():
    check_variants(mailjar.shared_server(), lambda c, d: one_write(c, d), "one")


@case
def fake_terminator_at_a_write_boundary():
    check_variants(mailjar.shared_server(), split_at_fake, "split")


@case
def fake_terminators_in_three_byte_writes():
    check_variants(mailjar.shared_server(), in_small_writes, "small")


@case
def smuggling_pipelined_with_following_commands():
    # Carrier, then a real second transaction in the same write: two messages, each intact.
    srv = mailjar.shared_server()
    first = payload("pipe", b"\n.\r\n")
    blob = (b"MAIL FROM:<p1@example.org>\r\nRCPT TO:<r1@example.net>\r\nDATA\r\n" + first + b".\r\n"
            b"MAIL FROM:<p2@example.org>\r\nRCPT TO:<r2@example.net>\r\nDATA\r\n"
            b"Subject: honest second\r\n\r\nx\r\n.\r\nQUIT\r\n")
    with sc.open_session(srv.smtp_port) as c:
        c.send(blob)
        rs = c.replies(9)
    check_eq([r.code for r in rs], [250, 250, 354, 250, 250, 250, 354, 250, 221], f"replies {rs}")
    db = Db(srv.db_path)
    m1, m2 = db.message(rs[3].queued_id()), db.message(rs[7].queued_id())
    check_eq(m1.raw, sc.unstuff(first), "carrier raw")
    check_eq(m1.mail_from, "p1@example.org", "carrier sender")
    check_eq(m2.mail_from, "p2@example.org", "second sender")
    check_eq(m2.raw, b"Subject: honest second\r\n\r\nx\r\n", "second raw")


@case
def bare_line_endings_rejected_no_smuggling():
    srv = mailjar.Server("--smtp-bare-lf", "reject")
    db = Db(srv.db_path)
    expected_stored = 0
    for i, fake in enumerate(FAKE_TERMINATORS):
        data = payload(f"reject-{i}", fake)
        bare = has_bare_line_ending(data)
        for sender in (one_write, split_at_fake):
            uid, _ = run_variant(srv, f"reject-{i}", fake, sender, 550 if bare else 250)
            if not bare:
                expected_stored += 1
                check_eq(db.message(uid).raw, sc.unstuff(data), f"{describe(fake)} kept")
        check_eq(db.count(), expected_stored, f"after {describe(fake)}")
    for m in db.messages():
        check(m.mail_from != "evil@attacker.example", "no smuggled message")


# -- BDAT: chunks are counted, never dot-terminated ----------------------------------------------
@case
def end_of_data_inside_bdat_chunks_is_just_data():
    srv = mailjar.shared_server()
    db = Db(srv.db_path)
    before = db.count()
    chunk1 = b"Subject: bdat carrier\r\n\r\nhello\r\n.\r\n" + SMUGGLED + b"\r\n.\r"
    chunk2 = b"\n" + SMUGGLED + b"\n.\n"
    with sc.open_session(srv.smtp_port, "bdat.test") as c:
        c.cmd("MAIL FROM:<carrier@example.org>", 250)
        c.cmd("RCPT TO:<rcpt@example.net>", 250)
        c.send(b"BDAT %d\r\n" % len(chunk1) + chunk1)
        c.expect(250, what="first chunk")
        c.send(b"BDAT %d LAST\r\n" % len(chunk2) + chunk2)
        uid = c.expect(250, what="last chunk").queued_id()
        check_eq(c.cmd("QUIT").code, 221, "no smuggled command was answered")
    check_eq(db.count(), before + 1, "one message")
    check_eq(db.message(uid).raw, chunk1 + chunk2, "both chunks verbatim, CRLF.CRLF included")


# -- STARTTLS command injection (CVE-2011-0411 and its variants) ----------------------------------
TLS_USERS = "alice:pw"


def tls_server():
    return mailjar.shared_server("--smtp-tls-self-signed")


def tls_auth_server():
    return mailjar.shared_server("--smtp-tls-self-signed", "--smtp-auth", TLS_USERS)


def starttls_with(c, injected):
    """STARTTLS with plaintext commands in the same write; returns once TLS is up."""
    c.send(b"STARTTLS\r\n" + injected)
    c.expect(220, what="STARTTLS")
    check_eq(c.buf, b"", f"no plaintext reply to the injected {injected[:40]!r}")
    c._wrap()


def finish(c, subject):
    c.cmd("MAIL FROM:<tls@example.org>", 250)
    c.cmd("RCPT TO:<r@example.net>", 250)
    c.cmd("DATA", 354)
    c.send(f"Subject: {subject}\r\n\r\nx\r\n.\r\n".encode())
    return c.expect(250).queued_id()


def no_injected_message(db):
    for m in db.messages():
        check(m.mail_from != "injected@attacker.example", f"injected transaction stored: {m.uid}")
        check("victim@example.net" not in m.rcpt_to, f"injected recipient stored: {m.uid}")


@case
def starttls_injected_ehlo_is_dropped():
    srv = tls_server()
    with sc.open_session(srv.smtp_port) as c:
        starttls_with(c, b"EHLO injected.example\r\n")
        c.cmd("MAIL FROM:<tls@example.org>", 503, "5.5.1")  # the injected EHLO never counted
        r = c.cmd("EHLO real.test", 250)
        check("STARTTLS" not in r.text, "STARTTLS not offered again over TLS")
        uid = finish(c, "after injected EHLO")
    check_eq(Db(srv.db_path).message(uid).helo, "real.test", "HELO is the one sent over TLS")


@case
def starttls_injected_auth_is_dropped():
    srv = tls_auth_server()
    with sc.open_session(srv.smtp_port) as c:
        token = base64.b64encode(b"\0alice\0pw")
        starttls_with(c, b"EHLO x\r\nAUTH PLAIN " + token + b"\r\n")
        c.cmd("EHLO real.test", 250)
        c.cmd("MAIL FROM:<tls@example.org>", 530, "5.7.0")  # the injected AUTH did not log in
        c.cmd(b"AUTH PLAIN " + token, 235)
        uid = finish(c, "after injected AUTH")
    m = Db(srv.db_path).message(uid)
    check_eq(m.auth_user, "alice", "authenticated over TLS")
    check(m.tls, "stored as received over TLS")


@case
def starttls_injected_transaction_is_dropped():
    srv = tls_server()
    db = Db(srv.db_path)
    before = db.count()
    injected = (b"MAIL FROM:<injected@attacker.example>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n"
                b"Subject: injected\r\n\r\nx\r\n.\r\nQUIT\r\n")
    with sc.open_session(srv.smtp_port) as c:
        starttls_with(c, injected)
        r = c.cmd("EHLO real.test", 250)  # the first reply over TLS is this EHLO's
        check(r.lines[0].startswith("mailjar"), f"EHLO reply first: {r!r}")
        c.cmd("RCPT TO:<victim@example.net>", 503)  # no transaction was opened
        uid = finish(c, "after injected transaction")
    check_eq(db.count(), before + 1, "only the TLS message stored")
    check_eq(db.message(uid).mail_from, "tls@example.org", "sender sent over TLS")
    no_injected_message(db)


@case
def starttls_injection_split_across_writes():
    # STARTTLS arrives in two reads, the second carrying its end and the injected commands.
    # (Plaintext sent once the 220 is out is the handshake's problem: see the next case.)
    srv = tls_server()
    db = Db(srv.db_path)
    with sc.open_session(srv.smtp_port) as c:
        c.send(b"STAR")
        time.sleep(0.05)
        c.send(b"TTLS\r\nMAIL FROM:<injected@attacker.example>\r\nRCPT TO:<victim@example.net>\r\n")
        c.expect(220, what="STARTTLS")
        time.sleep(0.1)
        check_eq(c.buf, b"", "nothing answered in plaintext")
        c._wrap()
        c.cmd("EHLO real.test", 250)
        c.cmd("RCPT TO:<r@example.net>", 503)
        finish(c, "after split injection")
    no_injected_message(db)


@case
def plaintext_after_the_220_breaks_the_handshake():
    # Commands sent after the 220 but before the ClientHello are not TLS: the handshake fails
    # and the connection closes without executing anything.
    srv = tls_server()
    db = Db(srv.db_path)
    before = db.count()
    with sc.open_session(srv.smtp_port) as c:
        c.cmd("STARTTLS", 220)
        c.send(b"MAIL FROM:<injected@attacker.example>\r\nRCPT TO:<victim@example.net>\r\n")
        check(c.wait_closed(timeout=10), "closed after a non-TLS handshake")
        check(b"250" not in c.buf, f"nothing answered: {c.buf!r}")
    finish(sc.open_session(srv.smtp_port), "the server still serves")
    check_eq(db.count(), before + 1, "only the later message stored")
    no_injected_message(db)


# -- response injection: a smart host answering STARTTLS with extra plaintext replies -------------
class InjectingSmartHost(threading.Thread):
    """A scripted SMTP server on 127.0.0.1 that puts fake replies right behind its STARTTLS 220
    in the same write (the server-side CVE-2011-0411 case), then speaks honest SMTP over TLS and
    records what it received. A client that kept the plaintext would read "250 injected" as the
    answer to its EHLO over TLS, and be one reply out of step from then on."""

    INJECTED = b"250-injected\r\n250 PIPELINING\r\n250 2.1.0 injected ok\r\n354 injected go ahead\r\n"

    def __init__(self):
        super().__init__(daemon=True)
        cert, key = certs.make_cert()
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.commands, self.data, self.error = [], None, None

    def run(self):
        try:
            conn, _ = self.sock.accept()
            conn.settimeout(20)
            f = conn.makefile("rb")
            conn.sendall(b"220 evil.test ESMTP\r\n")
            while True:
                line = f.readline()
                self.commands.append(line)
                if line.upper().startswith(b"EHLO"):
                    conn.sendall(b"250-evil.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
                elif line.upper().startswith(b"STARTTLS"):
                    conn.sendall(b"220 2.0.0 go ahead\r\n" + self.INJECTED)
                    break
                else:
                    conn.sendall(b"503 5.5.1 STARTTLS first\r\n")
            tls = self.ctx.wrap_socket(conn, server_side=True)
            f = tls.makefile("rb")
            while True:
                line = f.readline()
                if not line:
                    return
                self.commands.append(b"TLS " + line)
                verb = line[:4].upper()
                if verb == b"EHLO":
                    tls.sendall(b"250-evil.test\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    tls.sendall(b"354 go ahead\r\n")
                    body = b""
                    while not body.endswith(b"\r\n.\r\n"):
                        chunk = f.readline()
                        if not chunk:
                            return
                        body += chunk
                    self.data = body
                    tls.sendall(b"250 2.0.0 queued\r\n")
                elif verb == b"QUIT":
                    tls.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    tls.sendall(b"250 2.0.0 ok\r\n")
        except Exception as e:  # noqa: BLE001 - reported by the case
            self.error = e
        finally:
            self.sock.close()


@case
def injected_replies_after_a_smart_hosts_starttls_are_discarded():
    host = InjectingSmartHost()
    host.start()
    srv = mailjar.Server("--relay-host", f"127.0.0.1:{host.port}", "--relay-tls", "starttls", "--relay-insecure",
                         "--relay-allow-any", "--hostname", "jar.test", expect=["smtp", "http"])
    uid = sc.send_message(srv.smtp_port, b"From: a@example.org\r\nSubject: release through an evil host\r\n\r\nhi\r\n")
    r = hc.request(srv.http_port, "POST", f"/api/v1/message/{uid}/release", body=json.dumps({"To": ["dev@example.net"]}),
                   headers={"Content-Type": "application/json"}, timeout=60)
    check_eq(r.status, 200, f"release through the host: {r.body[:300]!r}")
    host.join(timeout=30)
    check(host.error is None, f"smart host: {host.error!r}")
    tls_cmds = [c for c in host.commands if c.startswith(b"TLS ")]
    check(tls_cmds and tls_cmds[0].startswith(b"TLS EHLO"), f"EHLO again first over TLS: {host.commands}")
    verbs = [c[4:8].upper() for c in tls_cmds]
    check_eq(verbs, [b"EHLO", b"MAIL", b"RCPT", b"DATA", b"QUIT"], f"commands over TLS, in step: {host.commands}")
    check(host.data is not None and b"release through an evil host" in host.data, "the message arrived over TLS")
    deliveries = json.loads(hc.request(srv.http_port, "GET", f"/api/v1/message/{uid}/deliveries").body)
    rcpt = deliveries["Deliveries"][0]["Recipients"][0]
    check_eq(rcpt["Status"], "delivered", f"delivered: {rcpt}")
    transcript = json.dumps(deliveries)
    check("injected" not in transcript, "no injected reply was read as an answer")


if __name__ == "__main__":
    main()
