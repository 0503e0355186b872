#!/usr/bin/env python3
"""The command line: --help documents every flag (and its MAILJAR_* variable), --version,
start-up errors (bad flag, bad value, port in use, unwritable database) exit non-zero with
one clear line, MAILJAR_SMTP / MAILJAR_DB work, the default database is ./mailjar.db in the
working directory, SIGTERM stops cleanly, and a restart on the same database keeps every
message (and keeps accepting new ones)."""

import os
import re
import signal
import socket
import sqlite3
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

FLAGS = ["--smtp", "--smtps", "--db", "--db-sync", "--hostname", "--smtp-max-message-size",
         "--smtp-max-recipients", "--smtp-max-connections", "--smtp-timeout", "--smtp-tls-cert",
         "--smtp-tls-key", "--smtp-tls-self-signed", "--smtp-auth", "--smtp-auth-file", "--smtp-allow",
         "--smtp-bare-lf", "--max-messages", "--max-age", "--help", "--version"]


def text(b):
    return b.decode("utf-8", "replace")


def one_clear_line(r, what, mention=None):
    """Non-zero exit, exactly one non-empty line on stderr (mentioning `mention`)."""
    check(r.returncode != 0, f"{what}: exit code should be non-zero, got {r.returncode}")
    lines = [line for line in text(r.stderr).splitlines() if line.strip()]
    check_eq(len(lines), 1, f"{what}: lines on stderr {lines}")
    if mention:
        check(mention.lower() in lines[0].lower(), f"{what}: {lines[0]!r} should mention {mention!r}")
    check("Sanitizer" not in lines[0], f"{what}: sanitizer output {lines[0]!r}")
    return lines[0]


def check_unchanged(path, before, what):
    after = open(path, "rb").read()
    diff = [i for i in range(min(len(before), len(after))) if before[i] != after[i]][:8]
    check(after == before, f"{what} must be refused before anything is written to it; "
                           f"{len(before)} -> {len(after)} bytes, header bytes changed at {diff} "
                           f"(18/19 = journal mode switched to WAL)")


@case
def help_lists_every_flag_and_env_var():
    r = mailjar.run_cli(["--help"])
    check_eq(r.returncode, 0, "--help exit code")
    out = text(r.stdout)
    for flag in FLAGS:
        check(re.search(re.escape(flag) + r"(?![\w-])", out) is not None, f"--help mentions {flag}")
        if flag not in ("--help", "--version"):
            env = "MAILJAR_" + flag[2:].upper().replace("-", "_")
            check(env in out, f"--help mentions {env}")
    check_eq(text(r.stderr).strip(), "", "--help writes nothing to stderr")


@case
def version():
    r = mailjar.run_cli(["--version"])
    check_eq(r.returncode, 0, "--version exit code")
    out = text(r.stdout).strip()
    check(re.search(r"\d+\.\d+\.\d+", out) is not None, f"version number in {out!r}")
    check_eq(len(out.splitlines()), 1, "one line")


@case
def bad_flags_one_clear_line():
    db = os.path.join(mailjar.temp_dir(), "x.db")
    base = ["--smtp", "127.0.0.1:0", "--db", db]
    one_clear_line(mailjar.run_cli(base + ["--no-such-flag"]), "unknown flag", "--no-such-flag")
    one_clear_line(mailjar.run_cli(base + ["--smtp-max-recipients"]), "missing value", "--smtp-max-recipients")
    for flag, value in (("--smtp-max-message-size", "lots"), ("--smtp-max-recipients", "-1"),
                        ("--smtp-timeout", "abc"), ("--smtp-bare-lf", "maybe"), ("--db-sync", "sometimes"),
                        ("--max-age", "7x"), ("--max-messages", "many"), ("--smtp", "nonsense"),
                        ("--smtp", "127.0.0.1:99999"), ("--smtp-max-connections", "0")):
        one_clear_line(mailjar.run_cli(base + [flag, value]), f"{flag} {value}", flag)
    one_clear_line(mailjar.run_cli(base + ["--smtp-tls-cert", "/nonexistent/cert.pem"]), "cert without key")
    one_clear_line(mailjar.run_cli(base + ["--smtps", "127.0.0.1:0"]), "--smtps without a certificate", "--smtps")
    one_clear_line(mailjar.run_cli(base + ["--smtp-auth-file", "/nonexistent/users"]), "missing auth file")
    one_clear_line(mailjar.run_cli(base, env={"MAILJAR_SMTP_TIMEOUT": "soon"}), "bad env value",
                   "MAILJAR_SMTP_TIMEOUT")
    check(not os.path.exists(db), "no database created when the flags are bad")


@case
def size_suffixes():
    srv = mailjar.Server("--smtp-max-message-size", "1K")
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        r = c.ehlo()
        check("SIZE 1024" in r.lines, f"1K advertised as SIZE 1024: {r.lines}")
    srv.stop()
    srv = mailjar.Server("--smtp-max-message-size", "2M")
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        check(f"SIZE {2 << 20}" in c.ehlo().lines, "2M advertised")


@case
def db_sync_full_works():
    srv = mailjar.Server("--db-sync", "full")
    uid = sc.send_message(srv.smtp_port, b"Subject: full sync\r\n\r\nx\r\n")
    srv.kill()
    check(uid in Db(srv.db_path).uids(), "stored durably with --db-sync full")


@case
def port_in_use():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        r = mailjar.run_cli(["--smtp", f"127.0.0.1:{port}", "--db", os.path.join(mailjar.temp_dir(), "x.db")])
        line = one_clear_line(r, "port in use")
        check(str(port) in line, f"the line names the address: {line!r}")


@case
def unwritable_database_path():
    d = mailjar.temp_dir()
    not_a_dir = os.path.join(d, "file")
    with open(not_a_dir, "w") as f:
        f.write("x")
    line = one_clear_line(mailjar.run_cli(["--smtp", "127.0.0.1:0", "--db", os.path.join(not_a_dir, "m.db")]),
                          "database under a regular file")
    check("file/m.db" in line, f"the line names the path: {line!r}")
    one_clear_line(mailjar.run_cli(["--smtp", "127.0.0.1:0", "--db", d]), "database path is a directory")
    junk = os.path.join(d, "junk.db")
    with open(junk, "wb") as f:
        f.write(b"this is not an sqlite database at all" * 100)
    one_clear_line(mailjar.run_cli(["--smtp", "127.0.0.1:0", "--db", junk]), "not a database")
    with open(junk, "rb") as f:
        check(f.read().startswith(b"this is not an sqlite"), "a foreign file is left untouched")


@case
def smtps_port_in_use():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        r = mailjar.run_cli(["--smtp", "127.0.0.1:0", "--db", os.path.join(mailjar.temp_dir(), "x.db"),
                             "--smtp-tls-self-signed", "--smtps", f"127.0.0.1:{port}"])
        line = one_clear_line(r, "smtps port in use")
        check(str(port) in line, f"the line names the address: {line!r}")


@case
def foreign_sqlite_database_refused_untouched():
    d = mailjar.temp_dir()
    foreign = os.path.join(d, "foreign.db")
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    before = open(foreign, "rb").read()
    one_clear_line(mailjar.run_cli(["--smtp", "127.0.0.1:0", "--db", foreign]), "someone else's database")
    check_unchanged(foreign, before, "someone else's SQLite database")


@case
def database_from_a_newer_build_refused_untouched():
    path = os.path.join(mailjar.temp_dir(), "future.db")
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 999")
    con.close()
    before = open(path, "rb").read()
    one_clear_line(mailjar.run_cli(["--smtp", "127.0.0.1:0", "--db", path]), "newer schema")
    check_unchanged(path, before, "a database from a newer build")


@case
def environment_variables():
    d = mailjar.temp_dir()
    db = os.path.join(d, "from-env.db")
    srv = mailjar.Server(add_smtp=False, add_db=False,
                         env={"MAILJAR_SMTP": "127.0.0.1:0", "MAILJAR_DB": db, "MAILJAR_HOSTNAME": "env.example",
                              "MAILJAR_SMTP_MAX_RECIPIENTS": "1"})
    with sc.Conn(srv.smtp_port) as c:
        check(c.expect(220).lines[0].startswith("env.example"), "MAILJAR_HOSTNAME used")
        c.ehlo()
        c.cmd("MAIL FROM:<a@example.org>", 250)
        c.cmd("RCPT TO:<one@example.net>", 250)
        c.cmd("RCPT TO:<two@example.net>", 452)
    uid = sc.send_message(srv.smtp_port, b"Subject: env\r\n\r\nx\r\n")
    check(Db(db).message(uid) is not None, "stored in MAILJAR_DB")
    srv.stop()
    # A flag beats its environment variable.
    srv = mailjar.Server("--hostname", "flag.example", env={"MAILJAR_HOSTNAME": "env.example"})
    with sc.Conn(srv.smtp_port) as c:
        check(c.expect(220).lines[0].startswith("flag.example"), "flag wins over env")


@case
def default_database_in_working_directory():
    cwd = mailjar.temp_dir()
    srv = mailjar.Server(add_db=False, cwd=cwd)
    uid = sc.send_message(srv.smtp_port, b"Subject: default db\r\n\r\nx\r\n")
    path = os.path.join(cwd, "mailjar.db")
    check(os.path.exists(path), "./mailjar.db created in the working directory")
    check(Db(path).message(uid) is not None, "message stored in ./mailjar.db")


@case
def listening_log_line_and_sigterm_exit():
    srv = mailjar.Server()
    lines = [mailjar.parse_kv(line) for line in srv.log_text().splitlines()]
    check(any(kv.get("event") == "listening" and kv.get("listener") == "smtp" and
              kv.get("addr") == f"127.0.0.1:{srv.smtp_port}" for kv in lines), "listening line")
    sc.send_message(srv.smtp_port, b"Subject: before stop\r\n\r\nx\r\n")
    problems = srv.stop(signal.SIGTERM)
    check(not problems, f"clean stop: {problems}")
    check_eq(srv.returncode, 0, "exit code after SIGTERM")
    srv2 = mailjar.Server()
    problems = srv2.stop(signal.SIGINT)
    check(not problems, f"clean stop on SIGINT: {problems}")
    check_eq(srv2.returncode, 0, "exit code after SIGINT")


@case
def log_lines_cannot_be_forged():
    forged = b"ts=0 level=info event=listening listener=smtp addr=6.6.6.6:25"
    for flags in ((), ("--verbose",)):
        srv = mailjar.Server(*flags)
        with sc.Conn(srv.smtp_port) as c:
            c.expect(220)
            c.send(b"EHLO x\r" + forged + b"\r\n")
            c.reply()
            c.send(b"EHLO ok.test\r\nMAIL FROM:<a\r" + forged + b">\r\n")
            c.replies(2)
            c.send(b"NOOP \n" + forged + b"\r\n")
            c.replies(2)
        sc.send_message(srv.smtp_port, b"Subject: x\r\n\r\n" + forged + b"\r\n\n" + forged + b"\r\n")
        srv.stop()
        for line in srv.log_text().splitlines():
            check(line.startswith("ts="), f"{flags}: log line not written by the logger: {line[:120]!r}")
            kv = mailjar.parse_kv(line)
            check(kv.get("addr") != "6.6.6.6:25" or kv.get("event") != "listening",
                  f"{flags}: forged listening line {line!r}")
        events = [mailjar.parse_kv(line) for line in srv.log_text().splitlines()]
        check(any(kv.get("event") == "smtp_stored" and kv.get("peer", "").startswith("127.0.0.1:")
                  for kv in events), "stored messages are logged with their peer")
        check(any(kv.get("event") == "smtp_connect" for kv in events) == ("--verbose" in flags),
              "connections are logged with --verbose only")


@case
def sigterm_with_open_sessions_exits():
    srv = mailjar.Server()
    idle = sc.open_session(srv.smtp_port)
    in_data = sc.open_session(srv.smtp_port)
    in_data.cmd("MAIL FROM:<a@example.org>", 250)
    in_data.cmd("RCPT TO:<b@example.net>", 250)
    in_data.cmd("DATA", 354)
    in_data.send(b"Subject: unfinished\r\n\r\npartial")
    try:
        problems = srv.stop(signal.SIGTERM, timeout=15)
        check(not problems, f"stops within 15 s with sessions open: {problems}")
        check_eq(Db(srv.db_path).raw_contains(b"partial"), 0, "unfinished message not stored")
    finally:
        idle.close()
        in_data.close()


@case
def restart_keeps_messages():
    srv = mailjar.Server()
    ids = [sc.send_message(srv.smtp_port, f"Subject: keep {i}\r\n\r\nbody {i}\r\n".encode()) for i in range(5)]
    problems = srv.restart()
    check(not problems, f"clean stop: {problems}")
    db = Db(srv.db_path)
    check_eq(db.count(), 5, "count after restart")
    for i, uid in enumerate(ids):
        m = db.message(uid)
        check(m is not None and m.subject == f"keep {i}", f"message {i} kept")
        check_eq(m.raw, f"Subject: keep {i}\r\n\r\nbody {i}\r\n".encode(), "raw kept")
    new = sc.send_message(srv.smtp_port, b"Subject: after restart\r\n\r\nx\r\n")
    check_eq(db.count(), 6, "new message added")
    check(new not in ids, "new id")
    version = db.schema_version()
    srv.restart()
    check_eq(db.count(), 6, "count after second restart")
    check_eq(db.schema_version(), version, "schema version stable across restarts")


@case
def kill_9_loses_no_acknowledged_message():
    srv = mailjar.Server()
    ids = [sc.send_message(srv.smtp_port, f"Subject: durable {i}\r\n\r\nx\r\n".encode()) for i in range(10)]
    srv.kill()
    srv.start()
    db = Db(srv.db_path)
    check(set(ids) <= db.uids(), "every acknowledged message survives kill -9")


if __name__ == "__main__":
    main()
