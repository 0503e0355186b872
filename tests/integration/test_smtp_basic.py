#!/usr/bin/env python3
"""SMTP basics over real sockets: greeting and EHLO, messages sent with smtplib and swaks
stored byte-exact with their envelope and parsed fields, unicode (RFC 2047 and SMTPUTF8),
attachments and every sample from samples/, dot-unstuffing, empty and null-sender messages."""

import base64
import email.message
import email.policy
import glob
import hashlib
import os
import re
import smtplib
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import http_client  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402


def server():
    return mailjar.shared_server(expect=["smtp", "http"])


def api_search(srv, query):
    """IDs the API's search returns for a Mailpit-syntax query (how a test suite searches)."""
    r = http_client.request(srv.http_port, "GET", "/api/v1/search?limit=50&query=" + urllib.parse.quote(query))
    check_eq(r.status, 200, f"search {query!r}: {r.text()}")
    return {m["ID"] for m in r.json()["messages"]}


def smtp(port, helo="basic.test"):
    s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=15)
    s.ehlo(helo)
    return s


def send_raw(s, mail_from, rcpts, data, mail_options=()):
    """mail/rcpt/data on an smtplib connection; returns the queued-as id."""
    code, resp = s.mail(mail_from, list(mail_options))
    check_eq(code, 250, f"MAIL reply {resp!r}")
    for r in rcpts:
        code, resp = s.rcpt(r)
        check_eq(code, 250, f"RCPT {r} reply {resp!r}")
    code, resp = s.data(data)
    check_eq(code, 250, f"end-of-data reply {resp!r}")
    text = resp.decode("utf-8", "replace")
    m = re.fullmatch(r"2\.0\.0 Ok: queued as ([0-9A-Za-z]{22})", text)
    check(m is not None, f"250 text should be '2.0.0 Ok: queued as <22-char id>', got {text!r}")
    return m.group(1)


def crlf_bytes(msg):
    """Serialise an EmailMessage with CRLF line endings (what smtplib then sends verbatim)."""
    data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def stored(uid, srv=None):
    m = Db((srv or server()).db_path).message(uid)
    check(m is not None, f"message {uid} acknowledged with 250 but not in the database")
    return m


@case
def greeting_and_ehlo():
    srv = server()
    with sc.Conn(srv.smtp_port) as c:
        g = c.expect(220)
        check(re.fullmatch(r"mailjar ESMTP mailjar.*", g.lines[0]) is not None,
              f"greeting should be '220 mailjar ESMTP mailjar', got {g!r}")
        r = c.ehlo("ehlo.test")
        check_eq(r.lines[0].split()[0], "mailjar", "first EHLO line names the host")
        kw = {line.split()[0].upper(): line.split()[1:] for line in r.lines[1:]}
        for k in ("PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "AUTH"):
            check(k in kw, f"EHLO should advertise {k}: {r.lines}")
        check_eq(kw["SIZE"], [str(50 * 1024 * 1024)], "default SIZE")
        check(set(kw["AUTH"]) >= {"PLAIN", "LOGIN", "CRAM-MD5"}, f"AUTH mechanisms {kw['AUTH']}")
        check("STARTTLS" not in kw, "STARTTLS must not be offered without a TLS flag")
        c.cmd("HELO helo.test", 250)
        c.cmd("NOOP", 250, "2.0.0")
        c.cmd("VRFY someone", 252)
        c.cmd("HELP", 214)
        c.cmd("RSET", 250, "2.0.0")
        c.cmd("QUIT", 221)
        check(c.wait_closed(), "server should close after 221")


@case
def hostname_flag():
    srv = mailjar.Server("--hostname", "catcher.example")
    with sc.Conn(srv.smtp_port) as c:
        g = c.expect(220)
        check(g.lines[0].startswith("catcher.example "), f"greeting {g!r}")
        r = c.ehlo()
        check(r.lines[0].startswith("catcher.example"), f"EHLO {r!r}")


@case
def smtplib_plain_message_with_envelope_and_bcc():
    srv = server()
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "Alice Sender <alice@example.org>"
    msg["To"] = "Bob <bob@example.net>, carol@example.net"
    msg["Cc"] = "Dave <dave@example.com>"
    msg["Subject"] = "Plain hello"
    msg["Message-ID"] = "<plain-1@example.org>"
    msg["Date"] = "Fri, 27 Nov 2026 18:09:18 +0000"
    # Lines starting with dots exercise smtplib's stuffing and the server's unstuffing.
    msg.set_content("Hello Bob,\n.hidden line\n..two dots\n.\nbye\n")
    data = crlf_bytes(msg)
    rcpts = ["bob@example.net", "carol@example.net", "dave@example.com", "secret@example.com"]
    s = smtp(srv.smtp_port)
    local = "%s:%d" % s.sock.getsockname()[:2]
    uid = send_raw(s, "bounce@example.org", rcpts, data)
    s.quit()
    m = stored(uid)
    check_eq(m.raw, data, "raw bytes")
    check_eq(m.mail_from, "bounce@example.org", "MAIL FROM")
    check_eq(m.rcpt_to, rcpts, "RCPT TO list in order")
    check_eq(m.client_addr, local, "client address")
    check_eq(m.helo, "basic.test", "HELO/EHLO name")
    check_eq(m.tls, "", "no TLS")
    check_eq(m.auth_user, "", "no AUTH")
    check_eq(m.subject, "Plain hello", "subject")
    check_eq(m.message_id, "plain-1@example.org", "Message-ID")
    check_eq(m.from_, ("Alice Sender", "alice@example.org"), "From")
    check_eq(m.to, [("Bob", "bob@example.net"), ("", "carol@example.net")], "To")
    check_eq(m.cc, [("Dave", "dave@example.com")], "Cc")
    check_eq(m.bcc, [], "no Bcc header")
    check_eq(m.envelope_bcc, ["secret@example.com"], "envelope-only recipient counts as Bcc")
    check_eq(api_search(srv, "bcc:secret@example.com"), {uid}, "searchable by its Bcc")


@case
def searchable_as_soon_as_acknowledged():
    # The full-text index trails ingest in batches; a search through the API must still find a
    # message the moment its 250 has arrived (the store has the index catch up first).
    srv = server()
    s = smtp(srv.smtp_port)
    for i in range(20):
        word = f"readyourwrites{i}x"
        uid = send_raw(s, "a@example.org", ["b@example.net"],
                       f"Subject: ryw{i}subject\r\n\r\nthe word is {word}\r\n".encode())
        check_eq(api_search(srv, word), {uid}, f"message {i} found by its body word right after 250")
        check_eq(api_search(srv, f"subject:ryw{i}subject"), {uid}, f"message {i} found by subject")
    s.quit()


@case
def several_transactions_on_one_connection():
    srv = server()
    s = smtp(srv.smtp_port)
    ids = []
    for i in range(5):
        data = f"Subject: multi {i}\r\nFrom: a@example.org\r\n\r\nbody {i}\r\n".encode()
        ids.append(send_raw(s, "a@example.org", [f"r{i}@example.net"], data))
        if i == 2:
            check_eq(s.rset()[0], 250, "RSET between transactions")
    s.quit()
    check_eq(len(set(ids)), 5, "distinct ids")
    db = Db(srv.db_path)
    for i, uid in enumerate(ids):
        m = db.message(uid)
        check(m is not None, f"message {i} stored")
        check_eq(m.subject, f"multi {i}", "subject")
        check_eq(m.rcpt_to, [f"r{i}@example.net"], "envelope is per transaction")


def encoded_word(text, charset="utf-8", q=False):
    """One RFC 2047 encoded-word (built by hand: Python's folding can drop spaces)."""
    raw = text.encode(charset)
    if q:
        body = "".join(chr(c) if c < 0x80 and chr(c).isalnum() else "_" if c == 0x20 else f"={c:02X}" for c in raw)
        return f"=?{charset}?Q?{body}?="
    return f"=?{charset}?B?{base64.b64encode(raw).decode()}?="


@case
def unicode_subject_rfc2047():
    srv = server()
    pieces = ["Grüße aus Köln — ", "Привет, мир 🎉 ", "日本語"]
    subject = "".join(pieces)
    # Whitespace between adjacent encoded-words is not part of the text (RFC 2047 6.2).
    data = ("From: " + encoded_word("Jörg Müller", "iso-8859-1", q=True) + " <joerg@example.org>\r\n"
            "To: " + encoded_word("Ελένη") + " <eleni@example.gr>\r\n"
            "Subject: " + encoded_word(pieces[0]) + "\r\n " + encoded_word(pieces[1], q=True) + " "
            + encoded_word(pieces[2]) + "\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n").encode("ascii") + "Tschüß!\r\n".encode("iso-8859-1")
    s = smtp(srv.smtp_port)
    uid = send_raw(s, "joerg@example.org", ["eleni@example.gr"], data)
    s.quit()
    m = stored(uid)
    check_eq(m.raw, data, "raw bytes")
    check_eq(m.subject, subject, "decoded subject")
    check_eq(m.from_, ("Jörg Müller", "joerg@example.org"), "From name from ISO-8859-1 Q-encoding")
    check_eq(m.to, [("Ελένη", "eleni@example.gr")], "decoded To name")


@case
def smtputf8_envelope_and_utf8_headers():
    srv = server()
    s = smtp(srv.smtp_port)
    check(s.has_extn("smtputf8"), "SMTPUTF8 advertised")
    subject = "Ünicode raw header ✓ δοκιμή"
    data = (f"From: Zoë <zoë@exämple.org>\r\nTo: 用户@例子.广告\r\nSubject: {subject}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"Grüße 👋\r\n").encode("utf-8")
    uid = send_raw(s, "zoë@exämple.org", ["用户@例子.广告"], data, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    s.quit()
    m = stored(uid)
    check_eq(m.raw, data, "raw bytes")
    check_eq(m.mail_from, "zoë@exämple.org", "UTF-8 MAIL FROM")
    check_eq(m.rcpt_to, ["用户@例子.广告"], "UTF-8 RCPT TO")
    check(m.smtputf8, "envelope records SMTPUTF8")
    check_eq(m.subject, subject, "raw UTF-8 subject")
    check_eq(m.from_, ("Zoë", "zoë@exämple.org"), "UTF-8 From")


def sample_files():
    files = sorted(f for f in glob.glob(os.path.join(mailjar.samples_dir(), "**", "*.eml"), recursive=True))
    check(len(files) > 0, f"no .eml samples under {mailjar.samples_dir()}")
    return files


def attachment_files():
    """Non-.eml files from samples/ (images, PDFs...) or, failing that, the .eml files."""
    others = [f for f in glob.glob(os.path.join(mailjar.samples_dir(), "**", "*"), recursive=True)
              if os.path.isfile(f) and not f.endswith(".eml") and os.path.getsize(f) < 2 << 20]
    return sorted(others)[:3] or sample_files()[:3]


@case
def attachments_from_samples_with_checksums():
    srv = server()
    files = attachment_files()
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "att@example.org"
    msg["To"] = "rcpt@example.net"
    msg["Subject"] = "with attachments"
    msg.set_content("see attached\n")
    msg.add_alternative("<p>see <b>attached</b></p>\n", subtype="html")
    expected = {}
    for i, path in enumerate(files):
        blob = open(path, "rb").read()
        name = f"{i}-{os.path.basename(path)}"
        msg.add_attachment(blob, maintype="application", subtype="octet-stream", filename=name)
        expected[name] = blob
    data = crlf_bytes(msg)
    s = smtp(srv.smtp_port)
    uid = send_raw(s, "att@example.org", ["rcpt@example.net"], data)
    s.quit()
    m = stored(uid)
    check_eq(m.raw, data, "raw bytes")
    by_name = {p.file_name: p for p in m.parts if p.file_name}
    check_eq(sorted(by_name), sorted(expected), "attachment file names")
    for name, blob in expected.items():
        p = by_name[name]
        check_eq(p.size, len(blob), f"{name} decoded size")
        check_eq(p.sha256, hashlib.sha256(blob).hexdigest(), f"{name} sha256")
        check_eq(p.md5, hashlib.md5(blob).hexdigest(), f"{name} md5")
        check_eq(p.sha1, hashlib.sha1(blob).hexdigest(), f"{name} sha1")


@case
def every_sample_stored_byte_exact():
    srv = server()
    db = Db(srv.db_path)
    for path in sample_files():
        data = open(path, "rb").read()
        if not data.endswith(b"\r\n"):
            data += b"\r\n"  # DATA content always ends with CRLF before the terminator
        if len(data) > 40 << 20:
            continue  # above the default 50M limit after stuffing; covered by the limit tests
        uid = sc.send_message(srv.smtp_port, data, rcpts=("samples@example.net",))
        m = db.message(uid)
        check(m is not None, f"{os.path.basename(path)}: acknowledged but not stored")
        check(m.raw == data, f"{os.path.basename(path)}: raw differs (stored {len(m.raw)} bytes, sent {len(data)})")


def python_attachments(data):
    """{file name: decoded bytes} per Python's email package, or None when it saw defects."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if msg.defects:
        return None
    out = {}
    for part in msg.walk():
        name = part.get_filename()
        if part.is_multipart() or not name or part.get_content_type() == "message/rfc822":
            continue
        if part.defects:
            return None
        out[name] = part.get_payload(decode=True) or b""
    return out


@case
def samples_sent_by_smtplib_parsed_like_python_does():
    """Real-client path: smtplib turns the LF samples into CRLF. Attachments found by
    Python's email package must be stored with the same names, sizes and checksums."""
    srv = server()
    compared = 0
    s = smtp(srv.smtp_port)
    try:
        for path in sample_files():
            raw = open(path, "rb").read()
            sent = re.sub(rb"\r?\n|\r", b"\r\n", raw)  # what smtplib.data() puts on the wire
            if not sent.endswith(b"\r\n"):
                sent += b"\r\n"
            uid = send_raw(s, "samples@example.org", ["r@example.net"], raw)
            m = stored(uid)
            name = os.path.basename(path)
            check(m.raw == sent, f"{name}: raw differs from the CRLF form smtplib sent")
            expected = python_attachments(sent)
            if not expected:
                continue
            by_name = {p.file_name: p for p in m.parts if p.file_name}
            for fname, blob in expected.items():
                p = by_name.get(fname)
                check(p is not None, f"{name}: attachment {fname!r} missing; stored {sorted(by_name)}")
                check_eq(p.size, len(blob), f"{name}: {fname} size")
                check_eq(p.sha256, hashlib.sha256(blob).hexdigest(), f"{name}: {fname} sha256")
                compared += 1
    finally:
        s.close()
    check(compared >= 3, f"at least 3 attachments compared, got {compared}")


@case
def dot_unstuffing_raw_dialogue():
    srv = server()
    body = (b"Subject: dots\r\n\r\n.\r\n..\r\n...\r\n.leading\r\nmid.dle\r\n. space\r\n"
            b"x\r\n.\rbare CR after dot\r\n.\nbare LF after dot\r\nend\r\n")
    uid = sc.send_message(srv.smtp_port, body)
    check_eq(stored(uid).raw, body, "dot-stuffed lines restored exactly")
    # A message whose first line starts with a dot (start of data is a line start too).
    body2 = b".starts with a dot\r\n\r\nbody\r\n"
    uid2 = sc.send_message(srv.smtp_port, body2)
    check_eq(stored(uid2).raw, body2, "leading dot unstuffed")


@case
def empty_message_and_null_sender():
    srv = server()
    with sc.open_session(srv.smtp_port) as c:
        c.cmd("MAIL FROM:<>", 250)
        c.cmd("RCPT TO:<postmaster@example.net>", 250)
        c.cmd("DATA", 354)
        c.send(b".\r\n")
        uid = c.expect(250).queued_id()
        c.cmd("QUIT", 221)
    m = stored(uid)
    check_eq(m.raw, b"", "empty message")
    check_eq(m.mail_from, "", "null sender")
    check_eq(m.rcpt_to, ["postmaster@example.net"], "recipient")


@case
def command_sequence_replies():
    srv = server()
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.cmd("MAIL FROM:<early@example.org>", 503)  # before EHLO
        c.cmd("EHLO", 501)  # missing argument
        c.cmd("HELO", 501)
        c.ehlo()
        c.cmd("RCPT TO:<r@example.net>", 503)  # before MAIL
        c.cmd("DATA", 503)
        c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME AUTH=<> SIZE=100", 250)
        c.cmd("MAIL FROM:<again@example.org>", 503)  # nested MAIL
        c.cmd("RCPT TO:<r@example.net> NOTIFY=NEVER-HEARD", 555)
        c.cmd("RCPT TO:<r@example.net>", 250, "2.1.5")
        c.cmd("RSET", 250)
        c.cmd("DATA", 503)  # RSET forgot the transaction
        c.cmd("MAIL FROM:<a@example.org> BODY=BOGUS", 501)
        c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME", 250)
        c.cmd("RCPT TO:<r@example.net>", 250)
        c.cmd("DATA", 354)
        c.send(b"Subject: 8bit \xc3\xa4\r\n\r\nbody \xff\r\n.\r\n")
        uid = c.expect(250).queued_id()
        # QUIT in the middle of a transaction stores nothing more.
        c.cmd("MAIL FROM:<q@example.org>", 250)
        c.cmd("RCPT TO:<r@example.net>", 250)
        c.cmd("QUIT", 221)
    m = stored(uid)
    check_eq(m.body_type, "8BITMIME", "BODY= recorded")
    check_eq(m.raw, b"Subject: 8bit \xc3\xa4\r\n\r\nbody \xff\r\n", "8-bit bytes kept")
    now_ms = time.time() * 1000
    check(now_ms - 60000 < m.received_ms <= now_ms + 1000, f"received_ms {m.received_ms} is now")
    check_eq(Db(srv.db_path).raw_contains(b"q@example.org"), 0, "nothing stored for the QUIT transaction")


@case
def lenient_command_forms():
    srv = server()
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.send(b"ehlo lower.test\n")  # lower case, LF-only command line
        c.expect(250)
        c.cmd("mail from: <space@example.org>", 250)  # space after the colon
        c.cmd("rcpt to:bare@example.net", 250)  # no angle brackets
        c.cmd("data", 354)
        c.send(b"Subject: lenient\r\n\r\nx\r\n.\r\n")
        uid = c.expect(250).queued_id()
    m = stored(uid)
    check_eq(m.mail_from, "space@example.org", "MAIL FROM")
    check_eq(m.rcpt_to, ["bare@example.net"], "RCPT TO")
    check_eq(m.helo, "lower.test", "EHLO name")


@case
def large_message_with_long_lines():
    srv = server()
    line = bytes((i * 7 + 33) % 94 + 33 for i in range(1 << 20)) + b"\r\n"  # a 1 MB line
    data = b"Subject: large\r\n\r\n" + line + b"short\r\n" * 1000 + b"." + line * 6 + b"\x00\xff\r\n"
    uid = sc.send_message(srv.smtp_port, data)
    m = stored(uid)
    check(m.raw == data, f"{len(data)}-byte message stored exactly (got {len(m.raw)} bytes)")
    check_eq(m.subject, "large", "parsed")


@case
def ipv6_loopback_listener():
    srv = mailjar.Server("--smtp", "[::1]:0")
    host, port = srv.listeners["smtp"]
    check_eq(host, "::1", "listening address")
    with sc.Conn(port, host="::1") as c:
        c.expect(220)
        c.ehlo("v6.test")
        local = "[%s]:%d" % c.sock.getsockname()[:2]
        c.cmd("MAIL FROM:<v6@example.org>", 250)
        c.cmd("RCPT TO:<r@example.net>", 250)
        c.cmd("DATA", 354)
        c.send(b"Subject: over ipv6\r\n\r\nx\r\n.\r\n")
        uid = c.expect(250).queued_id()
    check_eq(stored(uid, srv).client_addr, local, "IPv6 client address as [ip]:port")


@case
def swaks_sends_one():
    srv = server()
    marker = "swaks-basic-7f3a"
    out = subprocess.run(
        ["swaks", "--server", "127.0.0.1", "--port", str(srv.smtp_port), "--helo", "swaks.test",
         "--from", "swaks@example.org", "--to", "one@example.net,two@example.net",
         "--header", f"Subject: {marker}", "--body", "sent by swaks", "--timeout", "15"],
        capture_output=True, timeout=60)
    text = out.stdout.decode("utf-8", "replace")
    check_eq(out.returncode, 0, f"swaks exit code; output:\n{text}")
    m = re.search(r"<[~-]?\s+250 2\.0\.0 Ok: queued as ([0-9A-Za-z]{22})", text)
    check(m is not None, f"queued-as id in swaks transcript:\n{text}")
    s = stored(m.group(1))
    check_eq(s.subject, marker, "subject")
    check_eq(s.helo, "swaks.test", "HELO")
    check_eq(s.mail_from, "swaks@example.org", "MAIL FROM")
    check_eq(s.rcpt_to, ["one@example.net", "two@example.net"], "RCPT TO")
    check(b"sent by swaks" in s.raw, "body in raw")


if __name__ == "__main__":
    main()
