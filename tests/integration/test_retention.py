#!/usr/bin/env python3
"""Retention: --max-messages keeps the newest N (also when restarted on a fuller database),
--max-age removes what is older, and pruning never makes an acknowledged message that is
within the limits disappear. Default: keep everything."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402


def send(srv, i, tag):
    return sc.send_message(srv.smtp_port, f"Subject: {tag} {i}\r\n\r\nbody {i}\r\n".encode())


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        check(time.monotonic() < deadline, f"timed out waiting for {what}")
        time.sleep(0.05)


@case
def max_messages_keeps_the_newest():
    srv = mailjar.Server("--max-messages", "5")
    db = Db(srv.db_path)
    ids = []
    for i in range(12):
        ids.append(send(srv, i, "keep-newest"))
        # The message just acknowledged is always present (it is among the newest 5).
        check(ids[-1] in db.uids(), f"message {i} present right after its 250")
    wait_for(lambda: db.count() <= 5, what="pruning down to 5")
    check_eq(db.uids(), set(ids[-5:]), "the five newest remain")


@case
def max_messages_applies_at_start_up():
    srv = mailjar.Server()
    ids = [send(srv, i, "startup-prune") for i in range(8)]
    srv.restart("--max-messages", "3")
    db = Db(srv.db_path)
    wait_for(lambda: db.count() <= 3, what="pruning at start-up")
    check_eq(db.uids(), set(ids[-3:]), "the three newest remain after restart")


@case
def max_age_removes_old_messages():
    srv = mailjar.Server("--max-age", "2s")
    db = Db(srv.db_path)
    old = [send(srv, i, "old") for i in range(3)]
    time.sleep(2.5)
    new = send(srv, 0, "new")  # a commit gives the writer a turn to prune
    wait_for(lambda: not (set(old) & db.uids()), what="old messages pruned")
    check(new in db.uids(), "the new message stays")


@case
def default_keeps_everything():
    srv = mailjar.Server()
    ids = [send(srv, i, "default") for i in range(30)]
    time.sleep(0.3)
    check_eq(Db(srv.db_path).uids(), set(ids), "all kept")


if __name__ == "__main__":
    main()
