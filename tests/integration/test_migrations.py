#!/usr/bin/env python3
"""A database written by an older release opens and upgrades. Each samples/legacy/schema-v*.sql
is the `sqlite3 .dump` of a database that an old mailjar binary (built from git history, see
samples/legacy/README.md) filled with messages, tags and read flags. For each: restore it to a
temporary file, start the current mailjar on it and check that
- the migrations ran (user_version is the latest) and the file is sound (integrity_check,
  foreign keys, row invariants, FTS5 integrity-check);
- every old message is listed, readable through the API with the same subject, raw bytes, read
  flag and tags, each attachment downloads with the SHA-256 the old release recorded, and a
  search for a word of its subject, for its tags and for has:attachment finds it;
- a new message is accepted and stored next to them;
- a second start is a no-op: same schema, same rows.
And a first start killed (SIGKILL) at a random moment, before, between or after migrations,
is completed by the next start."""

import glob
import hashlib
import os
import re
import sqlite3
import sys
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

LEGACY = os.path.join(mailjar.samples_dir(), "legacy")
LATEST = 4  # server/store/schema.hpp latest_schema_version


def restore(dump_path):
    """A fresh database file made from the dump; returns its path."""
    path = os.path.join(mailjar.temp_dir("mailjar-legacy-"), "old.db")
    con = sqlite3.connect(path, isolation_level=None)
    with open(dump_path) as f:
        con.executescript(f.read())
    con.close()
    return path


def old_contents(path):
    """What the old release stored, read with the old schema: {uid: dict}."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    out = {}
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    # From schema 3 on the read flag lives in message_index.
    read = "x.is_read" if "message_index" in tables else "m.is_read"
    join = "JOIN message_index x ON x.id = m.id " if "message_index" in tables else ""
    for m in con.execute(f"SELECT m.id, m.uid, m.subject, {read} AS is_read, m.rcpt_to_json, r.data FROM messages m "
                         f"JOIN raw r ON r.id = m.id {join}"):
        parts = [(p["part_id"], p["file_name"], p["sha256"], p["size"])
                 for p in con.execute("SELECT * FROM parts WHERE message = ? AND role = 'attachment' ORDER BY seq",
                                      (m["id"],))]
        tags = sorted(t[0] for t in con.execute(
            "SELECT t.name FROM message_tags mt JOIN tags t ON t.id = mt.tag WHERE mt.message = ?", (m["id"],)))
        out[m["uid"]] = {"subject": m["subject"], "read": bool(m["is_read"]), "raw": bytes(m["data"]),
                         "attachments": parts, "tags": tags,
                         "addresses": (m["rcpt_to_json"] + bytes(m["data"]).decode("utf-8", "replace")).lower()}
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    return version, out


def schema_of(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sorted((r[0], r[1] or "") for r in con.execute("SELECT name, sql FROM sqlite_master"))
    finally:
        con.close()


def get(srv, path):
    r = hc.request(srv.http_port, "GET", path, timeout=30)
    check_eq(r.status, 200, f"GET {path}")
    return r


def search_ids(srv, query):
    found = get(srv, f"/api/v1/search?query={urllib.parse.quote(query)}&limit=500").json()
    return {m["ID"] for m in found["messages"]}


def check_fixture(dump_path):
    path = restore(dump_path)
    version, old = old_contents(path)
    check(version < LATEST, f"{dump_path} is an older schema ({version})")
    check(len(old) >= 5, "the fixture holds messages")
    check(any(o["tags"] for o in old.values()), "some are tagged")
    check(any(o["attachments"] for o in old.values()), "some have attachments")

    srv = mailjar.Server(db=path, expect=["smtp", "http"])
    db = Db(path)
    check_eq(db.schema_version(), LATEST, "user_version after the upgrade")
    check_eq(db.integrity_problems(), [], "database after the upgrade")
    check_eq(db.fts_problems(), [], "full-text index after the upgrade")

    listed = get(srv, "/api/v1/messages?limit=500").json()
    check_eq(listed["total"], len(old), "total")
    check_eq({m["ID"] for m in listed["messages"]}, set(old), "listed ids")
    check_eq(listed["unread"], sum(1 for o in old.values() if not o["read"]), "unread count")
    summaries = {m["ID"]: m for m in listed["messages"]}
    for uid, o in old.items():
        s = summaries[uid]
        check_eq(s["Read"], o["read"], f"{uid} read flag")
        # Old tags stay; schema 3 adds the plus-address tags (rcpt+tag@) older releases did not keep.
        check(set(o["tags"]) <= set(s["Tags"]), f"{uid} tags {s['Tags']} keep {o['tags']}")
        for t in set(s["Tags"]) - set(o["tags"]):
            check(f"+{t}@".lower() in o["addresses"], f"{uid} new tag {t!r} comes from a plus-address")
        o["tags"] = sorted(s["Tags"])
        check_eq(s["Subject"], o["subject"], f"{uid} subject in the list")
        check_eq(s["Attachments"], len(o["attachments"]), f"{uid} attachment count")
        check_eq(get(srv, f"/api/v1/message/{uid}/raw").body, o["raw"], f"{uid} raw bytes")
        msg = get(srv, f"/api/v1/message/{uid}").json()
        check_eq(msg["Subject"], o["subject"], f"{uid} subject")
        got = [(a["PartID"], a["FileName"], a["Checksums"]["SHA256"], a["Size"]) for a in msg["Attachments"]]
        check_eq(got, o["attachments"], f"{uid} attachments")
        for part_id, _, sha, _ in o["attachments"]:
            body = get(srv, f"/api/v1/message/{uid}/part/{part_id}").body
            check_eq(hashlib.sha256(body).hexdigest(), sha, f"{uid} part {part_id} bytes")
        words = re.findall(r"\w{5,}", o["subject"])
        if words:
            check(uid in search_ids(srv, words[0]), f"{uid} found by a word of its subject ({words[0]})")
        for t in o["tags"]:
            check(uid in search_ids(srv, f'tag:"{t}"'), f"{uid} found by tag:{t}")
    with_atts = {u for u, o in old.items() if o["attachments"]}
    check_eq(search_ids(srv, "has:attachment"), with_atts, "has:attachment")

    new_uid = sc.send_message(srv.smtp_port, b"Subject: after the upgrade\r\n\r\nnew mail\r\n")
    check_eq(search_ids(srv, "upgrade"), {new_uid}, "a new message is stored and searchable")
    problems = srv.stop()
    check(not problems, f"clean stop: {problems}")

    before = schema_of(path)
    count = db.count()
    srv.listeners = {}
    srv.start()
    check_eq(db.schema_version(), LATEST, "user_version after a second start")
    check_eq(schema_of(path), before, "a second start changes no schema")
    check_eq(db.count(), count, "nor any message")
    check_eq(get(srv, "/api/v1/messages?limit=1").json()["total"], len(old) + 1, "total after the second start")
    check(not srv.stop(), "clean stop")


def fixtures():
    found = sorted(glob.glob(os.path.join(LEGACY, "schema-v*.sql")))
    check(found, f"no fixtures in {LEGACY}")
    return found


@case
def every_legacy_fixture_upgrades():
    for dump in fixtures():
        try:
            check_fixture(dump)
        except AssertionError as e:
            raise AssertionError(f"{os.path.basename(dump)}: {e}") from e


@case
def kill_9_during_the_upgrade_then_start_again():
    """SIGKILL at a random moment of the first start on an old database (before, during or after
    its migrations), then start again: upgraded, every message there, the file sound."""
    import random
    import subprocess
    import time
    rng = random.Random()
    seen = {}
    for dump in fixtures():
        for _ in range(6):
            path = restore(dump)
            version, old = old_contents(path)
            srv = mailjar.Server(db=path, expect=["smtp", "http"], start=False)
            p = subprocess.Popen(srv.argv(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=srv.env, cwd=srv.cwd)
            time.sleep(rng.uniform(0.0, 0.25))
            p.kill()
            p.wait(timeout=10)
            db = Db(path)
            try:
                at_kill = db.schema_version()
            except sqlite3.DatabaseError:  # e.g. a hot journal of the switch to WAL: mailjar's to recover
                at_kill = "unreadable read-only"
            seen[at_kill] = seen.get(at_kill, 0) + 1
            srv.start()
            check_eq(db.schema_version(), LATEST, f"{os.path.basename(dump)}: upgraded after a kill at version {at_kill}")
            check_eq(db.uids(), set(old), "every old message")
            check_eq(db.integrity_problems(), [], "database")
            check_eq(db.fts_problems(), [], "full-text index")
            check(not srv.stop(), "clean stop")
    print(f"  schema version found after the kill: {seen}", flush=True)


if __name__ == "__main__":
    main()
