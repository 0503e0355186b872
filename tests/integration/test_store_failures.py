#!/usr/bin/env python3
"""250 means stored; a failed commit means 451 4.3.0 and nothing stored. The failure is
produced for real: another process holds SQLite's write lock (BEGIN EXCLUSIVE) longer than
the store's busy timeout. Afterwards the same connections keep working."""

import concurrent.futures
import os
import sqlite3
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402


class write_lock:
    """Hold the database's write lock from this process (a second writer, like sqlite3 CLI)."""

    def __init__(self, path):
        self.con = sqlite3.connect(path, isolation_level=None, timeout=10)

    def __enter__(self):
        self.con.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *exc):
        self.con.execute("ROLLBACK")
        self.con.close()


def transaction(c, subject):
    c.cmd("MAIL FROM:<s@example.org>", 250)
    c.cmd("RCPT TO:<r@example.net>", 250)
    c.cmd("DATA", 354)
    c.send(f"Subject: {subject}\r\n\r\nbody of {subject}\r\n.\r\n".encode())
    return c.reply(timeout=30)


@case
def locked_database_answers_451_and_stores_nothing():
    srv = mailjar.Server()
    db = Db(srv.db_path)
    first = sc.send_message(srv.smtp_port, b"Subject: before\r\n\r\nx\r\n")
    with sc.open_session(srv.smtp_port) as c:
        with write_lock(srv.db_path):
            r = transaction(c, "while-locked-marker")
        check_eq(r.code, 451, f"failed commit: {r!r}")
        check_eq(r.enhanced(), "4.3.0", "451 4.3.0")
        check(r.queued_id() is None, "no id for a message not stored")
        r = transaction(c, "after the lock")  # same connection, transaction was reset
        check_eq(r.code, 250, f"after the lock: {r!r}")
        c.cmd("QUIT", 221)
    check_eq(db.uids(), {first, r.queued_id()}, "exactly the acknowledged messages are stored")
    check_eq(db.raw_contains(b"while-locked-marker"), 0, "nothing of the failed message")
    check_eq(db.search("subject", "marker"), set(), "nothing of it in the search index")


@case
def concurrent_messages_during_a_lock_all_fail_cleanly():
    srv = mailjar.Server()
    db = Db(srv.db_path)

    def job(k):
        with sc.open_session(srv.smtp_port) as c:
            return transaction(c, f"locked-batch-{k}")

    with write_lock(srv.db_path):
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(job, k) for k in range(8)]
            time.sleep(0.5)
        replies = [f.result(timeout=60) for f in futures]
    for r in replies:
        check(r.code in (250, 451), f"reply {r!r}")
    acked = {r.queued_id() for r in replies if r.code == 250}
    check(len(acked) < len(replies), "a lock held past the busy timeout fails some commits")
    check_eq(db.uids(), acked, "stored exactly what was acknowledged")
    check_eq(db.count(), len(acked), "count")
    uid = sc.send_message(srv.smtp_port, b"Subject: recovered\r\n\r\nx\r\n")
    check(uid in db.uids(), "the store recovers")


if __name__ == "__main__":
    main()
