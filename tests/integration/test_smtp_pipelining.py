#!/usr/bin/env python3
"""PIPELINING over a real socket: a command group in one write gets its replies in order,
a whole session (EHLO..QUIT with two messages) in one write works, and the same session
dribbled one byte per write gives the same replies."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402


def server():
    return mailjar.shared_server()


def codes(replies):
    return [r.code for r in replies]


@case
def mail_rcpt_rcpt_data_in_one_write():
    srv = server()
    with sc.open_session(srv.smtp_port, "pipe.test") as c:
        c.send(b"MAIL FROM:<p@example.org>\r\nRCPT TO:<one@example.net>\r\n"
               b"RCPT TO:<two@example.net>\r\nDATA\r\n")
        rs = c.replies(4)
        check_eq(codes(rs), [250, 250, 250, 354], f"replies in order: {rs}")
        check((rs[0].enhanced() or "").startswith("2."), f"MAIL carries an enhanced code: {rs[0]}")
        check_eq([r.enhanced() for r in rs[1:3]], ["2.1.5", "2.1.5"], "RCPT enhanced codes")
        data = b"Subject: pipelined group\r\n\r\nbody\r\n"
        c.send(data + b".\r\nQUIT\r\n")
        r = c.expect(250)
        c.expect(221)
    m = Db(srv.db_path).message(r.queued_id())
    check(m is not None, "stored")
    check_eq(m.raw, data, "raw")
    check_eq(m.rcpt_to, ["one@example.net", "two@example.net"], "recipients")
    check_eq(m.helo, "pipe.test", "helo")


SESSION = (b"EHLO whole.test\r\n"
           b"MAIL FROM:<w@example.org>\r\nRCPT TO:<a@example.net>\r\nRCPT TO:<bad\x01address@example.net>\r\n"
           b"RCPT TO:<b@example.net>\r\nDATA\r\n"
           b"Subject: first\r\n\r\n..dot\r\nfirst body\r\n.\r\n"
           b"NOOP\r\n"
           b"MAIL FROM:<w2@example.org>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n"
           b"Subject: second\r\n\r\nsecond body\r\n.\r\n"
           b"QUIT\r\n")
SESSION_CODES = [220, 250, 250, 250, 501, 250, 354, 250, 250, 250, 250, 354, 250, 221]


def run_session(port, writer):
    c = sc.Conn(port)
    try:
        writer(c, SESSION)
        rs = c.replies(len(SESSION_CODES))
        check(c.wait_closed(), "closed after QUIT")
        return rs
    finally:
        c.close()


@case
def whole_session_in_one_write():
    srv = server()
    rs = run_session(srv.smtp_port, lambda c, d: c.send(d))
    check_eq(codes(rs), SESSION_CODES, f"replies: {rs}")
    db = Db(srv.db_path)
    first, second = db.message(rs[7].queued_id()), db.message(rs[12].queued_id())
    check(first is not None and second is not None, "both messages stored")
    check_eq(first.raw, b"Subject: first\r\n\r\n.dot\r\nfirst body\r\n", "first raw")
    check_eq(first.rcpt_to, ["a@example.net", "b@example.net"], "first recipients (bad one refused)")
    check_eq(second.raw, b"Subject: second\r\n\r\nsecond body\r\n", "second raw")
    check_eq(second.mail_from, "w2@example.org", "second sender")
    check_eq(second.rcpt_to, ["c@example.net"], "second recipients (transaction reset)")


@case
def whole_session_one_byte_per_write():
    srv = server()
    rs = run_session(srv.smtp_port, lambda c, d: c.send_slowly(d, chunk=1))
    check_eq(codes(rs), SESSION_CODES, f"replies: {rs}")
    db = Db(srv.db_path)
    check_eq(db.message(rs[7].queued_id()).raw, b"Subject: first\r\n\r\n.dot\r\nfirst body\r\n", "first raw")
    check_eq(db.message(rs[12].queued_id()).raw, b"Subject: second\r\n\r\nsecond body\r\n", "second raw")


@case
def many_messages_in_one_write():
    srv = server()
    n = 30
    blob = b"EHLO bulk.test\r\n"
    for i in range(n):
        blob += (f"MAIL FROM:<bulk{i}@example.org>\r\nRCPT TO:<r@example.net>\r\nDATA\r\n"
                 f"Subject: bulk {i}\r\n\r\nbody {i}\r\n.\r\n").encode()
    blob += b"QUIT\r\n"
    with sc.Conn(srv.smtp_port) as c:
        c.send(blob)
        rs = c.replies(2 + 4 * n + 1)
    check_eq(codes(rs), [220, 250] + [250, 250, 354, 250] * n + [221], "codes")
    db = Db(srv.db_path)
    for i in range(n):
        m = db.message(rs[2 + 4 * i + 3].queued_id())
        check(m is not None and m.subject == f"bulk {i}", f"bulk {i} stored in order")


@case
def default_recipient_limit_pipelined():
    srv = server()
    n = 101  # default --smtp-max-recipients is 100
    blob = b"MAIL FROM:<many@example.org>\r\n" + b"".join(
        f"RCPT TO:<r{i}@example.net>\r\n".encode() for i in range(n)) + b"DATA\r\n"
    with sc.open_session(srv.smtp_port) as c:
        c.send(blob)
        rs = c.replies(n + 2)
        check_eq(codes(rs), [250] + [250] * 100 + [452, 354], "100 accepted, the 101st refused")
        check_eq(rs[101].enhanced(), "4.5.3", "452 4.5.3")
        c.send(b"Subject: hundred\r\n\r\nx\r\n.\r\n")
        uid = c.expect(250).queued_id()
    check_eq(Db(srv.db_path).message(uid).rcpt_to, [f"r{i}@example.net" for i in range(100)], "100 recipients")


@case
def nothing_is_answered_after_quit():
    srv = server()
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.send(b"EHLO q.test\r\nQUIT\r\nNOOP\r\nMAIL FROM:<late@example.org>\r\n")
        c.expect(250)
        c.expect(221)
        check(c.wait_closed(), "closed after QUIT")
        check_eq(c.buf, b"", "no replies after the 221")


@case
def rejected_data_in_pipeline_does_not_eat_following_commands():
    srv = server()
    # DATA without a valid recipient is refused (503/554); the message lines that follow are
    # then read as commands and refused one by one; the session keeps working after them.
    with sc.open_session(srv.smtp_port) as c:
        c.send(b"MAIL FROM:<x@example.org>\r\nRCPT TO:<bad\x01@example.net>\r\nDATA\r\n"
               b"RSET\r\nNOOP\r\n")
        rs = c.replies(5)
        check_eq(rs[0].code, 250, "MAIL")
        check_eq(rs[1].code, 501, "bad RCPT")
        check(rs[2].code in (503, 554), f"DATA without recipients refused: {rs[2]}")
        check_eq(codes(rs[3:]), [250, 250], "RSET and NOOP still answered")


if __name__ == "__main__":
    main()
