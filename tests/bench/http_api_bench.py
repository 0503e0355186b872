#!/usr/bin/env python3
"""HTTP-level API benchmark: what a test suite sees through the API, end to end.

Starts a release mailjar (MAILJAR_BIN, default build/release/mailjar) on 127.0.0.1 port 0 with
a fresh database, stores BENCH_MESSAGES (default 100000) messages through SMTP (16 parallel
connections, smtplib), then over one keep-alive HTTP connection times each query BENCH_ROUNDS
times (default 200) and reports p50/p95 in milliseconds; measures the delay from the SMTP 250 to
the WebSocket `new` frame; reads mailjar's RSS before and after BENCH_CALLS (default 10000)
mixed API calls; then deletes every tenth message (10 000 of 100 000: `has:attachment`) with one
DELETE /api/v1/search, times it, checks what is left, and times the list and a search again.
Prints a markdown table. Loopback only; bounded in time. Exit status 1 if a check failed.
"""

import base64
import concurrent.futures
import http.client
import json
import os
import re
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("MAILJAR_BIN", os.path.join(REPO, "build", "release", "mailjar"))
N = int(os.environ.get("BENCH_MESSAGES", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
CALLS = int(os.environ.get("BENCH_CALLS", "10000"))
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def message(i):
    w = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(12)]
    rare = f"rare{i % 1000}"
    attach = ""
    ctype = "text/plain; charset=utf-8"
    body = " ".join(w) + f" {rare}\r\n"
    if i % 10 == 0:
        boundary = "b0undary"
        ctype = f'multipart/mixed; boundary="{boundary}"'
        data = base64.b64encode(os.urandom(600)).decode()
        body = (f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n{body}\r\n--{boundary}\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=f{i}.bin\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n{data}\r\n--{boundary}--\r\n")
    return (f"From: Sender {i % 50} <sender{i % 50}@example.test>\r\nTo: user@example.test\r\n"
            f"Subject: {w[0]} {w[1]} report {i}\r\nMIME-Version: 1.0\r\nContent-Type: {ctype}\r\n\r\n{body}")


def fill(port, n):
    def worker(k):
        s = smtplib.SMTP("127.0.0.1", port, timeout=60)
        for i in range(k, n, 16):
            s.sendmail(f"sender{i % 50}@example.test", ["user@example.test"], message(i).encode())
        s.quit()
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        list(ex.map(worker, range(16)))


def timed(conn, path, rounds):
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        r = conn.getresponse()
        r.read()
        out.append((time.perf_counter() - t) * 1000)
        if r.status != 200:
            raise RuntimeError(f"{path}: {r.status}")
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.95) - 1]


def ws_delay(http_port, smtp_port, samples=20):
    """Median ms from the SMTP 250 to the `new` frame on /api/events (minimal ws client)."""
    sock = socket.create_connection(("127.0.0.1", http_port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{http_port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += sock.recv(4096)
    buf = buf.split(b"\r\n\r\n", 1)[1]

    def frame():
        nonlocal buf
        while True:
            if len(buf) >= 2:
                ln = buf[1] & 0x7F
                off = 2
                if ln == 126:
                    ln, off = int.from_bytes(buf[2:4], "big"), 4
                elif ln == 127:
                    ln, off = int.from_bytes(buf[2:10], "big"), 10
                if len(buf) >= off + ln:
                    payload, buf = buf[off:off + ln], buf[off + ln:]
                    return payload
            buf += sock.recv(65536)

    delays = []
    s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=30)
    for i in range(samples):
        subject = f"ws-probe-{i}-{time.time()}"
        s.sendmail("a@example.test", ["b@example.test"], f"Subject: {subject}\r\n\r\nx\r\n".encode())
        t250 = time.perf_counter()
        while True:
            f = json.loads(frame())
            if f.get("Type") == "new" and f["Data"].get("Subject") == subject:
                delays.append((time.perf_counter() - t250) * 1000)
                break
    s.quit()
    sock.close()
    return statistics.median(delays), max(delays)


def main():
    tmp = tempfile.mkdtemp(prefix="mailjar-httpbench-")
    log = open(os.path.join(tmp, "log"), "w+")
    p = subprocess.Popen([BIN, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", os.path.join(tmp, "db")],
                         stderr=log, stdout=log)
    try:
        ports = {}
        deadline = time.time() + 30
        while len(ports) < 2 and time.time() < deadline:
            log.seek(0)
            for m in re.finditer(r"listener=(smtp|http) addr=127\.0\.0\.1:(\d+)", log.read()):
                ports[m.group(1)] = int(m.group(2))
            time.sleep(0.1)
        t = time.time()
        fill(ports["smtp"], N)
        fill_s = time.time() - t
        conn = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=60)
        conn.request("GET", "/api/v1/messages?limit=1", headers={"Host": "127.0.0.1"})
        total = json.loads(conn.getresponse().read())["total"]
        some_id = None
        conn.request("GET", "/api/v1/messages?limit=1&start=500", headers={"Host": "127.0.0.1"})
        some_id = json.loads(conn.getresponse().read())["messages"][0]["ID"]
        q = urllib.parse.quote
        cases = [
            ("list 50 newest", "/api/v1/messages?limit=50"),
            ("search one word (rare, 0.1%)", "/api/v1/search?query=" + q("rare7")),
            ("search one common word", "/api/v1/search?query=" + q("alpha")),
            ("from: + word + has:attachment", "/api/v1/search?query=" + q("from:sender10 alpha has:attachment")),
            ("message fetch", f"/api/v1/message/{some_id}"),
            ("raw fetch", f"/api/v1/message/{some_id}/raw"),
        ]
        rows = [(name, *timed(conn, path, ROUNDS)) for name, path in cases]
        ws_p50, ws_max = ws_delay(ports["http"], ports["smtp"])
        rss_before = rss_kb(p.pid)
        rss_steps = []
        for i in range(CALLS):
            path = cases[i % len(cases)][1]
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            conn.getresponse().read()
            if (i + 1) % max(1, CALLS // 5) == 0:
                rss_steps.append(rss_kb(p.pid) / 1024)
        rss_after = rss_kb(p.pid)
        with open(f"/proc/{p.pid}/status") as f:
            st = {k: v.split()[0] for k, _, v in (line.partition(":") for line in f) if v.split()}
        anon_after, file_after = int(st.get("RssAnon", 0)), int(st.get("RssFile", 0))
        # Delete by search: every message with an attachment (i % 10 == 0, so N / 10 of them).
        hdr = {"Host": "127.0.0.1"}
        del_query = "has:attachment"
        conn.request("GET", "/api/v1/search?limit=1&query=" + q(del_query), headers=hdr)
        found = json.loads(conn.getresponse().read())
        to_delete, total_before = found["messages_count"], found["total"]
        t = time.perf_counter()
        conn.request("DELETE", "/api/v1/search?query=" + q(del_query), headers=hdr)
        r = conn.getresponse()
        r.read()
        del_ms = (time.perf_counter() - t) * 1000
        conn.request("GET", "/api/v1/messages?limit=1", headers=hdr)
        left = json.loads(conn.getresponse().read())["total"]
        conn.request("GET", "/api/v1/search?limit=1&query=" + q(del_query), headers=hdr)
        left_matching = json.loads(conn.getresponse().read())["messages_count"]
        after_rows = [(name, *timed(conn, path, ROUNDS)) for name, path in cases[:4]]
        del_ok = r.status == 200 and left == total_before - to_delete and left_matching == 0
        print(f"mailjar HTTP API, {total} messages (filled through SMTP in {fill_s:.1f} s, "
              f"{N / fill_s:.0f} msgs/s with smtplib), {ROUNDS} rounds each, one keep-alive connection\n")
        print("| request | p50 ms | p95 ms |\n|---|---:|---:|")
        for name, p50, p95 in rows:
            print(f"| {name} | {p50:.2f} | {p95:.2f} |")
        print(f"\nWebSocket `new` frame after the SMTP 250: p50 {ws_p50:.1f} ms, max {ws_max:.1f} ms")
        print(f"RSS across {CALLS} API calls: {rss_before / 1024:.1f} MB -> {rss_after / 1024:.1f} MB "
              f"(after each fifth: {', '.join(f'{r:.1f}' for r in rss_steps)} MB); at the end "
              f"{anon_after / 1024:.1f} MB anonymous + {file_after / 1024:.1f} MB pages of mapped files "
              f"(the readers mmap the database)")
        print(f"\nDELETE /api/v1/search?query={del_query}: {to_delete} of {total_before} messages in {del_ms:.0f} ms "
              f"(HTTP {r.status}); {left} left, {left_matching} still matching"
              f"{'' if del_ok else  ' -- WRONG: expected ' + str(total_before - to_delete) + ' left, 0 matching'}")
        print(f"\nAfter the delete ({left} messages):\n\n| request | p50 ms | p95 ms |\n|---|---:|---:|")
        for name, p50, p95 in after_rows:
            print(f"| {name} | {p50:.2f} | {p95:.2f} |")
        return 0 if del_ok else 1
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
