#!/usr/bin/env python3
"""Release end to end through the API (issue 5, engine side): a mailjar with release
configured sends a captured message on to a receiver on loopback — a second mailjar (whose API
shows the bytes and envelope that arrived) or a scripted SMTP receiver that defers on cue — in
smart-host mode and in MX mode (MX records from a dnsmasq started here). Scenarios: delivery
with Bcc removed, Received added and the transcript in the deliveries log; 4xx at RCPT ->
deferred -> delivered on retry; a restart with a deferred delivery pending -> delivered exactly
once; policy refusals (not configured, not allowed, blocked) send nothing; MailHog's release
body; --relay-auto releases matching mail without delaying the SMTP 250; /api/v1/webui.
"""

import json
import os
import smtplib
import socket
import socketserver
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import http_client as http  # noqa: E402
from support import dnsmasq, mailjar  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402

HTTP = ["smtp", "http"]
_procs = []


def free_port(udp=False):
    for _ in range(100):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if not udp:
            return port
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
    raise RuntimeError("no free port")


def server(*flags, **kw):
    return mailjar.Server("--http", "127.0.0.1:0", *flags, expect=HTTP, **kw)


def relay_to(receiver_port, *flags, **kw):
    return server("--relay-host", f"127.0.0.1:{receiver_port}", "--relay-tls", "none", "--hostname", "jar.test",
                  *flags, **kw)


def api(srv, method, path, body=None):
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return http.request(srv.http_port, method, path, body=body,
                        headers={"Content-Type": "application/json"} if body is not None else None, timeout=60)


MESSAGE = (b"From: App <app@example.com>\r\nTo: Dev <dev@allowed.test>\r\nBcc: secret@allowed.test\r\n"
           b"Subject: release me\r\nMessage-ID: <orig-1@example.com>\r\n\r\nhello from the app\r\n")


def capture(srv, data=MESSAGE, rcpts=("dev@allowed.test",), mail_from="bounce@example.com"):
    with smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=30) as s:
        s.sendmail(mail_from, list(rcpts), data)
    r = api(srv, "GET", "/api/v1/messages")
    check_eq(r.status, 200, "list")
    return r.json()["messages"][0]["ID"]


def eventually(fn, what, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.1)


def received(srv):
    return api(srv, "GET", "/api/v1/messages").json()["messages"]


def deliveries(srv, uid):
    r = api(srv, "GET", f"/api/v1/message/{uid}/deliveries")
    check_eq(r.status, 200, "deliveries status")
    return r.json()["Deliveries"]


class Flaky(socketserver.ThreadingTCPServer):
    """SMTP receiver: RCPT of an address starting with "defer" gets 451 the first time it is
    seen, 250 afterwards; "reject*" always 550. Records every transaction; `greeting_delay`
    slows the banner (to prove a sender is not waiting on it)."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, greeting_delay=0.0):
        self.transactions = []
        self.seen = set()
        self.greeting_delay = greeting_delay
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), FlakyHandler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def delivered_to(self, addr):
        with self.lock:
            return sum(1 for _, rcpts, _ in self.transactions if addr in rcpts)

    def close(self):
        self.shutdown()
        self.server_close()


class FlakyHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        time.sleep(self.server.greeting_delay)
        self.reply("220 flaky.test ESMTP")
        mail_from, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-flaky.test\r\n250 8BITMIME\r\n")
            elif verb == "MAIL":
                mail_from, rcpts = cmd[cmd.index("<") + 1:cmd.index(">")], []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                addr = cmd[cmd.index("<") + 1:cmd.index(">")]
                with self.server.lock:
                    first = addr not in self.server.seen
                    self.server.seen.add(addr)
                if addr.startswith("reject"):
                    self.reply("550 5.1.1 no such user")
                elif addr.startswith("defer") and first:
                    self.reply("451 4.2.0 try again later")
                else:
                    rcpts.append(addr)
                    self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while True:
                    ln = self.rfile.readline()
                    if ln in (b".\r\n", b""):
                        break
                    data += ln
                with self.server.lock:
                    self.server.transactions.append((mail_from, list(rcpts), data))
                self.reply("250 2.0.0 queued")
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 5.5.2 unknown")


@case
def smart_host_release_end_to_end():
    receiver = server()
    jar = relay_to(receiver.smtp_port, "--relay-allowed-recipients", r"@allowed\.test$")
    uid = capture(jar)
    r = api(jar, "POST", f"/api/v1/message/{uid}/release", {"To": ["dev@allowed.test", "qa@allowed.test"]})
    check_eq((r.status, r.text()), (200, "ok"), "release answer")
    msgs = eventually(lambda: received(receiver), "the receiver to store the message")
    check_eq(len(msgs), 1, "one transaction for both recipients")
    got = api(receiver, "GET", f"/api/v1/message/{msgs[0]['ID']}").json()
    raw = api(receiver, "GET", f"/api/v1/message/{msgs[0]['ID']}/raw").text()
    check(raw.startswith("Received: from "), f"a Received line is prepended: {raw[:200]!r}")
    check("jar.test" in raw.split("\r\n\r\n")[0], "the Received line names --hostname")
    check("Bcc:" not in raw and "secret@allowed.test" not in raw, f"Bcc removed: {raw!r}")
    check("Message-ID: <orig-1@example.com>" in raw, "Message-ID kept")
    check("hello from the app" in raw, "body delivered")
    env = got.get("Envelope") or {}
    if env:
        check_eq(env.get("MailFrom"), "bounce@example.com", "envelope sender is the message's MAIL FROM")
        check_eq(sorted(env.get("RcptTo", [])), ["dev@allowed.test", "qa@allowed.test"], "envelope recipients")
    bcc = sorted(a["Address"] for a in got["Bcc"])  # envelope-only recipients show as Bcc
    check_eq(bcc, ["qa@allowed.test"], "the receiver saw both envelope recipients")

    ds = deliveries(jar, uid)
    check_eq(len(ds), 1, "one delivery")
    d = ds[0]
    check_eq((d["Mode"], d["From"]), ("relay", "bounce@example.com"), "delivery mode and sender")
    check_eq([(x["Address"], x["Status"], x["Attempts"]) for x in d["Recipients"]],
             [("dev@allowed.test", "delivered", 1), ("qa@allowed.test", "delivered", 1)], "recipients")
    check(d["Recipients"][0]["LastReply"].startswith("250"), "last reply recorded")
    check_eq(d["Recipients"][0]["NextAttempt"], None, "nothing scheduled")
    check_eq(len(d["Attempts"]), 1, "one attempt")
    a = d["Attempts"][0]
    check_eq(a["Address"], f"127.0.0.1:{receiver.smtp_port}", "address tried")
    texts = [(t["Dir"], t["Text"]) for t in a["Transcript"]]
    check(("C", "MAIL FROM:<bounce@example.com>") in texts or
          any(d_ == "C" and t.startswith("MAIL FROM:<bounce@example.com>") for d_, t in texts),
          f"transcript has MAIL FROM: {texts}")
    check(any(d_ == "S" and t.startswith("250") and "queued as" in t for d_, t in texts), "transcript has the 250")
    check(all(t["Time"] for t in a["Transcript"]), "every transcript line is timed")
    check_eq([x["Status"] for x in a["Recipients"]], ["delivered", "delivered"], "attempt recipients")


@case
def deferred_at_rcpt_then_delivered_on_retry():
    rx = Flaky()
    try:
        jar = relay_to(rx.port, "--relay-allow-any", "--relay-retry", "1s,1s")
        uid = capture(jar, rcpts=("defer-1@allowed.test",))
        r = api(jar, "POST", f"/api/v1/message/{uid}/release", {"To": ["defer-1@allowed.test", "ok@allowed.test"]})
        check_eq((r.status, r.text()), (200, "ok"), "a deferred recipient is not a failure")
        d = deliveries(jar, uid)[0]
        first = {x["Address"]: x for x in d["Recipients"]}
        check_eq(first["defer-1@allowed.test"]["Status"], "deferred", "deferred after 451")
        check(first["defer-1@allowed.test"]["LastReply"].startswith("451"), "451 recorded")
        check(first["defer-1@allowed.test"]["NextAttempt"] is not None, "next attempt scheduled")
        check_eq(first["ok@allowed.test"]["Status"], "delivered", "the other recipient delivered at once")

        def done():
            rs = {x["Address"]: x for x in deliveries(jar, uid)[0]["Recipients"]}
            return rs["defer-1@allowed.test"]["Status"] == "delivered" and rs
        rs = eventually(done, "the retry")
        check_eq(rs["defer-1@allowed.test"]["Attempts"], 2, "delivered on the second attempt")
        time.sleep(2.5)  # past the whole schedule: nothing is sent again
        check_eq(rx.delivered_to("defer-1@allowed.test"), 1, "deferred recipient delivered once")
        check_eq(rx.delivered_to("ok@allowed.test"), 1, "delivered recipient never sent again")
        check_eq(len(deliveries(jar, uid)[0]["Attempts"]), 2, "both attempts logged")
    finally:
        rx.close()


@case
def restart_with_a_deferred_delivery_pending_delivers_exactly_once():
    rx = Flaky()
    try:
        jar = relay_to(rx.port, "--relay-allow-any", "--relay-retry", "5s,5s")
        uid = capture(jar, rcpts=("defer-2@allowed.test",))
        r = api(jar, "POST", f"/api/v1/message/{uid}/release", {"To": ["defer-2@allowed.test"]})
        check_eq(r.status, 200, "release")
        check_eq(deliveries(jar, uid)[0]["Recipients"][0]["Status"], "deferred", "deferred before the restart")
        problems = jar.restart()  # SIGTERM, then the same database
        check(not problems, f"clean stop: {problems}")
        check_eq(rx.delivered_to("defer-2@allowed.test"), 0, "nothing delivered before the retry is due")
        check_eq(deliveries(jar, uid)[0]["Recipients"][0]["Status"], "deferred", "still deferred after the restart")
        eventually(lambda: rx.delivered_to("defer-2@allowed.test") == 1, "delivery after the restart")
        rs = deliveries(jar, uid)[0]["Recipients"]
        check_eq((rs[0]["Status"], rs[0]["Attempts"]), ("delivered", 2), "state after the retry")
        time.sleep(6)  # past the last retry time
        check_eq(rx.delivered_to("defer-2@allowed.test"), 1, "exactly once")
    finally:
        rx.close()


@case
def permanent_failure_is_a_400_naming_the_recipient():
    rx = Flaky()
    try:
        jar = relay_to(rx.port, "--relay-allow-any")
        uid = capture(jar)
        r = api(jar, "POST", f"/api/v1/message/{uid}/release", {"To": ["reject-me@allowed.test", "fine@allowed.test"]})
        check_eq(r.status, 400, "a permanent failure is reported")
        check_eq(r.text(), "reject-me@allowed.test: 550 5.1.1 no such user", "one line per failed recipient")
        check_eq(rx.delivered_to("fine@allowed.test"), 1, "the other recipient still delivered")
        rs = {x["Address"]: x["Status"] for x in deliveries(jar, uid)[0]["Recipients"]}
        check_eq(rs, {"reject-me@allowed.test": "failed", "fine@allowed.test": "delivered"}, "statuses")
    finally:
        rx.close()


@case
def policy_refusals_send_nothing():
    receiver = server()
    off = server()
    uid = capture(off)
    r = api(off, "POST", f"/api/v1/message/{uid}/release", {"To": ["dev@allowed.test"]})
    check_eq((r.status, r.text()), (400, "release is not configured"), "release off")
    check_eq(api(off, "GET", f"/api/v1/message/{uid}/deliveries").json(), {"Deliveries": []}, "no deliveries")

    jar = relay_to(receiver.smtp_port, "--relay-allowed-recipients", r"@allowed\.test$",
                   "--relay-blocked-recipients", "^ceo@")
    uid = capture(jar)
    r = api(jar, "POST", f"/api/v1/message/{uid}/release", {"To": ["dev@allowed.test", "x@elsewhere.test"]})
    check_eq((r.status, r.text()), (400, "x@elsewhere.test: not allowed by --relay-allowed-recipients"), "not allowed")
    r = api(jar, "POST", f"/api/v1/message/{uid}/release", {"To": ["ceo@allowed.test"]})
    check_eq((r.status, r.text()), (400, "ceo@allowed.test: blocked by --relay-blocked-recipients"), "blocked")
    check_eq(api(jar, "POST", f"/api/v1/message/{uid}/release", {"To": "x"}).status, 400, "bad body")
    check_eq(api(jar, "POST", "/api/v1/message/" + "Z" * 22 + "/release", {"To": ["dev@allowed.test"]}).status,
             404, "unknown message")
    time.sleep(0.5)
    check_eq(received(receiver), [], "nothing was sent")
    check_eq(deliveries(jar, uid), [], "nothing was recorded")
    # Start-up: release without a recipient rule is refused with one line.
    r = subprocess.run([mailjar.binary(), "--relay-host", "127.0.0.1:25", "--db", os.path.join(mailjar.temp_dir(), "x.db")],
                       capture_output=True, timeout=30)
    check_eq(r.returncode, 2, "start-up refused")
    check_eq(r.stderr.decode().strip(), "mailjar: release needs --relay-allowed-recipients REGEX or --relay-allow-any",
             "one clear line")


@case
def mailhog_release_body_delivers_to_the_given_host():
    receiver = server()
    jar = relay_to(free_port(), "--relay-allowed-recipients", r"@allowed\.test$")  # configured host is dead
    uid = capture(jar)
    body = {"Host": "127.0.0.1", "Port": str(receiver.smtp_port), "Email": "dev@allowed.test",
            "Username": "", "Password": "", "Mechanism": ""}
    r = api(jar, "POST", f"/api/v1/messages/{uid}/release", body)
    check_eq((r.status, r.text()), (200, "ok"), "MailHog release")
    msgs = eventually(lambda: received(receiver), "the MailHog release to arrive")
    check_eq(msgs[0]["To"][0]["Address"], "dev@allowed.test", "delivered")
    body["Email"] = "x@elsewhere.test"
    r = api(jar, "POST", f"/api/v1/messages/{uid}/release", body)
    check_eq(r.status, 400, "recipient policy applies to MailHog releases")
    ds = deliveries(jar, uid)
    check_eq(len(ds), 1, "one delivery logged")
    check_eq(ds[0]["Attempts"][0]["Address"], f"127.0.0.1:{receiver.smtp_port}", "the one-off host was used")


@case
def relay_auto_releases_matching_mail_without_delaying_the_250():
    rx = Flaky(greeting_delay=2.0)  # a slow receiver: relaying inline would hold the client 2 s
    try:
        jar = relay_to(rx.port, "--relay-allow-any", "--relay-auto", "subject:auto")
        t0 = time.monotonic()
        capture(jar, data=b"From: a@example.com\r\nTo: auto1@allowed.test\r\nSubject: auto please\r\n\r\nx\r\n",
                rcpts=("auto1@allowed.test",))
        elapsed = time.monotonic() - t0
        check(elapsed < 1.5, f"the 250 came after {elapsed:.2f}s")
        capture(jar, data=b"From: a@example.com\r\nTo: manual@allowed.test\r\nSubject: keep me\r\n\r\nx\r\n",
                rcpts=("manual@allowed.test",))
        eventually(lambda: rx.delivered_to("auto1@allowed.test") == 1, "the auto release")
        time.sleep(1)
        check_eq(rx.delivered_to("manual@allowed.test"), 0, "non-matching mail is not released")
    finally:
        rx.close()


@case
def webui_shows_the_release_settings():
    jar = relay_to(4242, "--relay-allowed-recipients", r"@allowed\.test$", "--relay-blocked-recipients", "^ceo@",
                   "--relay-return-path", "bounces@jar.test")
    mr = api(jar, "GET", "/api/v1/webui").json()["MessageRelay"]
    check_eq((mr["Enabled"], mr["SMTPServer"], mr["Mode"]), (True, "127.0.0.1:4242", "relay"), "relay settings")
    check_eq((mr["AllowedRecipients"], mr["BlockedRecipients"]), (r"@allowed\.test$", "^ceo@"), "rules")
    check_eq((mr["ReturnPath"], mr["PreserveMessageIDs"]), ("bounces@jar.test", True), "return path, ids")
    off = server()
    check_eq(api(off, "GET", "/api/v1/webui").json()["MessageRelay"]["Enabled"], False, "off by default")


# -- MX mode -------------------------------------------------------------------------------------
class Dns:
    """dnsmasq on 127.0.0.1:<free port>: mx.release.test -> 127.0.0.1; nothing else."""

    def __init__(self):
        self.port = free_port(udp=True)
        self.log = os.path.join(mailjar.temp_dir("release-dns-"), "dnsmasq.log")
        self.proc = dnsmasq.start(self.port, [
            "--mx-host=release.test,mx.release.test,10", "--host-record=mx.release.test,127.0.0.1",
            "--mx-host=other.test,mx.other.test,10", "--host-record=mx.other.test,127.0.0.1"], self.log)
        _procs.append(self.proc)
        eventually(lambda: self.proc.poll() is not None or "started" in open(self.log, errors="replace").read(),
                   "dnsmasq to start", timeout=10)
        check(self.proc.poll() is None, "dnsmasq exited: " + open(self.log, errors="replace").read())


@case
def mx_mode_end_to_end_one_transaction_per_domain():
    dns = Dns()
    mx_port = free_port()
    receiver = server("--smtp", f"127.0.0.1:{mx_port}")
    jar = server("--relay-mx", "--dns-server", f"127.0.0.1:{dns.port}", "--mx-port", str(mx_port),
                 "--relay-allowed-recipients", r"@(release|other)\.test$", "--hostname", "jar.test")
    uid = capture(jar)
    r = api(jar, "POST", f"/api/v1/message/{uid}/release",
            {"To": ["a@release.test", "b@other.test", "c@release.test"]})
    check_eq((r.status, r.text()), (200, "ok"), "MX release")
    msgs = eventually(lambda: len(received(receiver)) == 2 and received(receiver), "two transactions")
    rcpts = sorted(sorted(a["Address"] for a in m["To"] + m["Bcc"] if a["Address"] != "dev@allowed.test")
                   for m in msgs)
    check_eq(rcpts, [["a@release.test", "c@release.test"], ["b@other.test"]], "one transaction per domain")
    d = deliveries(jar, uid)[0]
    check_eq(d["Mode"], "mx", "mode")
    check_eq(len(d["Attempts"]), 2, "two sessions")
    check_eq(sorted(a["Host"] for a in d["Attempts"]), ["mx.other.test", "mx.release.test"], "MX hosts logged")
    check(all(x["Status"] == "delivered" for x in d["Recipients"]), "all delivered")


def _stop_procs():
    for p in _procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    try:
        main()
    finally:
        _stop_procs()
