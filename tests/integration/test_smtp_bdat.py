#!/usr/bin/env python3
"""CHUNKING (RFC 3030 BDAT) over a real socket: binary chunks stored byte-exact (no
dot-stuffing, no terminator search), several chunks and BDAT 0 LAST, pipelined chunks,
sequence and syntax errors, the size limit across chunks, and a disconnect mid-chunk."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402


def server():
    return mailjar.shared_server("--smtp-max-message-size", "64K")


def begin(c, rcpt="r@example.net"):
    c.cmd("MAIL FROM:<bdat@example.org> BODY=BINARYMIME", 250)
    c.cmd(f"RCPT TO:<{rcpt}>", 250)


def bdat(c, chunk, last=False, code=250):
    c.send(f"BDAT {len(chunk)}{' LAST' if last else ''}\r\n".encode() + chunk)
    return c.expect(code, what=f"BDAT {len(chunk)}{' LAST' if last else ''}")


@case
def chunking_advertised():
    with sc.Conn(server().smtp_port) as c:
        c.expect(220)
        r = c.ehlo()
        check("CHUNKING" in r.lines, f"CHUNKING in EHLO {r.lines}")


@case
def binary_chunks_stored_exactly():
    srv = server()
    # Everything DATA would treat specially is plain content in BDAT.
    data = (b"Subject: bdat binary\r\nContent-Type: application/octet-stream\r\n\r\n"
            b".leading dot\r\n.\r\nMAIL FROM:<not-a-command@example.org>\r\n"
            b"bare\nLF and bare\rCR \x00NUL \xff\xfe high bytes\r\n" + bytes(range(256)) + b"\r\n")
    with sc.open_session(srv.smtp_port) as c:
        begin(c)
        uid = bdat(c, data, last=True).queued_id()
        check(uid is not None, "BDAT LAST answers queued as <id>")
        c.cmd("QUIT", 221)
    m = Db(srv.db_path).message(uid)
    check(m is not None, "stored")
    check_eq(m.raw, data, "raw is the chunk, byte for byte")
    check_eq(m.mail_from, "bdat@example.org", "sender")


@case
def several_chunks_and_empty_last():
    srv = server()
    parts = [b"Subject: chunks\r\n", b"\r\n", b"first half of a li", b"ne\r\nsecond line\r\n"]
    with sc.open_session(srv.smtp_port) as c:
        begin(c)
        for p in parts:
            bdat(c, p)
        uid = bdat(c, b"", last=True).queued_id()
        # A second message with one-byte chunks on the same connection.
        begin(c, "second@example.net")
        body = b"Subject: bytes\r\n\r\nx\r\n"
        for i in range(len(body) - 1):
            bdat(c, body[i:i + 1])
        uid2 = bdat(c, body[-1:], last=True).queued_id()
    db = Db(srv.db_path)
    check_eq(db.message(uid).raw, b"".join(parts), "chunks concatenated")
    check_eq(db.message(uid).subject, "chunks", "parsed")
    check_eq(db.message(uid2).raw, body, "one-byte chunks")
    check_eq(db.message(uid2).rcpt_to, ["second@example.net"], "second envelope")


@case
def pipelined_chunks():
    srv = server()
    a, b = b"Subject: piped bdat\r\n\r\n", b"body\r\n"
    with sc.open_session(srv.smtp_port) as c:
        c.send(b"MAIL FROM:<p@example.org>\r\nRCPT TO:<r@example.net>\r\n" +
               f"BDAT {len(a)}\r\n".encode() + a + f"BDAT {len(b)} LAST\r\n".encode() + b + b"NOOP\r\nQUIT\r\n")
        rs = c.replies(6)
    check_eq([r.code for r in rs], [250, 250, 250, 250, 250, 221], f"replies {rs}")
    check_eq(Db(srv.db_path).message(rs[3].queued_id()).raw, a + b, "raw")


@case
def sequence_and_syntax_errors():
    srv = server()
    with sc.open_session(srv.smtp_port) as c:
        c.cmd("BDAT 0 LAST", 503)  # no transaction
        # A refused BDAT still carries its chunk (RFC 3030 2): it is read and dropped.
        c.send(b"BDAT 12 LAST\r\nNOOP\r\nNOOP\r\n")
        c.expect(503, what="BDAT without MAIL, with a chunk")
        begin(c)
        c.cmd("BDAT abc", 501)
        c.cmd("BDAT 0 NEXT", 501)
        bdat(c, b"Subj")
        c.cmd("DATA", 503)  # mixing DATA into a BDAT transaction
        uid = bdat(c, b"ect: mixed\r\n\r\nx\r\n", last=True).queued_id()
        check(uid is not None, "transaction still completes")
        c.cmd("NOOP", 250)
    check_eq(Db(srv.db_path).message(uid).raw, b"Subject: mixed\r\n\r\nx\r\n", "raw")


@case
def size_limit_across_chunks():
    srv = server()
    before = Db(srv.db_path).count()
    with sc.open_session(srv.smtp_port) as c:
        begin(c)
        chunk = b"y" * (40 * 1024)
        c.send(f"BDAT {len(chunk)}\r\n".encode() + chunk)
        first = c.reply()
        c.send(f"BDAT {len(chunk)} LAST\r\n".encode() + chunk)
        second = c.reply()
        check(552 in (first.code, second.code), f"552 for 80K in chunks: {first} {second}")
        check_eq(second.code, 552, "the LAST chunk reports the size error")
        check_eq(second.enhanced(), "5.3.4", "552 5.3.4")
        # The chunk bytes were consumed: the connection is in sync.
        c.cmd("NOOP", 250)
        c.cmd("RSET", 250)
        begin(c)
        uid = bdat(c, b"Subject: after oversize bdat\r\n\r\nx\r\n", last=True).queued_id()
    db = Db(srv.db_path)
    check_eq(db.count(), before + 1, "only the small message stored")
    check(db.message(uid) is not None, "small message stored")


@case
def disconnect_mid_chunk_stores_nothing():
    srv = server()
    db = Db(srv.db_path)
    before = db.count()
    for last in (False, True):
        c = sc.open_session(srv.smtp_port)
        begin(c)
        if last:
            bdat(c, b"Subject: half\r\n")
        c.send(b"BDAT 1000 LAST\r\nonly part of the chunk: bdat-cut-marker")
        time.sleep(0.05)
        c.abort()
    sc.send_message(srv.smtp_port, b"Subject: after bdat cut\r\n\r\nx\r\n")
    check_eq(db.count(), before + 1, "nothing of the cut transactions stored")
    check_eq(db.raw_contains(b"bdat-cut-marker"), 0, "marker absent")


if __name__ == "__main__":
    main()
