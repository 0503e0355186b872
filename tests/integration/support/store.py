"""Read stored messages from a mailjar SQLite file, read-only.

This is the ONLY place the integration tests know the schema (server/store/ migrations):
when the schema changes, edit this file. Everything is returned as plain Python values:

    db = Db(server.db_path)
    db.count()                      # number of stored messages
    db.uids()                       # set of message ids (the 22-char id in "queued as <id>")
    m = db.message(uid)             # StoredMessage or None
    m.raw, m.mail_from, m.rcpt_to, m.client_addr, m.helo, m.tls, m.auth_user, m.smtputf8,
    m.subject, m.message_id, m.from_, m.to, m.cc, m.bcc, m.envelope_bcc, m.parts
    db.search("text", "word")       # ids found by the full-text index

The database is opened with mode=ro on every call (fresh snapshot, never writes, never holds
a lock across calls), so it is safe while the server runs and from several threads.
"""

import dataclasses
import json
import sqlite3
import time
import zlib


@dataclasses.dataclass
class Part:
    part_id: str
    content_type: str
    file_name: str
    disposition: str
    content_id: str
    size: int
    md5: str
    sha1: str
    sha256: str


@dataclasses.dataclass
class StoredMessage:
    uid: str
    raw: bytes
    mail_from: str
    rcpt_to: list
    client_addr: str
    helo: str
    tls: str
    auth_user: str
    smtputf8: bool
    body_type: str
    received_ms: int
    subject: str
    message_id: str
    from_: tuple  # (name, addr) or None
    to: list  # [(name, addr)]
    cc: list
    bcc: list  # Bcc header only
    envelope_bcc: list  # searchable Bcc lines: header Bcc names/addresses + envelope-only recipients
    parts: list  # [Part]
    warnings: list


class Db:
    def __init__(self, path):
        self.path = path

    def _connect(self):
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        con.row_factory = sqlite3.Row
        return con

    def _query(self, sql, args=()):
        con = self._connect()
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def tables(self):
        return {r["name"] for r in self._query("SELECT name FROM sqlite_master WHERE type='table'")}

    def count(self):
        return self._query("SELECT count(*) AS n FROM messages")[0]["n"]

    def uids(self):
        return {r["uid"] for r in self._query("SELECT uid FROM messages")}

    def schema_version(self):
        return self._query("PRAGMA user_version")[0][0]

    def search(self, column, word):
        """uids whose full-text `column` (subject, text, bcc_search, ...) matches `word`."""
        rows = self._query("SELECT m.uid FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                           "WHERE messages_fts MATCH ?", (f'{column} : "{word}"',))
        return {r["uid"] for r in rows}

    # -- consistency (durability tests) ---------------------------------------------------------
    def integrity_problems(self):
        """What is wrong with the file, as SQLite and as mailjar's schema see it ([] when sound):
        PRAGMA integrity_check and foreign_key_check, messages without raw bytes or index row,
        sizes that differ from the raw bytes, parts that point outside them or disagree with the
        attachment counts, mailbox counters that differ from the rows. Works on every schema
        version (checks of tables a version lacks are skipped). Read-only."""
        con = self._connect()
        problems = []
        try:
            def rows(sql):
                return con.execute(sql).fetchall()

            ic = [r[0] for r in rows("PRAGMA integrity_check")]
            if ic != ["ok"]:
                problems.append(f"integrity_check: {ic[:10]}")
            fk = [tuple(r) for r in rows("PRAGMA foreign_key_check")]
            if fk:
                problems.append(f"foreign_key_check: {fk[:10]}")
            tables = {r[0] for r in rows("SELECT name FROM sqlite_master WHERE type='table'")}
            for label, sql in [
                ("messages without raw", "SELECT m.uid FROM messages m LEFT JOIN raw r ON r.id = m.id "
                                         "WHERE r.id IS NULL"),
                ("raw without message", "SELECT r.id FROM raw r LEFT JOIN messages m ON m.id = r.id "
                                        "WHERE m.id IS NULL"),
                ("size differs from raw bytes", "SELECT m.uid FROM messages m JOIN raw r ON r.id = m.id "
                                                "WHERE m.size != length(r.data)"),
                ("parts without message", "SELECT p.id FROM parts p LEFT JOIN messages m ON m.id = p.message "
                                          "WHERE m.id IS NULL"),
                ("parts outside the raw bytes", "SELECT p.id FROM parts p JOIN raw r ON r.id = p.message "
                                                "WHERE p.in_raw = 1 AND p.raw_offset + p.raw_length > length(r.data)"),
                ("part seq not 0..n-1", "SELECT message FROM parts GROUP BY message "
                                        "HAVING min(seq) != 0 OR max(seq) != count(*) - 1 "
                                        "OR count(DISTINCT seq) != count(*)"),
            ]:
                bad = [r[0] for r in rows(sql)]
                if bad:
                    problems.append(f"{label}: {len(bad)}, e.g. {bad[:5]}")
            counts_of = ("SELECT m.id, (SELECT count(*) FROM parts p WHERE p.message = m.id AND p.role = 'attachment') "
                         "AS a, (SELECT count(*) FROM parts p WHERE p.message = m.id AND p.role = 'inline') AS i "
                         "FROM messages m")
            if "message_index" in tables:
                for label, sql in [
                    ("messages without index row", "SELECT m.uid FROM messages m LEFT JOIN message_index x "
                                                   "ON x.id = m.id WHERE x.id IS NULL"),
                    ("index rows without message", "SELECT x.id FROM message_index x LEFT JOIN messages m "
                                                   "ON m.id = x.id WHERE m.id IS NULL"),
                    ("index size differs", "SELECT m.uid FROM messages m JOIN message_index x ON x.id = m.id "
                                           "WHERE x.size != m.size"),
                    ("attachment counts differ from parts",
                     f"SELECT c.id FROM ({counts_of}) c JOIN message_index x ON x.id = c.id "
                     "WHERE x.attachments != c.a OR x.inlines != c.i"),
                ]:
                    bad = [r[0] for r in rows(sql)]
                    if bad:
                        problems.append(f"{label}: {len(bad)}, e.g. {bad[:5]}")
                if "mailbox_counts" in tables:
                    kept = rows("SELECT messages, unread FROM mailbox_counts WHERE id = 1")
                    real = rows("SELECT count(*), ifnull(sum(is_read = 0), 0) FROM message_index")[0]
                    if not kept or tuple(kept[0]) != tuple(real):
                        problems.append(f"mailbox_counts {[tuple(k) for k in kept]} != rows {tuple(real)}")
            else:
                bad = [r[0] for r in rows(f"SELECT c.id FROM ({counts_of}) c JOIN messages m ON m.id = c.id "
                                          "WHERE m.attachments != c.a OR m.inlines != c.i")]
                if bad:
                    problems.append(f"attachment counts differ from parts: {len(bad)}, e.g. {bad[:5]}")
        finally:
            con.close()
        return problems

    def fts_problems(self, settle=3.0):
        """FTS5's own integrity check of the full-text index against the messages rows ([] when
        sound). Needs a read-write connection: it briefly takes the write lock (run it while the
        server is idle). The index trails ingest: a running server catches it up within a few
        milliseconds of going idle (a second after a failed run, e.g. on a full disk), so a
        mismatch is only reported if it lasts `settle` seconds; a real corruption does."""
        deadline = time.monotonic() + settle
        while True:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                if "messages_fts" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}:
                    return []
                con.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
                return []
            except sqlite3.DatabaseError as e:
                if time.monotonic() >= deadline:
                    return [f"full-text index: {e}"]
            finally:
                con.close()
            time.sleep(0.05)

    def raw_sha256(self):
        """{uid: sha256 hex of the raw bytes} for every message (hashed in SQL-sized steps)."""
        import hashlib
        con = self._connect()
        try:
            return {r[0]: hashlib.sha256(bytes(r[1])).hexdigest()
                    for r in con.execute("SELECT m.uid, r.data FROM messages m JOIN raw r ON r.id = m.id")}
        finally:
            con.close()

    def tags_by_uid(self):
        """{uid: sorted tag names} for every message that has tags."""
        out = {}
        for r in self._query("SELECT m.uid, t.name FROM message_tags mt JOIN messages m ON m.id = mt.message "
                             "JOIN tags t ON t.id = mt.tag"):
            out.setdefault(r["uid"], []).append(r["name"])
        return {u: sorted(v) for u, v in out.items()}

    def message_ids(self):
        """{uid: Message-ID header value} for every message."""
        return {r["uid"]: r["message_id"] for r in self._query("SELECT uid, message_id FROM messages")}

    def raw_contains(self, needle):
        """Number of stored messages whose raw bytes contain `needle` (bytes)."""
        return sum(1 for m in self.messages() if needle in m.raw)

    # -- schema mapping (server/store/schema.cpp) ----------------------------------------------
    _SELECT = "SELECT m.*, r.data AS raw_data FROM messages m LEFT JOIN raw r ON r.id = m.id"

    def message(self, uid):
        con = self._connect()
        try:
            rows = con.execute(self._SELECT + " WHERE m.uid = ?", (uid,)).fetchall()
            return self._build(con, rows[0]) if rows else None
        finally:
            con.close()

    def messages(self):
        con = self._connect()
        try:
            return [self._build(con, r) for r in con.execute(self._SELECT + " ORDER BY m.id").fetchall()]
        finally:
            con.close()

    def _build(self, con, r):
        parts = [Part(p["part_id"], p["content_type"], p["file_name"], p["disposition"], p["content_id"],
                      p["size"], p["md5"], p["sha1"], p["sha256"])
                 for p in con.execute("SELECT * FROM parts WHERE message = ? ORDER BY seq", (r["id"],))]
        check_raw = r["raw_data"]
        if check_raw is None:
            raise AssertionError(f"message {r['uid']} has no raw row")
        return StoredMessage(
            uid=r["uid"],
            raw=_decompress(check_raw, None),
            mail_from=r["mail_from"],
            rcpt_to=json.loads(r["rcpt_to_json"]),
            client_addr=r["client_addr"],
            helo=r["helo"],
            tls=r["tls"],
            auth_user=r["auth_user"],
            smtputf8=bool(r["smtputf8"]),
            body_type=r["body_type"],
            received_ms=r["received_ms"],
            subject=r["subject"],
            message_id=r["message_id"],
            from_=None if r["from_addr"] is None else (r["from_name"] or "", r["from_addr"]),
            to=_addresses(r["to_json"]),
            cc=_addresses(r["cc_json"]),
            bcc=_addresses(r["bcc_json"]),
            envelope_bcc=[line for line in r["bcc_search"].split("\n") if line],
            parts=parts,
            warnings=json.loads(r["warnings_json"]),
        )


def _addresses(text):
    return [(a.get("Name", ""), a.get("Address", "")) for a in json.loads(text)]


def _decompress(blob, compression):
    if not compression:
        return bytes(blob)
    if compression in ("zlib", "deflate"):
        return zlib.decompress(blob)
    raise AssertionError(f"unknown raw compression {compression!r}")
