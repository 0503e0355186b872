#!/usr/bin/env python3
"""Browser-facing security of the HTTP listener over real sockets: Host (DNS rebinding),
Origin on mutations and WebSocket upgrades (CSRF / CSWSH, Mailpit CVE-2026-22689 and its
/%61pi/events bypass), --cors-origin with preflight, basic auth (plain, SHA-512 crypt, bcrypt
htpasswd file). Every refusal is checked to have changed nothing."""

import base64
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402

HTTP = ["smtp", "http"]
EVIL = "http://evil.test"


def server(*flags):
    return mailjar.Server("--http", "127.0.0.1:0", *flags, expect=HTTP)


def message(subject):
    return f"From: a@example.org\r\nTo: b@example.net\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()


def listing(port, headers=None):
    r = hc.request(port, "GET", "/api/v1/messages", headers=headers)
    check_eq(r.status, 200, f"list: {r!r}")
    return r.json()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@case
def wrong_host_is_refused_and_changes_nothing():
    srv = server()
    port = srv.http_port
    uid = sc.send_message(srv.smtp_port, message("rebinding"))
    for host in ("evil.test", f"evil.test:{port}", "localhost.evil.test", "192.168.77.1"):
        r = hc.request(port, "GET", "/api/v1/messages", host=host)
        check_eq(r.status, 403, f"GET with Host {host}")
        check("--http-allow-host" in r.text(), "the refusal says how to allow it")
        r = hc.request(port, "DELETE", "/api/v1/messages", b"", host=host)
        check_eq(r.status, 403, f"DELETE with Host {host}")
        r = hc.request(port, "PUT", "/%61pi/v1/messages", json.dumps({"Read": True}), host=host)
        check_eq(r.status, 403, f"encoded PUT with Host {host}")
    data = listing(port)
    check_eq(data["messages_count"], 1, "nothing deleted")
    check_eq(data["unread"], 1, "nothing marked read")
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost", f"app.localhost:{port}"):
        check_eq(hc.request(port, "GET", "/api/v1/messages", host=host).status, 200, f"loopback Host {host}")
    with hc.RawConn(port) as c:  # HTTP/1.1 requires a Host header
        c.send("GET /api/v1/messages HTTP/1.1\r\n\r\n")
        check_eq(c.read_response().status, 400, "no Host header")
    with hc.RawConn(port) as c:
        c.send(f"GET /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.test\r\n\r\n")
        check_eq(c.read_response().status, 400, "two Host headers")
    try:
        hc.WebSocket(port, "/api/events", host="evil.test")
        check(False, "WebSocket with a foreign Host must be refused")
    except hc.WebSocketError as e:
        check_eq(e.status, 403, "WebSocket with a foreign Host")
    check(hc.request(port, "GET", f"/api/v1/message/{uid}").status == 200, "message intact")


@case
def allow_host_widens_the_host_rule():
    srv = server("--http-allow-host", "mail.dev.test,.corp.test")
    port = srv.http_port
    check_eq(hc.request(port, "GET", "/livez", host=f"mail.dev.test:{port}").status, 200, "listed name")
    check_eq(hc.request(port, "GET", "/livez", host="x.corp.test").status, 200, "listed domain")
    check_eq(hc.request(port, "GET", "/livez", host="evil.test").status, 403, "other names still refused")


@case
def cross_origin_mutations_are_refused_and_change_nothing():
    srv = server()
    port = srv.http_port
    host = f"localhost:{port}"
    uid = sc.send_message(srv.smtp_port, message("csrf target"))
    attempts = [
        ("PUT", "/api/v1/messages", {"Read": True}),
        ("PUT", "/%61pi/v1/messages", {"Read": True}),
        ("DELETE", "/api/v1/messages", {"IDs": [uid]}),
        ("DELETE", "/%61pi/v1/messages", None),
        ("DELETE", "//api//v1//messages", None),
        ("DELETE", "/api/v1/search?query=csrf", None),
        ("PUT", "/api/v1/tags", {"IDs": [uid], "Tags": ["pwned"]}),
        ("POST", "/api/v1/send", {"From": {"Email": "x@evil.test"}, "To": [{"Email": "y@example.net"}],
                                  "Subject": "forged"}),
    ]
    for origin in (EVIL, "null", f"http://localhost:{port + 1}", f"https://localhost:{port}.evil.test"):
        for method, path, body in attempts:
            payload = json.dumps(body).encode() if body is not None else b""
            r = hc.request(port, method, path, payload, {"Origin": origin, "Content-Type": "application/json"},
                           host=host)
            check_eq(r.status, 403, f"{method} {path} from Origin {origin}")
            check(r.header("access-control-allow-origin") is None, "no CORS grant on a refusal")
    # Fetch Metadata without Origin (a proxy stripped it) is refused too.
    r = hc.request(port, "DELETE", "/api/v1/messages", b"", {"Sec-Fetch-Site": "cross-site"}, host=host)
    check_eq(r.status, 403, "Sec-Fetch-Site: cross-site without Origin")
    data = listing(port)
    check_eq(data["messages_count"], 1, "nothing deleted, nothing sent")
    check_eq(data["unread"], 1, "nothing marked read")
    check(hc.request(port, "GET", f"/api/v1/message/{uid}").json()["Tags"] == [], "no tags set")

    # The same requests from the UI's own origin (or from curl, with no Origin) work.
    r = hc.request(port, "PUT", "/api/v1/messages", json.dumps({"IDs": [uid], "Read": True}),
                   {"Origin": f"http://localhost:{port}", "Content-Type": "application/json"}, host=host)
    check_eq(r.status, 200, f"same-origin PUT: {r!r}")
    check_eq(listing(port)["unread"], 0, "same-origin PUT applied")
    r = hc.request(port, "DELETE", "/api/v1/messages", json.dumps({"IDs": [uid]}),
                   {"Content-Type": "application/json"}, host=host)
    check_eq(r.status, 200, "DELETE without Origin (non-browser client)")
    check_eq(listing(port)["messages_count"], 0, "deleted")


@case
def websocket_upgrade_checks_origin_on_the_normalised_path():
    srv = server()
    port = srv.http_port
    host = f"localhost:{port}"
    for path in ("/api/events", "/%61pi/events", "/%61%70%69/%65%76%65%6e%74%73", "//api//events",
                 "/api/./events", "/api/v2/websocket", "/%61pi/v2/websocket"):
        for origin in (EVIL, "null", f"http://localhost:{port + 1}"):
            try:
                ws = hc.WebSocket(port, path, host=host, origin=origin)
                ws.close()
                check(False, f"upgrade on {path} from {origin} must be refused")
            except hc.WebSocketError as e:
                check_eq(e.status, 403, f"upgrade on {path} from {origin}")
    check("reason=origin" in srv.log_text(), "refusals are logged")
    for path in ("/api/events", "/%61pi/events", "/api/v2/websocket"):
        with hc.WebSocket(port, path, host=host, origin=f"http://localhost:{port}") as ws:
            check_eq(ws.status, 101, f"same-origin upgrade on {path}")
    with hc.WebSocket(port, "/api/events") as ws:
        check_eq(ws.status, 101, "upgrade without Origin (non-browser client)")
    try:
        hc.WebSocket(port, "/api/v1/messages", host=host)
        check(False, "no WebSocket outside the two endpoints")
    except hc.WebSocketError as e:
        check_eq(e.status, 404, "upgrade on another path")


@case
def cors_origins_get_headers_and_preflight():
    app = "http://app.test:3000"
    srv = server("--cors-origin", app)
    port = srv.http_port
    host = f"localhost:{port}"
    uid = sc.send_message(srv.smtp_port, message("cors"))
    pre = hc.request(port, "OPTIONS", "/api/v1/messages", None,
                     {"Origin": app, "Access-Control-Request-Method": "DELETE",
                      "Access-Control-Request-Headers": "content-type"}, host=host)
    check_eq(pre.status, 204, f"preflight: {pre!r}")
    check_eq(pre.header("access-control-allow-origin"), app, "preflight ACAO")
    check("DELETE" in pre.header("access-control-allow-methods", ""), "preflight methods")
    check("content-type" in pre.header("access-control-allow-headers", "").lower(), "preflight headers")
    bad = hc.request(port, "OPTIONS", "/api/v1/messages", None,
                     {"Origin": EVIL, "Access-Control-Request-Method": "DELETE"}, host=host)
    check_eq(bad.status, 403, "preflight from an unlisted origin")
    check(bad.header("access-control-allow-origin") is None, "no ACAO for an unlisted origin")

    r = hc.request(port, "GET", "/api/v1/messages", None, {"Origin": app}, host=host)
    check_eq(r.header("access-control-allow-origin"), app, "ACAO on a listed origin's GET")
    check("origin" in r.header("vary", "").lower(), "Vary: Origin")
    r = hc.request(port, "GET", "/api/v1/messages", None, {"Origin": EVIL}, host=host)
    check(r.header("access-control-allow-origin") is None, "no ACAO for others")
    r = hc.request(port, "PUT", "/api/v1/messages", json.dumps({"IDs": [uid], "Read": True}),
                   {"Origin": app, "Content-Type": "application/json"}, host=host)
    check_eq(r.status, 200, "listed origin may mutate")
    r = hc.request(port, "DELETE", "/api/v1/messages", json.dumps({"IDs": [uid]}), {"Origin": EVIL}, host=host)
    check_eq(r.status, 403, "unlisted origin still refused")
    with hc.WebSocket(port, "/api/events", host=host, origin=app) as ws:
        check_eq(ws.status, 101, "listed origin may open the event stream")


@case
def basic_auth_plain_and_hashed():
    # htpasswd-style file: SHA-512 crypt made by openssl, bcrypt made with libxcrypt
    # (python3 -c "import crypt; print(crypt.crypt('s3cret', '$2b$05$abcdefghijklmnopqrstuu'))").
    sha512 = subprocess.run(["openssl", "passwd", "-6", "-salt", "mailjarsalt", "wonder"], capture_output=True,
                            check=True).stdout.decode().strip()
    bcrypt = "$2b$05$abcdefghijklmnopqrstuuLK7U1u6pVRmL7L1BBM2aS35PSZnDXlK"
    path = os.path.join(mailjar.temp_dir(), "htpasswd")
    with open(path, "w") as f:
        f.write(f"# users\nalice:{sha512}\nbob:{bcrypt}\n")
    srv = server("--http-auth-file", path, "--http-auth", "carol:plain:pw")
    port = srv.http_port
    uid = sc.send_message(srv.smtp_port, message("auth"))
    r = hc.request(port, "GET", "/api/v1/messages")
    check_eq(r.status, 401, "no credentials")
    check(r.header("www-authenticate", "").startswith("Basic realm="), "challenge")
    for user, pw in (("alice", "wrong"), ("bob", "S3cret"), ("carol", "plain"), ("nobody", "x"), ("alice", "")):
        check_eq(hc.request(port, "GET", "/api/v1/messages", headers={"Authorization": basic(user, pw)}).status,
                 401, f"{user}:{pw}")
    r = hc.request(port, "DELETE", "/api/v1/messages", b"", {"Authorization": basic("alice", "nope")})
    check_eq(r.status, 401, "DELETE with wrong password")
    for user, pw in (("alice", "wonder"), ("bob", "s3cret"), ("carol", "plain:pw")):
        r = hc.request(port, "GET", "/api/v1/messages", headers={"Authorization": basic(user, pw)})
        check_eq(r.status, 200, f"{user} authenticated")
        check_eq(r.json()["messages_count"], 1, "nothing was deleted by the refused DELETE")
    check_eq(hc.request(port, "GET", "/livez").status, 200, "health checks need no credentials")
    check_eq(hc.request(port, "GET", f"/api/v1/message/{uid}/raw").status, 401, "raw needs credentials")
    try:
        hc.WebSocket(port, "/api/events")
        check(False, "WebSocket without credentials must be refused")
    except hc.WebSocketError as e:
        check_eq(e.status, 401, "WebSocket without credentials")
    with hc.WebSocket(port, "/api/events", headers={"Authorization": basic("bob", "s3cret")}) as ws:
        check_eq(ws.status, 101, "WebSocket with credentials")


@case
def unsupported_password_hashes_stop_start_up():
    path = os.path.join(mailjar.temp_dir(), "htpasswd")
    with open(path, "w") as f:
        f.write("alice:$apr1$abcdefgh$0123456789abcdefghijk.\n")
    r = mailjar.run_cli(["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--http-auth-file", path])
    check(r.returncode != 0, "refused at start-up")
    check(b"htpasswd -B" in r.stderr, f"says what to use instead: {r.stderr!r}")


if __name__ == "__main__":
    main()
