#!/usr/bin/env python3
"""HTTP limits set by flags (and their MAILJAR_* variables), over real sockets: a client
dribbling headers is cut off after --http-idle-timeout while another is served; the
--http-max-connections cap refuses extra connections and frees slots as connections close; an
oversized body gets 413 and changes nothing (--http-max-body); a WebSocket client that never
reads is dropped once --ws-queue-limit frames wait for it, a reading client keeps receiving,
and the server's memory (VmRSS) stays bounded."""

import json
import os
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402

HTTP = ["smtp", "http"]


def server(*flags, env=None):
    return mailjar.Server("--http", "127.0.0.1:0", *flags, expect=HTTP, env=env)


def message(subject):
    return (f"From: a@example.org\r\nTo: b@example.net\r\nSubject: {subject}\r\n\r\nhello\r\n").encode()


def get(port, path="/livez", timeout=5):
    return hc.request(port, "GET", path, timeout=timeout)


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def closed_within(sock, seconds):
    """Seconds until the server closes `sock` (EOF or reset), or None if still open after `seconds`."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < seconds:
        try:
            if not sock.recv(65536):
                return time.monotonic() - start
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
    return None


@case
def a_client_dribbling_headers_is_cut_off_after_the_idle_timeout():
    srv = server("--http-idle-timeout", "2")
    port = srv.http_port
    slow = socket.create_connection(("127.0.0.1", port), timeout=5)
    t0 = time.monotonic()
    slow.sendall(f"GET /livez HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
    cut_after = None
    served = 0
    # One header line every 0.3 s (never the blank line): the connection must not live on it.
    while time.monotonic() - t0 < 8:
        try:
            slow.sendall(f"X-Dribble-{served}: {'a' * 10}\r\n".encode())
        except (BrokenPipeError, ConnectionResetError):
            cut_after = time.monotonic() - t0
            break
        # Meanwhile another client is served promptly.
        t1 = time.monotonic()
        r = get(port)
        check_eq(r.status, 200, "other client served")
        check(time.monotonic() - t1 < 1.0, "other client served promptly")
        served += 1
        gone = closed_within(slow, 0.3)
        if gone is not None:
            cut_after = time.monotonic() - t0
            break
    slow.close()
    check(cut_after is not None, "the dribbling client was cut off")
    print(f"  dribbling client cut off after {cut_after:.2f} s; {served} other requests served meanwhile")
    check(1.5 <= cut_after <= 4.5, f"cut off around the 2 s idle timeout (after {cut_after:.2f} s)")
    check(served >= 3, "others were served while it dribbled")

    # An idle keep-alive connection is closed after the same timeout; a busy one is not.
    with hc.RawConn(port) as idle:
        idle.send(hc.http_request_bytes("GET", "/livez", f"127.0.0.1:{port}"))
        check_eq(idle.read_response().status, 200, "first request on the keep-alive connection")
        t = closed_within(idle.sock, 6)
        check(t is not None and 1.5 <= t <= 4.5, f"idle keep-alive closed after ~2 s (after {t})")


@case
def idle_timeout_from_the_environment():
    srv = server(env={"MAILJAR_HTTP_IDLE_TIMEOUT": "1"})
    port = srv.http_port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /livez HTTP/1.1\r\n")  # and nothing more
        t = closed_within(s, 5)
    check(t is not None and 0.5 <= t <= 3.0, f"closed after ~1 s (MAILJAR_HTTP_IDLE_TIMEOUT=1): {t}")


def _open_keep_alive(port):
    c = hc.RawConn(port, timeout=5)
    c.send(hc.http_request_bytes("GET", "/livez", f"127.0.0.1:{port}"))
    r = c.read_response()
    check_eq(r.status, 200, "connection within the cap is served")
    return c


def _refused(port):
    """True when a new connection gets no successful answer (503 or closed)."""
    with hc.RawConn(port, timeout=5) as c:
        try:
            c.send(hc.http_request_bytes("GET", "/livez", f"127.0.0.1:{port}"))
            r = c.read_response()
        except (ConnectionError, OSError):
            return True
        if r.status == 503:
            check_eq(r.header("connection"), "close", "503 closes")
            return True
        return False


@case
def the_connection_cap_refuses_extras_and_frees_slots():
    srv = server("--http-max-connections", "3")
    port = srv.http_port
    held = [_open_keep_alive(port) for _ in range(3)]
    for i in range(3):
        check(_refused(port), f"connection over the cap refused (try {i})")
    # The held connections are still served.
    for c in held:
        c.send(hc.http_request_bytes("GET", "/api/v1/messages", f"127.0.0.1:{port}"))
        check_eq(c.read_response().status, 200, "held connection still served")
    # A WebSocket holds a slot too.
    held[0].close()
    deadline = time.monotonic() + 5
    ws = None
    while ws is None and time.monotonic() < deadline:
        try:
            ws = hc.WebSocket(port, "/api/events", timeout=5)
        except (hc.WebSocketError, OSError):
            time.sleep(0.05)
    check(ws is not None, "a slot freed by a closed connection is taken by a WebSocket")
    check(_refused(port), "full again with the WebSocket")
    # Closing frees slots: new connections are served again.
    ws.close()
    held[1].close()
    deadline = time.monotonic() + 5
    ok = None
    while ok is None and time.monotonic() < deadline:
        try:
            r = get(port, timeout=2)
            if r.status == 200:
                ok = r
        except (ConnectionError, OSError):
            time.sleep(0.05)
    check(ok is not None, "served again once slots were freed")
    held[2].close()
    check("reason=max-connections" in srv.log_text(), "refusals are logged")


@case
def an_oversized_body_gets_413_and_changes_nothing():
    srv = server(env={"MAILJAR_HTTP_MAX_BODY": "1K"})
    port = srv.http_port
    uid = sc.send_message(srv.smtp_port, message("stay unread"))
    body = json.dumps({"IDs": [uid], "Read": True})
    padded = body + " " * 2000  # valid JSON, over 1K
    r = hc.request(port, "PUT", "/api/v1/messages", padded, {"Content-Type": "application/json"})
    check_eq(r.status, 413, "body over MAILJAR_HTTP_MAX_BODY")
    check(r.header("content-type", "").startswith("text/plain"), "413 is text/plain")
    check_eq(hc.request(port, "GET", "/api/v1/messages").json()["unread"], 1, "still unread")
    r = hc.request(port, "PUT", "/api/v1/messages", body, {"Content-Type": "application/json"})
    check_eq(r.status, 200, "the same request under the limit")
    check_eq(hc.request(port, "GET", "/api/v1/messages").json()["unread"], 0, "now read")


def _slow_ws(port):
    """A WebSocket that never reads, with a tiny receive buffer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(hc.http_request_bytes("GET", "/api/events", f"127.0.0.1:{port}", {
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13"}))
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    check(head.startswith(b"HTTP/1.1 101"), "slow client upgraded")
    return s


@case
def a_websocket_client_that_never_reads_is_dropped_and_memory_stays_bounded():
    # A small ASan quarantine, so that freed frames leave the RSS (no effect without ASan).
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {"ASAN_OPTIONS": (asan + ":" if asan else "") + "quarantine_size_mb=4:thread_local_quarantine_size_kb=64"}
    srv = server("--ws-queue-limit", "8", env=env)
    port = srv.http_port
    fast = hc.WebSocket(port, "/api/events")
    received = hc.NewIdCollector(fast)
    big = "S" * 60_000
    subject = "\r\n ".join(big[i:i + 900] for i in range(0, len(big), 900))
    sent = 0

    def send_batch(n):
        nonlocal sent
        with sc.open_session(port=srv.smtp_port) as c:
            for _ in range(n):
                c.cmd("MAIL FROM:<a@example.org>", 250)
                c.cmd("RCPT TO:<b@example.net>", 250)
                c.cmd("DATA", 354)
                c.send(sc.dot_stuff(f"From: a@example.org\r\nSubject: {sent} {subject}\r\n\r\nx\r\n".encode()))
                c.expect(250)
                sent += 1

    def dropped():
        return srv.log_text().count("event=ws_dropped")

    # Round 1: four clients that never read; each must be dropped.
    slow = [_slow_ws(port) for _ in range(4)]
    time.sleep(0.2)
    send_batch(150)
    deadline = time.monotonic() + 20
    while dropped() < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    check_eq(dropped(), 4, "every client that never reads was dropped")
    for s in slow:
        check(closed_within(s, 10) is not None, "a dropped client's connection is closed by the server")
    rss1 = vm_rss_kb(srv.proc.pid)

    # Round 2: the same again. Frames for readers that never read are not kept: RSS stays flat
    # (unbounded queues would hold 4 x 150 x 60 KB = 36 MB more).
    slow2 = [_slow_ws(port) for _ in range(4)]
    time.sleep(0.2)
    send_batch(150)
    deadline = time.monotonic() + 20
    while dropped() < 8 and time.monotonic() < deadline:
        time.sleep(0.1)
    check_eq(dropped(), 8, "the second round of slow clients was dropped too")
    rss2 = vm_rss_kb(srv.proc.pid)
    print(f"  VmRSS {rss1 / 1024:.1f} MB after round 1, {rss2 / 1024:.1f} MB after round 2 "
          f"({sent} messages of 60 KB, 8 slow clients dropped)")
    check(rss2 - rss1 < 16 * 1024, f"RSS bounded: grew {(rss2 - rss1) / 1024:.1f} MB in round 2")

    received.wait_for(sent, timeout=30)
    received.stop()
    check_eq(len(received.ids), sent, "the reading client got every new frame")
    fast.close()
    for s in slow + slow2:
        s.close()


@case
def the_limit_flags_are_in_help_and_bad_values_stop_start_up():
    out = mailjar.run_cli(["--help"]).stdout.decode()
    for flag, env in (("--http-max-connections", "MAILJAR_HTTP_MAX_CONNECTIONS"),
                      ("--http-idle-timeout", "MAILJAR_HTTP_IDLE_TIMEOUT"),
                      ("--ws-queue-limit", "MAILJAR_WS_QUEUE_LIMIT"),
                      ("--http-max-body", "MAILJAR_HTTP_MAX_BODY")):
        check(flag in out and env in out, f"{flag} [{env}] in --help")
    for args in (["--http-max-connections", "0"], ["--http-idle-timeout", "0"], ["--ws-queue-limit", "x"],
                 ["--http-idle-timeout", "-3"]):
        r = mailjar.run_cli(["--db", os.path.join(mailjar.temp_dir(), "x.db")] + args)
        check_eq(r.returncode, 2, f"{args} refused")
        lines = r.stderr.decode().strip().splitlines()
        check(len(lines) == 1 and args[0] in lines[0], f"{args}: one line naming the flag: {lines}")


if __name__ == "__main__":
    main()
