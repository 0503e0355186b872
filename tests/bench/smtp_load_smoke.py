#!/usr/bin/env python3
"""Smoke test of the comparison benchmark's load generator (smtp_load, tests/bench/smtp_load.cpp)
against a real mailjar: pipelined and plain transactions over several connections are each one
stored message, byte for byte (CRLF, dot-stuffing undone); a timed run's acknowledgements match
the rows; and refused messages are counted as failures, not as throughput.

CTest runs it as bench.smtp_load_smoke with MAILJAR_BIN and SMTP_LOAD set (tests/CMakeLists.txt).
"""

import hashlib
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from support import mailjar  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

# A line that begins with a dot (must be stuffed on the wire and come back unstuffed), a bare
# "." line inside the body, LF line ends in the file (sent as CRLF).
MESSAGE = ("From: Load <load@bench.example>\nTo: rcpt@bench.example\nSubject: smtp_load smoke\n"
           "Message-ID: <smoke@bench.example>\n\nfirst line\n.leading dot\n.\n..two dots\nlast line\n")
WIRE = MESSAGE.replace("\n", "\r\n").encode()


def load_tool():
    path = os.environ.get("SMTP_LOAD") or os.path.join(HERE, "..", "..", "build", "test", "tests", "smtp_load")
    if not os.path.exists(path):
        raise RuntimeError(f"smtp_load not found at {path} (set SMTP_LOAD)")
    return path


def message_file(text=MESSAGE):
    path = os.path.join(mailjar.temp_dir("smtp-load-"), "msg.eml")
    with open(path, "w") as f:
        f.write(text)
    return path


def run(srv, *args):
    p = subprocess.run([load_tool(), "--port", str(srv.smtp_port)] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        raise AssertionError(f"smtp_load printed no JSON (exit {p.returncode}): {p.stdout!r} {p.stderr!r}")
    return p.returncode, out


@case
def pipelined_and_plain_transactions_are_each_one_stored_message():
    srv = mailjar.Server()
    msg = message_file()
    rc, out = run(srv, "--file", msg, "--conns", 4, "--messages", 200, "--pipelining")
    check_eq((rc, out["acked"], out["failed"], out["broken_connections"]), (0, 200, 0, 0), f"pipelined run: {out}")
    check_eq(Db(srv.db_path).count(), 200, "rows after the pipelined run")
    rc, out = run(srv, "--file", msg, "--conns", 3, "--messages", 100)
    check_eq((rc, out["acked"], out["failed"]), (0, 100, 0), f"plain run: {out}")
    check_eq(sum(out["per_second"]), 100, "acknowledgements per second add up")
    for what in ("txn", "mail", "rcpt", "data", "body"):
        p = out["latency_us"][what]
        check(p is not None and 0 <= p["p50"] <= p["p95"] <= p["p99"] <= p["max"], f"{what} percentiles: {p}")
    db = Db(srv.db_path)
    check_eq(db.count(), 300, "rows after both runs")
    raws = set(db.raw_sha256().values())
    check_eq(raws, {hashlib.sha256(WIRE).hexdigest()}, "every stored message is the file's bytes with CRLF")


@case
def a_timed_run_acknowledges_exactly_what_was_stored():
    srv = mailjar.Server()
    rc, out = run(srv, "--file", message_file(), "--conns", 2, "--seconds", 1, "--pipelining")
    check_eq(rc, 0, f"timed run: {out}")
    check(out["acked"] > 0, f"something was sent in one second: {out}")
    check_eq(Db(srv.db_path).count(), out["acked"], "rows == 250s counted")


@case
def refused_messages_are_failures_not_throughput():
    srv = mailjar.Server("--smtp-max-message-size", "1K")
    big = MESSAGE + ("x" * 70 + "\n") * 40  # ~3 KB: above the limit, refused with 552
    rc, out = run(srv, "--file", message_file(big), "--conns", 2, "--messages", 6, "--pipelining")
    check_eq((rc, out["acked"], out["failed"]), (1, 0, 6), f"refused run: {out}")
    check("552" in out["first_error"], f"the refusal is reported: {out['first_error']!r}")
    check_eq(Db(srv.db_path).count(), 0, "nothing stored")


@case
def a_server_without_pipelining_is_refused_up_front():
    # smtp_load --pipelining insists on the EHLO keyword; a plain socket server that does not
    # offer it makes every connection fail before any transaction.
    import socket
    import threading
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    port = ls.getsockname()[1]

    def serve():
        for _ in range(2):
            c, _ = ls.accept()
            c.sendall(b"220 fake ESMTP\r\n")
            c.recv(1024)
            c.sendall(b"250-fake\r\n250 SIZE 1000000\r\n")
            c.recv(1024)
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    p = subprocess.run([load_tool(), "--port", str(port), "--file", message_file(), "--conns", "2", "--messages",
                        "4", "--pipelining"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    ls.close()
    out = json.loads(p.stdout)
    check_eq((p.returncode, out["acked"], out["broken_connections"]), (1, 0, 2), f"no PIPELINING: {out}")
    check("PIPELINING" in out["first_error"], f"reason: {out['first_error']!r}")


if __name__ == "__main__":
    main()
