#!/usr/bin/env python3
"""Every bounded input answers with its reply and the server keeps serving: message size
(SIZE= at MAIL, oversize data drained then 552), recipients (452), long command lines (500),
control characters in addresses (501), garbage / binary / unknown verbs (500/502) and HTTP
while another client is served, the error cap (421), the connection cap (421), the idle
timeout (421 4.4.2), --smtp-allow (554 5.7.1) and --smtp-bare-lf reject (550 5.5.2)."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

MAX_SIZE = 64 * 1024
MAX_RCPTS = 3


def server():
    return mailjar.shared_server("--smtp-max-message-size", "64K", "--smtp-max-recipients", str(MAX_RCPTS))


def count(srv):
    return Db(srv.db_path).count()


def begin_data(c, rcpts=("r@example.net",)):
    c.cmd("MAIL FROM:<s@example.org>", 250)
    for r in rcpts:
        c.cmd(f"RCPT TO:<{r}>", 250)
    c.cmd("DATA", 354)


def small_transaction(c, subject="ok"):
    begin_data(c)
    c.send(f"Subject: {subject}\r\n\r\nsmall\r\n.\r\n".encode())
    uid = c.expect(250, what="small message").queued_id()
    check(uid is not None, "queued id")
    return uid


def body_of(size, marker):
    line = (marker * 20)[:76] + "\r\n"
    head = f"Subject: {marker}\r\n\r\n"
    n = (size - len(head)) // len(line) + 1
    return (head + line * n).encode()[:size - 2] + b"\r\n"


def no_control_chars(r):
    for line in r.lines:
        check(all(ch >= " " and ch != "\x7f" for ch in line), f"reply echoes a control character: {r!r}")


# -- size --------------------------------------------------------------------------------------
@case
def size_advertised_and_checked_at_mail():
    srv = server()
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        r = c.ehlo()
        sizes = [line.split()[1:] for line in r.lines if line.upper().startswith("SIZE")]
        check_eq(sizes, [[str(MAX_SIZE)]], "SIZE advertises --smtp-max-message-size (64K = 65536)")
        c.cmd(f"MAIL FROM:<big@example.org> SIZE={MAX_SIZE + 1}", 552, "5.3.4")
        c.cmd("MAIL FROM:<big@example.org> SIZE=100000000000000000000", 552, "5.3.4")
        c.cmd("MAIL FROM:<ok@example.org> SIZE=1000", 250)
        c.cmd("RCPT TO:<r@example.net>", 250)
        c.cmd("RSET", 250)
        c.cmd("MAIL FROM:<ok@example.org> NOSUCHPARAM=1", 555)


@case
def oversize_data_drained_then_552_and_connection_usable():
    srv = server()
    before = count(srv)
    with sc.open_session(srv.smtp_port) as c:
        begin_data(c)
        big = body_of(4 * MAX_SIZE, "oversize-marker-1")
        # Lines starting with a dot inside the drained data must not end it early.
        big = big.replace(b"\r\noversize", b"\r\n..oversize", 3)
        c.send(big + b".\r\n")
        c.expect(552, "5.3.4", what="oversize message")
        small = small_transaction(c, "after oversize")
        # The same again, pipelined with a following command in the same write.
        begin_data(c)
        c.send(big + b".\r\nNOOP\r\n")
        c.expect(552, "5.3.4")
        c.expect(250, what="NOOP after 552")
        c.cmd("QUIT", 221)
    check_eq(count(srv), before + 1, "only the small message stored")
    check(Db(srv.db_path).message(small) is not None, "small message stored")
    check_eq(Db(srv.db_path).raw_contains(b"oversize-marker-1"), 0, "nothing of the oversize message")


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


@case
def oversize_data_is_drained_not_buffered():
    # A small ASan quarantine so freed buffers do not count as growth.
    asan = (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1").lstrip(":")
    srv = mailjar.Server("--smtp-max-message-size", "64K", env={"ASAN_OPTIONS": asan})
    with sc.open_session(srv.smtp_port) as c:
        sc.send_message(srv.smtp_port, b"Subject: warm-up\r\n\r\nx\r\n")
        before = peak_rss_kib(srv.proc.pid)
        begin_data(c)
        block = (b"z" * 1022 + b"\r\n") * 1024  # 1 MiB
        for _ in range(128):
            c.send(block)
        c.send(b".\r\n")
        c.expect(552, "5.3.4", timeout=60, what="128 MiB message")
        grown_mib = (peak_rss_kib(srv.proc.pid) - before) / 1024
        check(grown_mib < 32, f"peak RSS grew {grown_mib:.1f} MiB while draining 128 MiB")
        small_transaction(c, "after the big drain")


@case
def size_limit_is_exact():
    # RFC 1870: the size counts the message's octets after dot-unstuffing, without the terminator.
    srv = server()
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.ehlo()
        c.cmd(f"MAIL FROM:<s@example.org> SIZE={MAX_SIZE}", 250)
        c.cmd("RSET", 250)
    data = body_of(MAX_SIZE, "exact-limit")
    data = data[:40] + b"\r\n.dotted line\r\n" + data[56:]  # stuffed on the wire, unstuffed in size
    check_eq(len(data), MAX_SIZE, "test message size")
    uid = sc.send_message(srv.smtp_port, data)
    check_eq(Db(srv.db_path).message(uid).raw, data, "a message of exactly the limit is accepted")
    with sc.open_session(srv.smtp_port) as c:
        begin_data(c)
        c.send(sc.dot_stuff(body_of(MAX_SIZE + 1, "one-over")))
        c.expect(552, "5.3.4", what="one byte over the limit")


# -- recipients, lines, addresses --------------------------------------------------------------
@case
def too_many_recipients_452():
    srv = server()
    with sc.open_session(srv.smtp_port) as c:
        c.cmd("MAIL FROM:<s@example.org>", 250)
        for i in range(MAX_RCPTS):
            c.cmd(f"RCPT TO:<r{i}@example.net>", 250)
        c.cmd("RCPT TO:<extra@example.net>", 452, "4.5.3")
        c.cmd("RCPT TO:<extra2@example.net>", 452, "4.5.3")
        c.cmd("DATA", 354)
        c.send(b"Subject: capped\r\n\r\nx\r\n.\r\n")
        uid = c.expect(250).queued_id()
    check_eq(Db(srv.db_path).message(uid).rcpt_to, [f"r{i}@example.net" for i in range(MAX_RCPTS)],
             "only the accepted recipients stored")


@case
def long_command_line_500_then_continues():
    srv = server()
    with sc.open_session(srv.smtp_port) as c:
        c.cmd("NOOP " + "x" * 5000, 500, "5.5.2")
        c.cmd("NOOP", 250)
        # A 1 MB line in one write, then a normal command in the same write.
        c.send(b"MAIL FROM:<" + b"a" * (1 << 20) + b"@example.org>\r\nNOOP\r\n")
        c.expect(500, "5.5.2", what="1 MB command line")
        c.expect(250, what="NOOP after the long line")
        c.cmd("NOOP " + "y" * 1000, 250)  # long but within the limit
        small_transaction(c, "after long lines")


@case
def control_characters_in_addresses_501():
    srv = server()
    before = count(srv)
    with sc.open_session(srv.smtp_port) as c:
        for bad in (b"a\x00b@example.org", b"a\x01b@example.org", b"a\x1bb@example.org",
                    b"a\x7fb@example.org", b"a\rb@example.org", b"a\tb@example.org"):
            r = c.cmd(b"MAIL FROM:<" + bad + b">")
            check_eq(r.code, 501, f"MAIL FROM with {bad!r}: {r!r}")
            no_control_chars(r)
        c.cmd("MAIL FROM:<s@example.org>", 250)
        for bad in (b"r\x00@example.net", b"r\x08@example.net", b"r@exam\x7fple.net"):
            r = c.cmd(b"RCPT TO:<" + bad + b">")
            check_eq(r.code, 501, f"RCPT TO with {bad!r}: {r!r}")
            no_control_chars(r)
        c.cmd("DATA", 503)  # no valid recipient
        c.cmd("RSET", 250)
    check_eq(count(srv), before, "nothing stored")


@case
def garbage_and_unknown_verbs_while_another_client_is_served():
    srv = server()
    good = sc.open_session(srv.smtp_port, "good.test")
    try:
        good.cmd("MAIL FROM:<good@example.org>", 250)
        with sc.open_session(srv.smtp_port, "bad.test") as bad:
            r = bad.cmd(b"\x00\xff\xfe\x80garbage\x01\x02")
            check(r.code in (500, 502), f"binary garbage: {r!r}")
            no_control_chars(r)
            bad.cmd("FROBNICATE now", 500, "5.5.1")
            r = bad.cmd("EXPN staff")
            check(r.code in (252, 502), f"EXPN: {r!r}")
            for verb in ("TURN", "ETRN example.org", "SAML FROM:<a@b>"):
                r = bad.cmd(verb)
                check(r.code in (500, 502), f"{verb}: {r!r}")
            bad.cmd("\u00fcml\u00e4ut verb", 500)
            bad.cmd("", 500)
            bad.cmd("NOOP", 250)  # the bad client is still served too
            good.cmd("RCPT TO:<r@example.net>", 250)
        good.cmd("DATA", 354)
        good.send(b"Subject: served meanwhile\r\n\r\nx\r\n.\r\n")
        uid = good.expect(250).queued_id()
        check(Db(srv.db_path).message(uid) is not None, "the good client's message stored")
    finally:
        good.close()


@case
def error_cap_closes_with_421_others_unaffected():
    srv = server()
    other = sc.open_session(srv.smtp_port)
    try:
        with sc.open_session(srv.smtp_port) as bad:
            bad.send(b"BOGUS\r\n" * 60)
            codes = bad.codes_until_closed(61)
            check(codes and codes[-1] == 421, f"error flood ends with 421: {codes}")
            check(all(code in (500, 502) for code in codes[:-1]), f"500s before the 421: {codes}")
            check(len(codes) <= 30, f"closed after a bounded number of errors ({len(codes)})")
            check(bad.wait_closed(), "connection closed after 421")
        small_transaction(other, "other client after flood")
    finally:
        other.close()


@case
def http_request_closes_at_once():
    srv = server()
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: x\r\n\r\n")
        r = c.reply()
        check(r.code in (500, 421), f"HTTP request: {r!r}")
        check(c.wait_closed(timeout=3), "closed right after the HTTP request line")
        check(c.buf.count(b"\r\n") <= 1, f"no reply per header line: {c.buf!r}")
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.send(b"POST /api HTTP/1.1\r\n")
        check(c.reply().code in (500, 421), "POST refused")
        check(c.wait_closed(timeout=3), "closed after POST")


# -- connection-level limits (own servers) -----------------------------------------------------
@case
def connection_cap_421():
    srv = mailjar.Server("--smtp-max-connections", "3")
    held = [sc.Conn(srv.smtp_port) for _ in range(3)]
    try:
        for c in held:
            c.expect(220)
        with sc.Conn(srv.smtp_port) as extra:
            extra.expect(421, "4.7.0", what="4th connection")
            check(extra.wait_closed(), "4th connection closed")
        for c in held:
            c.cmd("NOOP", 250)  # the admitted ones are unaffected
        freed = held.pop()
        freed.cmd("QUIT", 221)
        freed.close()
        # The freed slot becomes usable once the server noticed the close.
        deadline = time.monotonic() + 5
        while True:
            with sc.Conn(srv.smtp_port) as c:
                r = c.reply()
                if r.code == 220:
                    c.ehlo()
                    small_transaction(c, "after a slot freed")
                    break
                check(time.monotonic() < deadline, f"slot never freed: {r!r}")
            time.sleep(0.1)
        # Full again; refused connections must not leak slots.
        deadline = time.monotonic() + 5
        while len(held) < 3:
            c = sc.Conn(srv.smtp_port)
            if c.reply().code == 220:
                held.append(c)
            else:
                c.close()
                check(time.monotonic() < deadline, "third slot never came back")
                time.sleep(0.1)
        for _ in range(10):
            with sc.Conn(srv.smtp_port) as extra:
                check(extra.reply().code == 421, "still full")
    finally:
        for c in held:
            c.close()
    held = []
    deadline = time.monotonic() + 5
    try:
        while len(held) < 3:
            c = sc.Conn(srv.smtp_port)
            r = c.reply()
            if r.code == 220:
                held.append(c)
                continue
            c.close()
            check(time.monotonic() < deadline, f"slots leaked: only {len(held)} of 3 usable ({r!r})")
            time.sleep(0.1)
    finally:
        for c in held:
            c.close()


@case
def idle_timeout_421():
    srv = mailjar.Server("--smtp-timeout", "1")
    before = count(srv)
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        start = time.monotonic()
        r = c.expect(421, "4.4.2", timeout=6, what="idle after greeting")
        elapsed = time.monotonic() - start
        check(0.5 <= elapsed <= 5, f"timeout after ~1s, took {elapsed:.2f}s")
        check(c.wait_closed(), "closed after 421")
    with sc.open_session(srv.smtp_port) as c:
        begin_data(c)
        c.send(b"Subject: stalled\r\n\r\npartial data without end")
        c.expect(421, "4.4.2", timeout=6, what="idle in DATA")
        check(c.wait_closed(), "closed after 421 in DATA")
    # Activity keeps a session alive: the timeout is per read, not per session.
    with sc.open_session(srv.smtp_port) as c:
        for _ in range(5):
            time.sleep(0.5)
            c.cmd("NOOP", 250)
        small_transaction(c, "alive")
    check_eq(count(srv), before + 1, "the stalled message was not stored")


@case
def stalled_tls_handshakes_time_out():
    srv = mailjar.Server("--smtp-timeout", "1", "--smtp-tls-self-signed", "--smtps", "127.0.0.1:0")
    with sc.Conn(srv.smtps_port) as c:  # TCP only: never starts the handshake
        start = time.monotonic()
        check(c.wait_closed(timeout=6), "implicit-TLS connection without a handshake closed")
        check(time.monotonic() - start <= 5, "closed within a few seconds")
    with sc.open_session(srv.smtp_port) as c:
        c.cmd("STARTTLS", 220)
        check(c.wait_closed(timeout=6), "STARTTLS without a handshake closed")


@case
def replies_stay_short_for_long_arguments():
    srv = server()
    with sc.open_session(srv.smtp_port) as c:
        # The client asserts every reply line is at most 512 bytes.
        long_addr = "l" * 3000 + "@example.org"
        for line in (f"MAIL FROM:<{long_addr}> SIZE=x", f"MAIL FROM:<{long_addr}> BOGUS=1",
                     "HELO " + "h" * 3000, "FROB " + "f" * 3000, "VRFY " + "v" * 3000):
            c.cmd(line)
        c.cmd("RSET", 250)
        c.cmd("NOOP", 250)


@case
def allow_list_excluding_loopback_554():
    srv = mailjar.Server("--smtp-allow", "10.0.0.0/8,192.168.0.0/16,::1/128")
    with sc.Conn(srv.smtp_port) as c:
        c.expect(554, "5.7.1", what="peer outside --smtp-allow")
        check(c.wait_closed(), "closed after 554")
    check_eq(count(srv), 0, "nothing stored")


@case
def allow_list_including_loopback_works():
    for allow in ("10.0.0.0/8,127.0.0.0/8", "127.0.0.1/32", "0.0.0.0/0"):
        srv = mailjar.Server("--smtp-allow", allow)
        with sc.open_session(srv.smtp_port) as c:
            uid = small_transaction(c, f"allowed by {allow}")
        check(Db(srv.db_path).message(uid) is not None, f"stored with --smtp-allow {allow}")
        srv.stop()


@case
def bad_allow_list_fails_start():
    r = mailjar.run_cli(["--smtp", "127.0.0.1:0", "--db", os.path.join(mailjar.temp_dir(), "x.db"),
                         "--smtp-allow", "10.0.0.0/33"])
    check(r.returncode != 0, "an invalid CIDR must fail start-up")


@case
def bare_line_endings_rejected_with_flag():
    srv = mailjar.Server("--smtp-bare-lf", "reject")
    with sc.open_session(srv.smtp_port) as c:
        for payload in (b"Subject: bare lf\r\n\r\nline one\nline two\r\n",
                        b"Subject: bare cr\r\n\r\nline one\rline two\r\n",
                        b"Subject: lf header\n\nx\r\n"):
            begin_data(c)
            c.send(payload + b".\r\n")
            c.expect(550, "5.5.2", what=f"bare line ending in {payload!r}")
        uid = small_transaction(c, "clean after rejects")
    db = Db(srv.db_path)
    check_eq(db.count(), 1, "only the clean message stored")
    check(db.message(uid) is not None, "clean message stored")


@case
def bare_line_endings_kept_by_default():
    srv = server()
    data = b"Subject: kept\r\n\r\nline one\nline two\rline three\r\n"
    uid = sc.send_message(srv.smtp_port, data)
    check_eq(Db(srv.db_path).message(uid).raw, data, "bare CR and LF kept as received")


if __name__ == "__main__":
    main()
