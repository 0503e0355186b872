#!/usr/bin/env python3
"""Concurrency and disconnects: 50 concurrent smtplib clients x N messages, every 250 id
present in the database afterwards with the right content; clients that disconnect
mid-DATA (FIN or RST, at various points) leave nothing stored while others keep working."""

import concurrent.futures
import os
import re
import smtplib
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

CLIENTS = 50
PER_CLIENT = int(os.environ.get("MAILJAR_IT_PER_CLIENT", "6"))


def server():
    return mailjar.shared_server()


def client_job(port, k):
    """One client: PER_CLIENT messages on one connection; returns [(uid, subject, data)]."""
    out = []
    s = smtplib.SMTP("127.0.0.1", port, local_hostname=f"client{k}.test", timeout=60)
    try:
        s.ehlo()
        for i in range(PER_CLIENT):
            subject = f"conc {k}-{i}"
            body = (f"line for {k}-{i}\r\n" * (1 + (k * 7 + i) % 50)).encode()
            data = f"From: c{k}@example.org\r\nSubject: {subject}\r\n\r\n".encode() + body
            code, _ = s.mail(f"c{k}@example.org")
            check_eq(code, 250, "MAIL")
            code, _ = s.rcpt(f"r{i}@example.net")
            check_eq(code, 250, "RCPT")
            code, resp = s.data(data)
            check_eq(code, 250, f"client {k} message {i}: {resp!r}")
            m = re.fullmatch(rb"2\.0\.0 Ok: queued as ([0-9A-Za-z]{22})", resp)
            check(m is not None, f"queued-as reply {resp!r}")
            out.append((m.group(1).decode(), subject, data))
        s.quit()
    finally:
        s.close()
    return out


@case
def fifty_concurrent_clients_all_stored():
    srv = server()
    before = Db(srv.db_path).count()
    start_barrier = threading.Barrier(CLIENTS, timeout=30)

    def job(k):
        start_barrier.wait()
        return client_job(srv.smtp_port, k)

    with concurrent.futures.ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(job, k) for k in range(CLIENTS)]
        results = []
        errors = []
        for f in futures:
            try:
                results += f.result(timeout=180)
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))
    check(not errors, f"{len(errors)} clients failed: {errors[:5]}")
    check_eq(len(results), CLIENTS * PER_CLIENT, "acknowledged messages")
    ids = [uid for uid, _, _ in results]
    check_eq(len(set(ids)), len(ids), "every id distinct")
    db = Db(srv.db_path)
    check_eq(db.count(), before + len(ids), "stored count")
    stored = {m.uid: m for m in db.messages()}
    for uid, subject, data in results:
        m = stored.get(uid)
        check(m is not None, f"id {uid} acknowledged but missing")
        check_eq(m.subject, subject, f"{uid} subject")
        check(m.raw == data, f"{uid} raw differs")


def partial_session(port, payload, rst):
    c = sc.open_session(port, "quitter.test")
    c.cmd("MAIL FROM:<quitter@example.org>", 250)
    c.cmd("RCPT TO:<r@example.net>", 250)
    c.cmd("DATA", 354)
    c.send(payload)
    time.sleep(0.05)
    if rst:
        c.abort()
    else:
        c.sock.shutdown(socket.SHUT_WR)  # FIN, then see the server close its side too
        check(c.wait_closed(timeout=5), "server closes after the client's FIN mid-DATA")
        c.close()


@case
def disconnect_mid_data_stores_nothing():
    srv = server()
    db = Db(srv.db_path)
    before = db.count()
    marker = b"mid-data-disconnect-marker"
    big = b"x" * 200000 + b"\r\n"
    cuts = [b"", b"Subject: cut\r\n\r\n" + marker + b"\r\n",
            b"Subject: cut\r\n\r\n" + marker + b"\r\n.",  # the terminator's dot but no CRLF
            b"Subject: cut\r\n\r\n" + marker + b"\r\n.\r",  # everything but the last LF
            b"Subject: cut\r\n\r\n" + marker + b"\n.\n",  # a bare-LF fake terminator
            b"Subject: cut\r\n\r\n" + marker + big]
    for rst in (False, True):
        for payload in cuts:
            partial_session(srv.smtp_port, payload, rst)
    # A well-behaved client afterwards is served, and is the only new message.
    uid = sc.send_message(srv.smtp_port, b"Subject: after disconnects\r\n\r\nok\r\n")
    time.sleep(0.3)  # give any (wrong) late delivery of the cut messages a chance to land
    check_eq(db.count(), before + 1, "only the complete message stored")
    check(db.message(uid) is not None, "complete message stored")
    check_eq(db.raw_contains(marker), 0, "no partial message stored")


@case
def disconnects_while_others_send():
    srv = server()
    db = Db(srv.db_path)
    before = db.count()
    stop = threading.Event()
    errors = []

    def quitter(k):
        try:
            while not stop.is_set():
                partial_session(srv.smtp_port, b"Subject: q\r\n\r\nquitter-marker " + str(k).encode(), rst=k % 2 == 0)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=quitter, args=(k,), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    try:
        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            for r in pool.map(lambda k: client_job(srv.smtp_port, 1000 + k), range(8), timeout=120):
                results += r
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=20)
    check(not errors, f"quitters failed: {errors[:3]}")
    check_eq(db.count(), before + len(results), "only complete messages stored")
    check_eq(db.raw_contains(b"quitter-marker"), 0, "no quitter message stored")


@case
def many_short_connections():
    srv = server()
    db = Db(srv.db_path)
    before = db.count()

    def job(k):
        return sc.send_message(srv.smtp_port, f"Subject: short {k}\r\n\r\nx\r\n".encode())

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(job, range(200), timeout=120))
    check_eq(db.count(), before + 200, "all stored")
    check(set(ids) <= db.uids(), "every id present")


def tls_job(port, k):
    s = smtplib.SMTP("127.0.0.1", port, local_hostname=f"tls{k}.test", timeout=60)
    try:
        s.ehlo()
        s.starttls(context=sc.client_tls_context())
        s.ehlo()
        s.login(f"user{k}", "pw")
        ids = []
        for i in range(3):
            s.mail(f"t{k}@example.org")
            s.rcpt("r@example.net")
            code, resp = s.data(f"Subject: tls {k}-{i}\r\n\r\nx\r\n".encode())
            check_eq(code, 250, "data")
            ids.append((resp.decode().rsplit(" ", 1)[-1], f"user{k}"))
        s.quit()
        return ids
    finally:
        s.close()


@case
def concurrent_starttls_clients():
    srv = mailjar.shared_server("--smtp-tls-self-signed")
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = [r for rs in pool.map(lambda k: tls_job(srv.smtp_port, k), range(20), timeout=120) for r in rs]
    db = Db(srv.db_path)
    for uid, user in results:
        m = db.message(uid)
        check(m is not None, f"{uid} stored")
        check(m.tls.startswith("TLS"), f"{uid} tls {m.tls!r}")
        check_eq(m.auth_user, user, "auth user per connection")


def load_until_stopped(port, k, acked, stop):
    """Send until the server goes away; record every acknowledged id."""
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        s.ehlo(f"load{k}.test")
        i = 0
        while not stop.is_set():
            s.mail("load@example.org")
            s.rcpt("r@example.net")
            code, resp = s.data(f"Subject: load {k}-{i}\r\n\r\n".encode() + b"x" * (k * 100) + b"\r\n")
            if code == 250:
                acked.append(resp.decode().rsplit(" ", 1)[-1])
            i += 1
    except (OSError, smtplib.SMTPException):
        pass  # the server stopped


def stop_under_load(stopper):
    srv = mailjar.Server()
    acked, stop = [], threading.Event()
    threads = [threading.Thread(target=load_until_stopped, args=(srv.smtp_port, k, acked, stop), daemon=True)
               for k in range(10)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(acked) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    stopper(srv)
    stop.set()
    for t in threads:
        t.join(timeout=40)
    check(not any(t.is_alive() for t in threads), "clients finished")
    check(len(acked) >= 50, f"some load was acknowledged ({len(acked)})")
    srv.start()  # same database
    uids = Db(srv.db_path).uids()
    missing = [u for u in acked if u not in uids]
    check(not missing, f"{len(missing)} of {len(acked)} acknowledged messages lost, e.g. {missing[:3]}")


@case
def sigterm_under_load_keeps_every_acknowledged_message():
    def term(srv):
        problems = srv.stop()
        check(not problems, f"clean stop under load: {problems}")
        check_eq(srv.returncode, 0, "exit code")
    stop_under_load(term)


@case
def kill_9_under_load_keeps_every_acknowledged_message():
    stop_under_load(lambda srv: srv.kill())


@case
def many_idle_connections_do_not_block_service():
    srv = server()
    idle = []
    try:
        for _ in range(200):
            idle.append(sc.Conn(srv.smtp_port))
        for c in idle:
            c.expect(220)
        uid = sc.send_message(srv.smtp_port, b"Subject: among idlers\r\n\r\nx\r\n")
        check(Db(srv.db_path).message(uid) is not None, "served while 200 connections idle")
    finally:
        for c in idle:
            c.close()


if __name__ == "__main__":
    main()
