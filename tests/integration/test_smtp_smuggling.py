#!/usr/bin/env python3
"""SMTP smuggling: a fake end-of-data (bare LF / bare CR / NUL variants of CRLF.CRLF)
followed by a smuggled MAIL/RCPT/DATA and a second message, then the real CRLF.CRLF.
Exactly ONE message must be stored, containing the smuggled text verbatim (after
dot-unstuffing), and the server must not answer the smuggled commands. Also with the fake
terminator at a write boundary, and with --smtp-bare-lf reject (550, nothing stored)."""

import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

FAKE_TERMINATORS = [
    b"\n.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\r", b"\r\n.\n", b"\r.\n", b"\n.\r", b"\r.\r",
    b"\r\n.\r\r\n", b"\r\n\x00.\r\n", b"\r\n.\x00\r\n", b"\n\n.\n\n", b"\r\r\n.\r\r\n",
    b"\r\n.\n\r\n", b"\n.\n\r\n", b"\r\n. \r\n",
    b"\r\n..\r\n", b"\r\n.\t\r\n",
]

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
    return repr(fake)


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


if __name__ == "__main__":
    main()
