#!/usr/bin/env python3
"""The HTTP adapter over real sockets: listener log line, keep-alive, pipelining (in order, in
sequence, bounded), body and header limits (413/431, /api/v1/send sized like SMTP), malformed
requests and targets (400), Expect: 100-continue, HEAD, gzip, --webroot, TLS."""

import gzip
import http.client
import json
import os
import socket
import ssl
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import certs  # noqa: E402
from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402

HTTP = ["smtp", "http"]


def server(*flags):
    return mailjar.Server("--http", "127.0.0.1:0", *flags, expect=HTTP)


def shared():
    s = mailjar.shared_server("--http", "127.0.0.1:0")
    if "http" not in s.listeners:
        deadline = time.monotonic() + 10
        while "http" not in s.listeners and time.monotonic() < deadline:
            s._read_listeners()
            time.sleep(0.02)
    return s


def message(subject, body="hello\r\n"):
    return f"From: a@example.org\r\nTo: b@example.net\r\nSubject: {subject}\r\n\r\n{body}".encode()


def count(port):
    r = hc.request(port, "GET", "/api/v1/messages?limit=1")
    check_eq(r.status, 200, f"list: {r!r}")
    return r.json()["messages_count"]


@case
def listener_logs_its_address_and_serves_health():
    srv = server()
    line = [ln for ln in srv.log_text().splitlines() if "listener=http" in ln]
    check(len(line) == 1 and "event=listening" in line[0], f"one listening line for http: {line}")
    kv = mailjar.parse_kv(line[0])
    check_eq(kv["addr"], f"127.0.0.1:{srv.http_port}", "logged address")
    r = hc.request(srv.http_port, "GET", "/livez")
    check_eq(r.status, 200, "livez")
    check_eq(r.header("x-content-type-options"), "nosniff", "nosniff on every response")
    check_eq(r.header("server"), "mailjar", "Server header")
    check_eq(hc.request(srv.http_port, "GET", "/no/such/route").header("x-content-type-options"), "nosniff",
             "nosniff on 404")


@case
def keep_alive_serves_many_requests_on_one_connection():
    srv = shared()
    with hc.RawConn(srv.http_port) as c:
        for i in range(25):
            c.send(hc.http_request_bytes("GET", "/livez" if i % 2 else "/api/v1/messages?limit=1",
                                         f"127.0.0.1:{srv.http_port}"))
            r = c.read_response()
            check_eq(r.status, 200, f"request {i} on the same connection")
            check(r.header("connection", "").lower() != "close", f"server kept the connection open: {r.headers}")
        # Connection: close is honoured.
        c.send(hc.http_request_bytes("GET", "/livez", f"127.0.0.1:{srv.http_port}", {"Connection": "close"}))
        r = c.read_response()
        check_eq(r.status, 200, "last request")
        check(c.closed_by_peer(), "server closes after Connection: close")
    # HTTP/1.0 without keep-alive closes after one response.
    with hc.RawConn(srv.http_port) as c:
        c.send(f"GET /livez HTTP/1.0\r\nHost: 127.0.0.1:{srv.http_port}\r\n\r\n")
        r = c.read_response()
        check_eq(r.status, 200, "HTTP/1.0")
        check(c.closed_by_peer(), "HTTP/1.0 connection closed after the response")


@case
def pipelined_requests_take_effect_in_order():
    srv = server()
    port = srv.http_port
    host = f"127.0.0.1:{port}"
    uid = sc.send_message(srv.smtp_port, message("pipelined"))
    body = json.dumps({"IDs": [uid]}).encode()
    data = (hc.http_request_bytes("GET", "/api/v1/messages", host) +
            hc.http_request_bytes("DELETE", "/api/v1/messages", host, {"Content-Type": "application/json"}, body) +
            hc.http_request_bytes("GET", "/api/v1/messages", host) +
            hc.http_request_bytes("GET", "/livez", host))
    with hc.RawConn(port) as c:
        c.send(data)  # one write: the server reads ahead and must still answer in order
        first, deleted, after, live = (c.read_response() for _ in range(4))
    check_eq(first.status, 200, "first GET")
    check_eq(first.json()["messages_count"], 1, "before the pipelined DELETE")
    check_eq(deleted.status, 200, f"DELETE: {deleted!r}")
    check_eq(after.json()["messages_count"], 0, "the GET after the DELETE sees it (sequential)")
    check_eq(live.status, 200, "last")


@case
def long_pipelines_are_all_answered():
    srv = shared()
    host = f"127.0.0.1:{srv.http_port}"
    n = 300  # far beyond the read-ahead limit: the server stops reading, then resumes
    paths = [f"/livez?n={i}" if i % 3 else f"/api/v1/messages?limit=1&start={i}" for i in range(n)]
    with hc.RawConn(srv.http_port) as c:
        c.send(b"".join(hc.http_request_bytes("GET", p, host) for p in paths))
        for i, p in enumerate(paths):
            r = c.read_response()
            check_eq(r.status, 200, f"response {i} ({p})")
            if "messages" in p:
                check_eq(r.json()["start"], i, f"response {i} answers request {i}")


@case
def bodies_over_the_limit_get_413_and_nothing_changes():
    srv = server("--http-max-body", "4K", "--smtp-max-message-size", "64K")
    port = srv.http_port
    host = f"127.0.0.1:{port}"
    uid = sc.send_message(srv.smtp_port, message("keep me"))
    # Declared too large: refused after the headers, before the body is read.
    with hc.RawConn(port) as c:
        c.send(f"DELETE /api/v1/messages HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {6 * 1024 * 1024}\r\n\r\n")
        r = c.read_response()
        check_eq(r.status, 413, "declared 6 MB body")
        check(c.closed_by_peer(), "connection closed after 413 (the body was not read)")
    # Sent in full (what fetch/axios do): the 413 must still be readable, not lost to a reset.
    for _ in range(3):
        with hc.RawConn(port) as c:
            c.send(f"PUT /api/v1/messages HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {300 * 1024}\r\n\r\n".encode() + b"[" * (300 * 1024))
            check_eq(c.read_response().status, 413, "300 KB body sent in full")
    # Chunked, growing past the limit while being read.
    with hc.RawConn(port) as c:
        c.send(f"PUT /api/v1/messages HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 1024
        try:
            for _ in range(8):
                c.send(b"400\r\n" + chunk + b"\r\n")
        except OSError:
            pass
        r = c.read_response()
        check_eq(r.status, 413, "chunked body past the limit")
    check_eq(count(port), 1, "nothing deleted")
    r = hc.request(port, "GET", f"/api/v1/message/{uid}")
    check_eq(r.status, 200, "message still there")

    # /api/v1/send takes bodies the size of a message, not of an API call.
    mid = json.dumps({"From": {"Email": "a@example.org"}, "To": [{"Email": "b@example.net"}], "Subject": "big",
                      "Text": "y" * 20000}).encode()
    r = hc.request(port, "POST", "/api/v1/send", mid, {"Content-Type": "application/json"})
    check(r.status != 413, f"20 KB /api/v1/send accepted past --http-max-body: {r!r}")
    huge = b'{"Text":"' + b"z" * (200 * 1024) + b'"}'
    r = hc.request(port, "POST", "/api/v1/send", huge, {"Content-Type": "application/json"})
    check_eq(r.status, 413, "200 KB /api/v1/send over the 64K message size")


@case
def expect_100_continue_is_answered():
    srv = shared()
    host = f"127.0.0.1:{srv.http_port}"
    body = json.dumps({"IDs": ["doesnotexist0000000000"], "Read": True}).encode()
    with hc.RawConn(srv.http_port) as c:
        c.send(f"PUT /api/v1/messages HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n")
        interim = c.read_response()
        check_eq(interim.status, 100, "interim 100 Continue before the body is sent")
        c.send(body)
        final = c.read_response()
        check(final.status in (200, 404), f"final response after the body: {final!r}")


@case
def oversized_headers_and_malformed_requests_get_4xx():
    srv = shared()
    host = f"127.0.0.1:{srv.http_port}"
    with hc.RawConn(srv.http_port) as c:
        c.send(f"GET /livez HTTP/1.1\r\nHost: {host}\r\nX-Big: {'a' * 20000}\r\n\r\n")
        check_eq(c.read_response().status, 431, "20 KB header")
    for raw in (f"GET /livez HTTP/1.1\r\nHost: {host}\r\nContent-Length: abc\r\n\r\n",
                "HELLO WORLD\r\n\r\n",
                f"GET /livez HTTP/9.9\r\nHost: {host}\r\n\r\n",
                f"GET /livez HTTP/1.1\r\nHost: {host}\r\nBad Header Name: x\r\n\r\n",
                f"GET /livez HTTP/1.1\nHost: {host}\n\n",
                # Request smuggling shapes: both framings, two lengths, a space before the colon.
                f"POST /api/v1/send HTTP/1.1\r\nHost: {host}\r\nContent-Length: 4\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                f"POST /api/v1/send HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
                f"POST /api/v1/send HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"):
        with hc.RawConn(srv.http_port) as c:
            c.send(raw)
            r = c.read_response()
            check_eq(r.status, 400, f"malformed request {raw[:40]!r}")
    for te in ("gzip, chunked", "identity", "chunked, chunked"):
        with hc.RawConn(srv.http_port) as c:
            c.send(f"POST /api/v1/send HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: {te}\r\n\r\n0\r\n\r\n")
            check_eq(c.read_response().status, 501, f"Transfer-Encoding: {te}")
    # The server is still fine.
    check_eq(hc.request(srv.http_port, "GET", "/livez").status, 200, "still serving")


@case
def path_tricks_are_400_and_never_routed():
    srv = server()
    port = srv.http_port
    uid = sc.send_message(srv.smtp_port, message("path tricks"))
    for target in (f"/api/v1/message/{uid}/../../messages", "/api/v1%2fmessages", "/api/v1%5Cmessages",
                   "/api\\v1\\messages", "/api/v1/messages%00", "/api/%2e%2e/api/v1/messages",
                   "/api/v1/messages%0d%0aX-Injected:%201", "/api/v1/messages?query=%ff"):
        for method in ("GET", "DELETE"):
            with hc.RawConn(port) as c:
                c.send(hc.http_request_bytes(method, target, f"127.0.0.1:{port}"))
                r = c.read_response()
                check_eq(r.status, 400, f"{method} {target}")
                check("x-injected" not in r.headers, "no header injection")
    check_eq(count(port), 1, "nothing deleted by any of them")
    # Spellings that are merely encoded route like the plain path.
    r = hc.request(port, "GET", "/%61pi/v1/messages")
    check_eq(r.status, 200, "/%61pi/v1/messages")
    check_eq(r.json()["messages_count"], 1, "same answer as /api/v1/messages")
    check_eq(hc.request(port, "GET", "//api//v1//messages").status, 200, "doubled slashes collapse")


@case
def head_is_get_without_a_body():
    srv = shared()
    host = f"127.0.0.1:{srv.http_port}"
    with hc.RawConn(srv.http_port) as c:
        c.send(hc.http_request_bytes("GET", "/api/v1/messages", host))
        got = c.read_response()
        c.send(hc.http_request_bytes("HEAD", "/api/v1/messages", host))
        head = c.read_response(head=True)
        check_eq(head.status, 200, "HEAD status")
        check_eq(head.header("content-length"), str(len(got.body)), "HEAD Content-Length is GET's")
        # No body bytes followed: the next response parses cleanly.
        c.send(hc.http_request_bytes("GET", "/livez", host))
        check_eq(c.read_response().status, 200, "next request after HEAD")


@case
def large_json_is_gzipped_when_accepted():
    srv = server()
    port = srv.http_port
    for i in range(25):
        sc.send_message(srv.smtp_port, message(f"gzip test {i} " + "lorem ipsum " * 10))
    plain = hc.request(port, "GET", "/api/v1/messages")
    check_eq(plain.status, 200, "plain list")
    check(len(plain.body) > 1024, "list is over 1 KB")
    check(plain.header("content-encoding") is None, "no gzip without Accept-Encoding")
    z = hc.request(port, "GET", "/api/v1/messages", headers={"Accept-Encoding": "gzip, deflate"})
    check_eq(z.header("content-encoding"), "gzip", "gzip when accepted")
    check("accept-encoding" in z.header("vary", "").lower(), "Vary: Accept-Encoding")
    check(len(z.body) < len(plain.body) / 2, f"compressed {len(z.body)} < {len(plain.body)}")
    check_eq(json.loads(gzip.decompress(z.body)), plain.json(), "gzip body inflates to the same JSON")
    small = hc.request(port, "GET", "/livez", headers={"Accept-Encoding": "gzip"})
    check(small.header("content-encoding") is None, "small bodies are not compressed")


@case
def webroot_prefixes_every_route():
    srv = server("--webroot", "/mail/")
    port = srv.http_port
    check_eq(hc.request(port, "GET", "/mail/livez").status, 200, "/mail/livez")
    check_eq(hc.request(port, "GET", "/mail/api/v1/messages").status, 200, "/mail/api/v1/messages")
    check_eq(hc.request(port, "GET", "/%6dail/api/v1/messages").status, 200, "encoded prefix")
    check_eq(hc.request(port, "GET", "/api/v1/messages").status, 404, "outside the webroot")
    check_eq(hc.request(port, "GET", "/livez").status, 404, "health outside the webroot")
    r = hc.request(port, "GET", "/mail")
    check_eq(r.status, 308, "prefix without slash redirects")
    check_eq(r.header("location"), "/mail/", "Location")
    with hc.WebSocket(port, "/mail/api/events") as ws:
        check_eq(ws.status, 101, "WebSocket under the webroot")


@case
def https_listener_with_certificate_files():
    cert, key = certs.make_cert()
    srv = server("--http-tls-cert", cert, "--http-tls-key", key)
    port = srv.http_port
    r = hc.request(port, "GET", "/api/v1/messages", tls=True)
    check_eq(r.status, 200, "HTTPS request")
    check(r.header("x-content-type-options") == "nosniff", "headers over TLS")
    # Keep-alive over TLS.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    for _ in range(5):
        check_eq(hc.request(port, "GET", "/livez", conn=conn).status, 200, "TLS keep-alive")
    conn.close()
    # Plain HTTP on the TLS port gets nowhere.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET /livez HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        try:
            data = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            data = b""
        check(not data.startswith(b"HTTP/1.1 200"), f"no plaintext answer on the TLS port: {data[:60]!r}")
    with _tls_ws(port) as upgraded:
        check(upgraded, "WebSocket over TLS upgraded (101)")


class _tls_ws:
    """wss:// handshake check with the stdlib ssl module."""

    def __init__(self, port):
        self.port = port

    def __enter__(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.s = ctx.wrap_socket(raw)
        self.s.sendall((f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.startswith(b"HTTP/1.1 101")

    def __exit__(self, *exc):
        self.s.close()


@case
def bad_http_flags_fail_start_up_with_one_line():
    for args, what in ((["--http", "127.0.0.1:70000"], "bad port"),
                       (["--webroot", "/../x"], "webroot"),
                       (["--http-tls-cert", "/nonexistent.pem", "--http-tls-key", "/nonexistent.key"], "cert")):
        r = mailjar.run_cli(["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0"] + args
                            if args[0] != "--http" else ["--smtp", "127.0.0.1:0"] + args)
        check(r.returncode != 0, f"{what}: non-zero exit")
        err = r.stderr.decode().strip().splitlines()
        check(len(err) == 1 and err[0].startswith("mailjar: "), f"{what}: one clear line, got {err}")
    # Port in use.
    srv = shared()
    r = mailjar.run_cli(["--smtp", "127.0.0.1:0", "--http", f"127.0.0.1:{srv.http_port}"])
    check(r.returncode != 0, "HTTP port in use: non-zero exit")
    check(b"cannot listen" in r.stderr, f"says why: {r.stderr!r}")


if __name__ == "__main__":
    main()
