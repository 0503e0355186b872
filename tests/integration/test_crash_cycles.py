#!/usr/bin/env python3
"""Crash cycles: 250 means stored, whatever happens next. Eight concurrent SMTP clients send
mixed mail (plain, text+HTML, attachments, 300 KB-1 MB attachments streamed as blobs) and record
every message answered 250, while an API client deletes, tags and flags acknowledged messages
(writes queued behind ingest on the store's writer); mailjar is killed with SIGKILL at a random moment, restarted on the
same database file (new ports), and checked; repeat. Kill moments rotate between a random time
under load, the moment a WAL checkpoint is seen in progress (read from the -shm file), and just
after start-up. After each restart:
- every message ever acknowledged is stored, byte for byte what was sent, unless the API deleted
  it; a delete answered 200 stays deleted, a tag answered 200 (and not changed after) is kept;
- nothing else is visible but messages whose end of data was sent (acknowledged or in flight at
  the kill), each complete: raw bytes equal to what was sent, parts with the right hashes;
- this cycle's messages (all, or a sample of 40) read back through the HTTP API: the message,
  its raw source, every attachment part by its SHA-256, and a search for its token;
- PRAGMA integrity_check ok, foreign_key_check empty, mailjar's own row invariants
  (support/store.py integrity_problems), FTS5 integrity-check, API total == stored rows.
A second case kills a server pruning under --max-messages (3 cycles): sound file, whole messages,
the count back under the limit.
Short form: 5 cycles. Long form: MAILJAR_CRASH_CYCLES=50 (the watchdog deadline grows with it);
MAILJAR_CRASH_SEED repeats a run."""

import hashlib
import http.client
import json
import os
import random
import struct
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

CYCLES = int(os.environ.get("MAILJAR_CRASH_CYCLES", "5"))
THREADS = int(os.environ.get("MAILJAR_CRASH_THREADS", "8"))
SEED = int(os.environ.get("MAILJAR_CRASH_SEED", str(random.randrange(1 << 30))))
API_SAMPLE = 40
if "MAILJAR_TEST_DEADLINE" not in os.environ:
    os.environ["MAILJAR_TEST_DEADLINE"] = str(max(240, 60 + CYCLES * 40))

from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support.mail_load import Load  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

KILL_MODES = ("random", "checkpoint", "startup")


def wal_state(db_path):
    """(frames in the WAL, frames checkpointed, frames a running checkpoint aims at) from the
    -shm file (SQLite's wal-index header and checkpoint info, native byte order), or None."""
    try:
        with open(db_path + "-shm", "rb") as f:
            head = f.read(136)
    except OSError:
        return None
    if len(head) < 136:
        return None
    mx_frame = struct.unpack_from("=I", head, 16)[0]
    backfill = struct.unpack_from("=I", head, 96)[0]
    attempted = struct.unpack_from("=I", head, 128)[0]
    return mx_frame, backfill, attempted


def classify(state):
    if state is None:
        return "no-shm"
    mx, backfill, attempted = state
    if attempted > backfill:
        return "checkpoint-running"
    if mx == 0:
        return "wal-empty"
    if backfill >= mx:
        return "wal-checkpointed"
    return "wal-pending"


def kill_when(srv, mode, load, rng):
    """Kill the server at a moment chosen by `mode`; returns the WAL state seen at the kill."""
    if mode == "startup":
        time.sleep(rng.uniform(0.0, 0.4))
    elif mode == "random":
        time.sleep(rng.uniform(0.3, 3.0))
    else:  # checkpoint: wait for one to be running (nBackfillAttempted > nBackfill), up to 8 s
        deadline = time.monotonic() + 8
        time.sleep(rng.uniform(0.2, 1.0))
        while time.monotonic() < deadline:
            st = wal_state(srv.db_path)
            if st is not None and st[2] > st[1]:
                break
    state = wal_state(srv.db_path)
    srv.kill()  # SIGKILL
    return classify(state)


class Ledger:
    """Everything sent across cycles: acknowledged (uid -> Sent) and in flight (token -> Sent);
    API deletes answered 200 (gone for good) or cut off by the kill (either way); the last tag
    set on a message, and whether that request was answered."""

    def __init__(self):
        self.acked = {}
        self.inflight = {}
        self.deleted = set()
        self.maybe_deleted = set()
        self.tags = {}  # uid -> (tag, answered 200)
        self.api_ops = 0

    def by_message_id(self):
        out = {m.message_id: m for m in self.acked.values()}
        out.update({m.message_id: m for m in self.inflight.values()})
        return out


class Mutator(threading.Thread):
    """API writes while the load runs, until the kill: deletes, read flags and tags on messages
    already acknowledged (queued behind ingest on the store's writer)."""

    def __init__(self, port, ledger, load, seed):
        super().__init__(daemon=True)
        self.port, self.ledger, self.load = port, ledger, load
        self.rng = random.Random(seed)
        self.seed = seed
        self.errors = []
        self.old = [u for u in ledger.acked if u not in ledger.deleted and u not in ledger.maybe_deleted]

    def _call(self, method, path, body):
        return hc.request(self.port, method, path, body=json.dumps(body),
                          headers={"Content-Type": "application/json"}, timeout=20)

    def run(self):
        led, n = self.ledger, 0
        while not self.load.stop_event.is_set():
            with self.load.lock:
                fresh = list(self.load.acked)
            pool = [u for u in self.old + fresh if u not in led.deleted and u not in led.maybe_deleted]
            if not pool:
                time.sleep(0.02)
                continue
            uid = self.rng.choice(pool)
            op = self.rng.random()
            try:
                if op < 0.15:
                    led.maybe_deleted.add(uid)
                    r = self._call("DELETE", "/api/v1/messages", {"IDs": [uid]})
                    if r.status == 200:
                        led.maybe_deleted.discard(uid)
                        led.deleted.add(uid)
                elif op < 0.55:
                    n += 1
                    tag = f"crash{self.seed}x{n}"
                    led.tags[uid] = (tag, False)
                    r = self._call("PUT", "/api/v1/tags", {"IDs": [uid], "Tags": [tag]})
                    if r.status == 200:
                        led.tags[uid] = (tag, True)
                else:
                    r = self._call("PUT", "/api/v1/messages", {"IDs": [uid], "Read": self.rng.random() < 0.5})
            except (OSError, http.client.HTTPException):
                return  # the server is gone
            if r.status != 200:
                self.errors.append(f"{uid}: {r!r}")
            led.api_ops += 1


def api_json(port, path):
    r = hc.request(port, "GET", path, timeout=30)
    check_eq(r.status, 200, f"GET {path}")
    return r.json()


def check_api(srv, uid, m):
    port = srv.http_port
    msg = api_json(port, f"/api/v1/message/{uid}")
    check_eq(msg["ID"], uid, "ID")
    check_eq(msg["MessageID"], m.message_id, f"{uid} MessageID")
    check(m.token in msg["Subject"], f"{uid} subject {msg['Subject']!r}")
    check(m.token in msg["Text"], f"{uid} text body has the token")
    got = sorted((a["FileName"], a["Checksums"]["SHA256"], a["Size"]) for a in msg["Attachments"])
    check_eq(got, sorted(m.attachments), f"{uid} attachments")
    raw = hc.request(port, "GET", f"/api/v1/message/{uid}/raw", timeout=30)
    check_eq(raw.status, 200, f"{uid} raw")
    check(raw.body == m.data, f"{uid} raw bytes differ from what was sent ({len(raw.body)} vs {len(m.data)})")
    for a in msg["Attachments"]:
        part = hc.request(port, "GET", f"/api/v1/message/{uid}/part/{a['PartID']}", timeout=30)
        check_eq(part.status, 200, f"{uid} part {a['PartID']}")
        check_eq(hashlib.sha256(part.body).hexdigest(), a["Checksums"]["SHA256"], f"{uid} part {a['PartID']} bytes")
    q = urllib.parse.quote(m.token)
    found = api_json(port, f"/api/v1/search?query={q}&limit=5")
    check_eq([x["ID"] for x in found["messages"]], [uid], f"search for {m.token}")


def verify(srv, ledger, new_uids, rng):
    """Everything the module docstring promises after a restart. Returns stored uids."""
    db = Db(srv.db_path)
    problems = db.integrity_problems()
    check(not problems, f"database problems after restart: {problems}")
    sums = db.raw_sha256()
    mids = db.message_ids()
    lost = [u for u in ledger.acked if u not in sums and u not in ledger.deleted and u not in ledger.maybe_deleted]
    check(not lost, f"{len(lost)} of {len(ledger.acked)} acknowledged messages lost, e.g. {lost[:3]}")
    back = [u for u in ledger.deleted if u in sums]
    check(not back, f"{len(back)} messages deleted through the API (200) are back, e.g. {back[:3]}")
    tags = db.tags_by_uid()
    for uid, (tag, answered) in ledger.tags.items():
        if answered and uid in sums:
            check_eq(tags.get(uid), [tag], f"{uid} tags set through the API (200)")
    known = ledger.by_message_id()
    for uid, digest in sums.items():
        m = ledger.acked.get(uid) or known.get(mids[uid])
        check(m is not None, f"stored message {uid} ({mids[uid]!r}) was never completely sent")
        check_eq(digest, m.sha256, f"{uid} ({m.token}) raw bytes")
        if uid in ledger.acked:
            check_eq(ledger.acked[uid].token, m.token, f"{uid} is the message acknowledged with that id")
    # Each in-flight message is stored at most once.
    per_mid = {}
    for uid, mid in mids.items():
        per_mid.setdefault(mid, []).append(uid)
    dups = {mid: u for mid, u in per_mid.items() if len(u) > 1}
    check(not dups, f"messages stored twice: {list(dups.items())[:3]}")
    # Parts as stored match what was sent (all of them, from the database).
    for uid in new_uids:
        m = ledger.acked.get(uid) or known.get(mids[uid])
        stored = db.message(uid)
        got = sorted((p.file_name, p.sha256, p.size) for p in stored.parts if p.file_name)
        check_eq(got, sorted(m.attachments), f"{uid} stored attachment parts")
    # Through the API: a sample of this cycle's messages, and the totals.
    sample = list(new_uids)
    rng.shuffle(sample)
    for uid in sample[:API_SAMPLE]:
        check_api(srv, uid, ledger.acked.get(uid) or known.get(mids[uid]))
    listed = api_json(srv.http_port, "/api/v1/messages?limit=1")
    check_eq(listed["total"], len(sums), "API total == stored rows")
    fts = db.fts_problems()
    check(not fts, f"{fts}")
    return set(sums)


def kill_during_startup(srv, rng):
    """Start mailjar on the database and SIGKILL it within 0.3 s, whether it is listening yet
    or still opening (recovering the WAL, migrating)."""
    import subprocess
    p = subprocess.Popen(srv.argv(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=srv.env, cwd=srv.cwd)
    time.sleep(rng.uniform(0.0, 0.3))
    p.kill()
    p.wait(timeout=10)


@case
def kill_9_cycles_lose_no_acknowledged_message():
    rng = random.Random(SEED)
    print(f"seed={SEED} cycles={CYCLES} threads={THREADS}", flush=True)
    srv = mailjar.Server(expect=["smtp", "http"])
    ledger = Ledger()
    stored = set()
    modes, states = {}, {}
    inflight_stored = 0
    t0 = time.monotonic()
    for cycle in range(CYCLES):
        mode = KILL_MODES[cycle % len(KILL_MODES)]
        load = Load(srv.smtp_port, THREADS, seed=SEED + cycle, prefix=f"c{cycle}t").start()
        mutator = Mutator(srv.http_port, ledger, load, seed=SEED * 100 + cycle)
        mutator.start()
        state = kill_when(srv, mode, load, rng)
        problems = srv.scan_log()
        check(not problems, f"server log before the kill: {problems}")
        check(load.stop(timeout=60), "clients finished after the kill")
        check(not load.errors, f"client errors: {load.errors[:5]}")
        mutator.join(timeout=60)
        check(not mutator.is_alive(), "API writer finished after the kill")
        check(not mutator.errors, f"API errors: {mutator.errors[:5]}")
        for m, r in load.refused:
            check(False, f"{m.token} refused with {r!r} (no fault but the kill)")
        ledger.acked.update(load.acked)
        ledger.inflight.update({m.token: m for m in load.inflight})
        modes[mode] = modes.get(mode, 0) + 1
        states[state] = states.get(state, 0) + 1
        if mode == "startup":
            kill_during_startup(srv, rng)

        srv.listeners = {}
        srv.start()
        new_uids = Db(srv.db_path).uids() - stored
        stored = verify(srv, ledger, new_uids, rng)
        mids = set(Db(srv.db_path).message_ids().values())
        now_stored = sum(1 for m in load.inflight if m.message_id in mids)
        inflight_stored += now_stored
        print(f"cycle {cycle + 1}/{CYCLES} kill={mode} wal={state} acked={len(load.acked)} "
              f"inflight={len(load.inflight)} (stored {now_stored}) total_stored={len(stored)} "
              f"elapsed={time.monotonic() - t0:.1f}s", flush=True)
    # The server that survived the last crash also stops cleanly, and leaves a sound file.
    problems = srv.stop()
    check(not problems, f"clean stop: {problems}")
    check_eq(srv.returncode, 0, "exit code of the final SIGTERM")
    db = Db(srv.db_path)
    check_eq(db.integrity_problems(), [], "database after the clean stop")
    kept = ledger.acked.keys() - ledger.deleted - ledger.maybe_deleted
    check(kept <= db.uids(), "every acknowledged message still there after the clean stop")
    print(f"summary: seed={SEED} cycles={CYCLES} acknowledged={len(ledger.acked)} "
          f"in_flight={len(ledger.inflight)} (stored {inflight_stored}) stored={len(stored)} lost=0 "
          f"api_writes={ledger.api_ops} deleted={len(ledger.deleted)} "
          f"kills={modes} wal_at_kill={states} time={time.monotonic() - t0:.1f}s", flush=True)


@case
def kill_9_while_pruning_leaves_a_sound_store():
    """--max-messages 150 under load: prune transactions (deletes of raw, parts, index, tags and
    full-text rows) run between group commits and are cut by the kill too. After each restart
    the file is sound, every stored message is whole, and pruning brings the count back under
    the limit."""
    rng = random.Random(SEED + 1)
    limit = 150
    srv = mailjar.Server("--max-messages", limit, expect=["smtp", "http"])
    ledger = Ledger()
    for cycle in range(3):
        load = Load(srv.smtp_port, THREADS, seed=SEED + 500 + cycle, prefix=f"p{cycle}t").start()
        time.sleep(rng.uniform(1.0, 2.5))
        srv.kill()
        check(load.stop(timeout=60), "clients finished after the kill")
        check(not load.errors, f"client errors: {load.errors[:5]}")
        ledger.acked.update(load.acked)
        ledger.inflight.update({m.token: m for m in load.inflight})
        srv.listeners = {}
        srv.start()
        db = Db(srv.db_path)
        check_eq(db.integrity_problems(), [], f"cycle {cycle}: database after restart")
        known = ledger.by_message_id()
        sums, mids = db.raw_sha256(), db.message_ids()
        for uid, digest in sums.items():
            m = ledger.acked.get(uid) or known.get(mids[uid])
            check(m is not None and digest == m.sha256, f"cycle {cycle}: {uid} whole and sent")
        deadline = time.monotonic() + 30
        while db.count() > limit and time.monotonic() < deadline:
            time.sleep(0.1)
        check(db.count() <= limit, f"cycle {cycle}: pruned back to {limit} (now {db.count()})")
        check_eq(api_json(srv.http_port, "/api/v1/messages?limit=1")["total"], db.count(), "API total")
        check_eq(db.fts_problems(), [], f"cycle {cycle}: full-text index")
    check(len(ledger.acked) > limit, f"the load went past the limit ({len(ledger.acked)} acknowledged)")
    check(not srv.stop(), "clean stop")


if __name__ == "__main__":
    main()
