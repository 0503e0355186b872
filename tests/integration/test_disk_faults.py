#!/usr/bin/env python3
"""A full disk and a read-only filesystem, for real: the database lives on a small tmpfs in a
private mount namespace (support/fs_sandbox.py), filled by a filler file or remounted read-only.
- Disk full while running: every end of data is answered 451 4.3.0 or 250 (SQLite may still
  reuse WAL space), never anything else, never a hang or a crash; 250 means stored and 451 means
  nothing stored; the HTTP API keeps serving reads; once the filler is removed, mail is accepted
  again without a restart, the database passes integrity_check and nothing acknowledged is lost.
- Start-up on a full disk or a read-only filesystem (new or existing database): one clear error
  line naming the database, a non-zero exit, and the files left as they were.
- Read-only while running cannot be produced by remounting (Linux refuses a read-only remount
  with EBUSY while mailjar holds the database open for writing); that is asserted, so the test
  notices if it ever becomes possible."""

import concurrent.futures
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import fs_sandbox  # noqa: E402

fs_sandbox.enter_private_mount_namespace()  # re-executes this script in a mount namespace of its own

from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.mail_load import Load, MailGen  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402


def send(port, m, timeout=60):
    """One transaction; returns the reply to end of data (a Reply)."""
    with sc.open_session(port) as c:
        c.cmd("MAIL FROM:<sender@example.org>", 250)
        c.cmd("RCPT TO:<rcpt@example.net>", 250)
        c.cmd("DATA", 354)
        c.send(sc.dot_stuff(m.data))
        r = c.reply(timeout=timeout)
        c.cmd("QUIT", 221)
        return r


def api(srv, path):
    return hc.request(srv.http_port, "GET", path, timeout=30)


def check_reads(srv, uids, what):
    r = api(srv, "/api/v1/messages?limit=1000")
    check_eq(r.status, 200, f"{what}: list")
    listed = {m["ID"] for m in r.json()["messages"]}
    check(set(uids) <= listed, f"{what}: listed {len(listed)}, missing {set(uids) - listed}")
    for uid in list(uids)[:3]:
        check_eq(api(srv, f"/api/v1/message/{uid}/raw").status, 200, f"{what}: raw of {uid}")
        check_eq(api(srv, f"/api/v1/message/{uid}").status, 200, f"{what}: message {uid}")
    check_eq(api(srv, "/api/v1/search?query=durability").status, 200, f"{what}: search")


@case
def disk_full_answers_451_keeps_reads_and_recovers_without_restart():
    box = fs_sandbox.Sandbox("8m")
    srv = box.server()
    db = Db(box.inside("mailjar.db"))
    gen = MailGen(1, prefix="full")
    acked, refused = {}, {}
    events = hc.NewIdCollector(hc.WebSocket(srv.http_port))

    def record(m, r):
        check(r.code in (250, 451), f"end of data on a full disk: {r!r}")
        if r.code == 250:
            acked[r.queued_id()] = m
        else:
            check_eq(r.enhanced(), "4.3.0", f"451 enhanced code: {r!r}")
            refused[m.token] = m

    for k in range(5):
        m = gen.message("attachments" if k % 2 else "plain")
        record(m, send(srv.smtp_port, m))
    check_eq(len(acked), 5, "accepted before the disk filled")
    before = dict(acked)

    box.fill()
    check(box.free_bytes() == 0, "the filesystem is full")
    # Sequential, then concurrent, until the WAL's reusable space is gone: mostly 451s.
    for k in range(12):
        m = gen.message("big" if k % 3 == 0 else "attachments")
        record(m, send(srv.smtp_port, m))
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        msgs = [gen.message("attachments") for _ in range(12)]
        for m, r in zip(msgs, pool.map(lambda m: send(srv.smtp_port, m), msgs)):
            record(m, r)
    check(len(refused) >= 10, f"a full disk refuses mail (451: {len(refused)}, 250: {len(acked) - 5})")
    check(srv.alive(), "still running on a full disk")
    check_reads(srv, before, "reads on a full disk")
    stored = db.message_ids()
    for uid, m in acked.items():
        check_eq(stored.get(uid), m.message_id, f"acknowledged {uid} is stored")
    leaked = [t for t, m in refused.items() if m.message_id in stored.values()]
    check(not leaked, f"messages answered 451 but stored: {leaked}")
    check_eq(db.integrity_problems(), [], "database while the disk is full")

    box.unfill()
    for k in range(6):
        m = gen.message(("plain", "attachments", "big")[k % 3])
        r = send(srv.smtp_port, m)
        check_eq(r.code, 250, f"message {k} after space returned: {r!r}")
        acked[r.queued_id()] = m
    stored = db.message_ids()
    missing = [u for u in acked if u not in stored]
    check(not missing, f"acknowledged messages missing: {missing}")
    check(not [t for t, m in refused.items() if m.message_id in stored.values()], "no refused message stored")
    check_reads(srv, acked, "reads after recovery")
    check_eq(db.integrity_problems(), [], "database after recovery")
    check_eq(db.fts_problems(), [], "full-text index after recovery")
    events.wait_for(len(acked), timeout=20)
    events.stop()
    check_eq(sorted(events.ids), sorted(acked), "a `new` event for each stored message, none for a refused one")
    problems = srv.stop()
    check(not problems, f"clean stop: {problems}")
    check_eq(srv.returncode, 0, "exit code")
    check_eq(db.integrity_problems(), [], "database after the stop")
    check(set(acked) <= db.uids(), "everything acknowledged survives the stop")
    box.close()


@case
def kill_9_on_a_full_disk_then_restart_loses_nothing():
    # The filler leaves 4 MiB, which the load fills (mostly WAL: nothing is checkpointed that
    # early). Once it is removed there is room to copy the WAL back into the database file.
    box = fs_sandbox.Sandbox("48m")
    srv = box.server()
    db = Db(box.inside("mailjar.db"))
    box.fill(leave=4 << 20)
    load = Load(srv.smtp_port, 6, seed=7, prefix="kf").start()
    deadline = time.monotonic() + 30
    while len(load.refused) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    srv.kill()  # SIGKILL while the disk is full and commits fail
    check(load.stop(timeout=60), "clients finished")
    check(not load.errors, f"client errors: {load.errors[:5]}")
    check(len(load.refused) >= 20, f"refusals on the full disk: {len(load.refused)}")
    bad = [(m.token, r) for m, r in load.refused if r.code != 451 or r.enhanced() != "4.3.0"]
    check(not bad, f"refused otherwise than 451 4.3.0: {bad[:3]}")
    box.unfill()
    srv.listeners = {}
    srv.start()
    check_eq(db.integrity_problems(), [], "database after the crash on a full disk")
    check_eq(db.fts_problems(), [], "full-text index")
    stored = db.message_ids()
    lost = [u for u in load.acked if u not in stored]
    check(not lost, f"{len(lost)} of {len(load.acked)} acknowledged messages lost")
    refused_ids = {m.message_id for m, _ in load.refused}
    check(not refused_ids & set(stored.values()), "no refused message stored")
    uid = sc.send_message(srv.smtp_port, b"Subject: after\r\n\nx\r\n")
    check(uid in db.uids(), "accepting again")
    check(not srv.stop(), "clean stop")
    box.close()


@case
def read_only_remount_is_refused_while_mailjar_writes():
    box = fs_sandbox.Sandbox("8m")
    srv = box.server()
    gen = MailGen(2, prefix="rom")
    r = send(srv.smtp_port, gen.message("plain"))
    check_eq(r.code, 250, "stored")
    ok, err = box.remount("ro")
    check(not ok, "Linux refuses a read-only remount while the database is open for writing "
                  "(if this changes, test 451 under a read-only remount here)")
    check("busy" in err, f"refused as busy: {err!r}")
    r = send(srv.smtp_port, gen.message("plain"))
    check_eq(r.code, 250, "still accepting")
    check(not srv.stop(), "clean stop")
    box.close()


def start_fails(box, what, db_name="mailjar.db"):
    """Start mailjar in the sandbox; it must exit non-zero with one clear line naming the db."""
    try:
        srv = box.server(db_name=db_name)
    except RuntimeError as e:
        text = str(e)
        check("exited with" in text and "exited with 0" not in text, f"{what}: non-zero exit: {text[:500]}")
        check(box.inside(db_name) in text, f"{what}: the error names the database: {text[-1500:]}")
        check("AddressSanitizer" not in text and "runtime error" not in text, f"{what}: clean exit: {text}")
        return text
    srv.stop()
    raise AssertionError(f"{what}: mailjar started")


@case
def start_up_on_a_full_or_read_only_disk_fails_clearly():
    # A new database on a full disk.
    box = fs_sandbox.Sandbox("8m")
    box.fill()
    start_fails(box, "new database, full disk")
    box.unfill()
    # An existing database (stopped cleanly, so no WAL left) on a full disk.
    srv = box.server()
    uid = sc.send_message(srv.smtp_port, MailGen(3, prefix="ro").message("attachments").data)
    check(not srv.stop(), "clean stop")
    db = Db(box.inside("mailjar.db"))
    box.fill()
    start_fails(box, "existing database, full disk")
    box.unfill()
    # The same database on a read-only filesystem, and a new one there.
    ok, err = box.remount("ro")
    check(ok, f"remount ro: {err}")
    start_fails(box, "existing database, read-only filesystem")
    start_fails(box, "new database, read-only filesystem", db_name="new.db")
    ok, err = box.remount("rw")
    check(ok, f"remount rw: {err}")
    check_eq(db.integrity_problems(), [], "database after the failed starts")
    srv = box.server()
    check(uid in db.uids(), "the message is still there")
    check_eq(api(srv, f"/api/v1/message/{uid}").status, 200, "and readable")
    check(not srv.stop(), "clean stop")
    box.close()


if __name__ == "__main__":
    main()
