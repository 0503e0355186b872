#!/usr/bin/env python3
"""Live events over real sockets: Mailpit's /api/events frames (new, stats, update, delete,
truncate) for messages sent over SMTP and changed over the API, several clients, coalesced
stats, ping/pong, MailHog's /api/v2/websocket, and a slow client dropped while others are
served."""

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


def server(*flags):
    return mailjar.Server("--http", "127.0.0.1:0", *flags, expect=HTTP)


def message(subject, to="b@example.net"):
    return (f"From: Alice <a@example.org>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{abs(hash(subject))}@example.org>\r\n\r\nhello\r\n").encode("utf-8")


def of_type(t):
    return lambda f: f.get("Type") == t


@case
def new_message_over_smtp_arrives_as_a_new_frame():
    srv = server()
    with hc.WebSocket(srv.http_port, "/api/events") as ws:
        time.sleep(0.1)  # joined the hub
        t0 = time.monotonic()
        uid = sc.send_message(srv.smtp_port, "From: Alice <a@example.org>\r\nTo: b@example.net\r\n"
                              "Subject: =?UTF-8?B?w5xiZXIgY2Fmw6k=?=\r\n\r\nhi\r\n".encode())
        t_250 = time.monotonic()
        frame, _ = ws.wait_for(of_type("new"), timeout=5)
        t_frame = time.monotonic()
        check(frame is not None, "a new frame arrived")
        data = frame["Data"]
        check_eq(data["ID"], uid, "ID is the queued-as id")
        check_eq(data["Subject"], "Über café", "decoded subject")
        check_eq(data["From"], {"Name": "Alice", "Address": "a@example.org"}, "From")
        check_eq(data["Read"], False, "unread")
        check(isinstance(data["To"], list) and data["To"][0]["Address"] == "b@example.net", "To")
        print(f"  new frame {1000 * (t_frame - t_250):.1f} ms after the 250 "
              f"({1000 * (t_frame - t0):.1f} ms after the send started)")
        check(t_frame - t_250 < 1.0, "delivered promptly after the 250")
        stats, _ = ws.wait_for(of_type("stats"), timeout=3)
        check(stats is not None, "a stats frame follows")
        check_eq(stats["Data"]["Total"], 1, "stats Total")
        check_eq(stats["Data"]["Unread"], 1, "stats Unread")
        check(isinstance(stats["Data"]["Version"], str) and stats["Data"]["Version"], "stats Version")


@case
def api_changes_arrive_as_update_delete_and_truncate():
    srv = server()
    port = srv.http_port
    a = sc.send_message(srv.smtp_port, message("one"))
    b = sc.send_message(srv.smtp_port, message("two"))
    with hc.WebSocket(port, "/api/events") as ws:
        time.sleep(0.1)
        r = hc.request(port, "PUT", "/api/v1/messages", json.dumps({"IDs": [a], "Read": True}),
                       {"Content-Type": "application/json"})
        check_eq(r.status, 200, f"mark read: {r!r}")
        f, _ = ws.wait_for(of_type("update"))
        check(f is not None, "update frame")
        check_eq(f["Data"], {"ID": a, "Read": True}, "update data")
        r = hc.request(port, "DELETE", "/api/v1/messages", json.dumps({"IDs": [a]}),
                       {"Content-Type": "application/json"})
        check_eq(r.status, 200, "delete one")
        f, _ = ws.wait_for(of_type("delete"))
        check(f is not None, "delete frame")
        check_eq(f["Data"], {"ID": a}, "delete data")
        r = hc.request(port, "DELETE", "/api/v1/messages", b"")
        check_eq(r.status, 200, "delete all")
        f, _ = ws.wait_for(of_type("truncate"))
        check(f is not None, "truncate frame")
        check(f["Data"] is None, "truncate data is null")
        stats, _ = ws.wait_for(lambda x: x.get("Type") == "stats" and x["Data"]["Total"] == 0, timeout=3)
        check(stats is not None, "stats reach Total 0")
    del b


@case
def every_client_gets_every_frame():
    srv = server()
    clients = [hc.WebSocket(srv.http_port, p) for p in ("/api/events", "/%61pi/events", "/api/events")]
    try:
        time.sleep(0.1)
        uids = [sc.send_message(srv.smtp_port, message(f"fan-out {i}")) for i in range(5)]
        for n, ws in enumerate(clients):
            got = []
            deadline = time.monotonic() + 5
            while len(got) < 5 and time.monotonic() < deadline:
                f = ws.recv_json(timeout=deadline - time.monotonic())
                if f and f["Type"] == "new":
                    got.append(f["Data"]["ID"])
            check_eq(got, uids, f"client {n} got every new frame, in order")
    finally:
        for ws in clients:
            ws.close()


@case
def stats_frames_are_coalesced():
    srv = server()
    with hc.WebSocket(srv.http_port, "/api/events") as ws:
        time.sleep(0.1)
        t0 = time.monotonic()
        with sc.open_session(srv.smtp_port) as c:
            for i in range(40):
                c.cmd("MAIL FROM:<a@example.org>", 250)
                c.cmd("RCPT TO:<b@example.net>", 250)
                c.cmd("DATA", 354)
                c.send(sc.dot_stuff(message(f"burst {i}")))
                c.expect(250)
        frames = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            f = ws.recv_json(timeout=0.5)
            if f is None:
                break
            frames.append(f)
        elapsed = time.monotonic() - t0
        news = [f for f in frames if f["Type"] == "new"]
        stats = [f for f in frames if f["Type"] == "stats"]
        check_eq(len(news), 40, "one new frame per message")
        allowed = 2 + int(elapsed / 0.25)
        check(1 <= len(stats) <= allowed, f"{len(stats)} stats frames in {elapsed:.2f}s (at most {allowed})")
        check_eq(stats[-1]["Data"]["Total"], 40, "the last stats frame has the final count")


@case
def pings_are_answered():
    srv = server()
    with hc.WebSocket(srv.http_port, "/api/events") as ws:
        ws.ping(b"are you there")
        op, payload = ws.recv_frame(timeout=5)
        check_eq(op, 0xA, "pong")
        check_eq(payload, b"are you there", "pong echoes the payload")
        ws.send_text("clients may talk; the server ignores it")
        uid = sc.send_message(srv.smtp_port, message("after chatter"))
        f, _ = ws.wait_for(of_type("new"))
        check(f is not None and f["Data"]["ID"] == uid, "still receiving after a client message")


@case
def mailhog_websocket_pushes_new_messages_in_mailhog_shape():
    srv = server()
    with hc.WebSocket(srv.http_port, "/api/v2/websocket") as ws:
        time.sleep(0.1)
        uid = sc.send_message(srv.smtp_port, message("for mailhog"), mail_from="sender@example.org",
                              rcpts=("rcpt@example.net",))
        f = ws.recv_json(timeout=5)
        check(f is not None, "a frame arrived")
        check_eq(f["ID"], uid, "MailHog item ID")
        check_eq(f["Content"]["Headers"]["Subject"], ["for mailhog"], "Content.Headers")
        check_eq(f["From"]["Mailbox"], "sender", "From path mailbox")
        check_eq(f["From"]["Domain"], "example.org", "From path domain")
        check_eq(f["To"][0]["Mailbox"], "rcpt", "To path")
        check("hello" in f["Content"]["Body"], "Content.Body")
        # MailHog clients get only new messages: no stats/update frames.
        hc.request(srv.http_port, "DELETE", "/api/v1/messages", b"")
        check(ws.recv_json(timeout=0.7) is None, "nothing else on the MailHog stream")


@case
def a_slow_client_is_dropped_while_others_are_served():
    srv = server()
    port = srv.http_port
    # The slow client reads nothing, with a tiny receive buffer: its queue must fill up.
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.settimeout(10)
    slow.connect(("127.0.0.1", port))
    slow.sendall(hc.http_request_bytes("GET", "/api/events", f"127.0.0.1:{port}", {
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13"}))
    check(slow.recv(12).startswith(b"HTTP/1.1 101"), "slow client upgraded")
    fast = hc.WebSocket(port, "/api/events")
    received = hc.NewIdCollector(fast)
    time.sleep(0.1)
    # Big subjects make big frames: the slow client's 8 MB queue overflows after ~100 of them
    # (plus what the kernel buffers).
    big = "S" * 60_000
    subject = "\r\n ".join(big[i:i + 900] for i in range(0, len(big), 900))
    n = 0
    dropped = False
    deadline = time.monotonic() + 120
    with sc.open_session(port=srv.smtp_port) as c:
        while time.monotonic() < deadline:
            c.cmd("MAIL FROM:<a@example.org>", 250)
            c.cmd("RCPT TO:<b@example.net>", 250)
            c.cmd("DATA", 354)
            c.send(sc.dot_stuff(f"From: a@example.org\r\nSubject: {n} {subject}\r\n\r\nx\r\n".encode()))
            c.expect(250)
            n += 1
            if n % 20 == 0 and "event=ws_dropped" in srv.log_text():
                dropped = True
                break
    check(dropped, f"slow client dropped after {n} big messages")
    received.wait_for(n, timeout=20)
    received.stop()
    check_eq(len(received.ids), n, "the reading client got every new frame")
    fast.close()
    # The dropped client's socket is closed by the server.
    slow.settimeout(10)
    closed = False
    try:
        while True:
            chunk = slow.recv(1 << 20)
            if not chunk:
                closed = True
                break
    except (ConnectionResetError, socket.timeout):
        closed = True
    slow.close()
    check(closed, "the slow client's connection was closed")


@case
def clean_shutdown_with_clients_connected():
    srv = server()
    clients = [hc.WebSocket(srv.http_port, "/api/events") for _ in range(5)]
    keep = hc.RawConn(srv.http_port)
    keep.send(hc.http_request_bytes("GET", "/livez", f"127.0.0.1:{srv.http_port}"))
    keep.read_response()
    sc.send_message(srv.smtp_port, message("before shutdown"))
    problems = srv.stop()
    check_eq(problems, [], "stopped cleanly with WebSocket and keep-alive clients connected")
    check_eq(srv.returncode, 0, "exit status")
    for ws in clients:
        ws.close()
    keep.close()


if __name__ == "__main__":
    main()
