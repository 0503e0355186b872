#!/usr/bin/env python3
"""A hostile MIME corpus, generated here (nothing big is committed), beyond what
test_hostile_content.py sends: 100 000 sibling parts, 10 000 levels alternating multipart and
message/rfc822, one 50 MB line (--smtp-max-message-size 60M), broken transfer encodings
(invalid base64 and quoted-printable, unknown encodings), evil charsets (unknown, UTF-7, huge or
path-like names, NUL), RFC 2047 garbage (bad encoded words, 10 000 of them), raw 8-bit and NUL
bytes in headers, and header bombs (100 000 header lines, a 2 MB Subject (10 MB with
MAILJAR_HOSTILE_SCALE=5), 10 000 To addresses, 200 000 parameters in one Content-Disposition
(GMime's cost is quadratic in them: 0.8 s for 20 000 in a release build before the parse horizon
bounded them), and address groups nested 200 000 deep, and 1 000 deep, the most GMime is shown
(it parses a group in a group by recursion: 50 000 levels overflowed the stack and killed the
server). Each one is accepted over SMTP, stored byte-exact (with parse warnings where limits
cut the structure: GMime reads only up to 4 004 boundary lines, 10 000 header fields, 256
parameters in a Content-Type or Content-Disposition field and 1 000 groups in an address field),
within
a time and a peak-RSS growth bound, and the API lists it and serves its JSON, headers and raw
bytes, while a bystander client keeps being served. Time and memory per message are printed as
MEASURE lines.

MAILJAR_HOSTILE_SCALE=N multiplies the part, level, line, header and address counts (long form)."""

import json
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support import procstat  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402

SCALE = max(1, int(os.environ.get("MAILJAR_HOSTILE_SCALE", "1")))
MIB = 1 << 20


def measure(what, value):
    print(f"MEASURE {what}: {value}", flush=True)


# -- generators --------------------------------------------------------------------------------
def sibling_parts(n=100000 * SCALE):
    out = [b"Subject: siblings\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=s\r\n\r\n"]
    part = b"--s\r\nContent-Type: text/plain\r\n\r\np\r\n"
    out.append(part * n)
    out.append(b"--s--\r\n")
    return b"".join(out)


def alternating_nesting(depth=10000 * SCALE):
    out = [b"Subject: alternating nesting\r\nMIME-Version: 1.0\r\n"]
    tails = []
    for i in range(depth):
        if i % 2:
            out.append(b"Content-Type: message/rfc822\r\n\r\nSubject: level %d\r\nMIME-Version: 1.0\r\n" % i)
        else:
            out.append(b"Content-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n--n%d\r\n" % (i, i))
            tails.append(b"\r\n--n%d--\r\n" % i)
    out.append(b"Content-Type: text/plain\r\n\r\ninnermost")
    return b"".join(out + list(reversed(tails)))


def fifty_mb_line():
    return (b"Subject: one 50 MB line\r\nContent-Type: text/plain\r\n\r\n" + b"L" * (50 * MIB) + b"\r\n")


def broken_transfer_encodings():
    parts = [
        (b"base64", b"!!!not*base64@@@\r\nQUJD\r\n===\r\nQUJDRA\r\n" + b"\x00\xff" * 50),
        (b"base64", b"QUJDRA=" * 1000),  # padding in the middle, truncated quantum
        (b"quoted-printable", b"=ZZ=\r\n=0=\r\n==41 =\r\n=C3=\r\n" + b"=" * 1000),
        (b"quoted-printable", b"a" * 5000 + b"=\r\n" * 1000),
        (b"x-uuencode", b"begin 644 evil\r\n!!!!\r\nend\r\n"),
        (b"8bit\x00evil", b"NUL in the encoding name"),
        (b"bAsE64 ; garbage=\"", b"QUJD"),
        (b"x" * 5000, b"a 5 000-byte encoding name"),
    ]
    out = [b"Subject: broken transfer encodings\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=e\r\n\r\n"]
    for i, (enc, body) in enumerate(parts):
        out.append(b"--e\r\nContent-Type: application/octet-stream; name=\"e%d.bin\"\r\n"
                   b"Content-Disposition: attachment; filename=\"e%d.bin\"\r\n"
                   b"Content-Transfer-Encoding: " % (i, i) + enc + b"\r\n\r\n" + body + b"\r\n")
    out.append(b"--e--\r\n")
    return b"".join(out)


def evil_charsets():
    charsets = [b"x-evil-unknown", b"utf-7", b"../../../../etc/passwd", b"c" * 10000, b"utf-8\x00latin1",
                b"\"unterminated", b"iso-2022-jp", b"ucs-4", b"utf-32", b"", b"utf-8'en'", b"=?utf-8?q?x?="]
    bodies = [b"+ADw-script+AD4-alert(1)+ADw-/script+AD4-", b"\x1b$B$3$s\x1b(B\xff\xfe\x00",
              b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80 invalid utf-8", b"\x00\x00\xfe\xff"]
    out = [b"Subject: evil charsets\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"]
    for i, cs in enumerate(charsets):
        sub = b"html" if i % 2 else b"plain"
        out.append(b"--c\r\nContent-Type: text/" + sub + b"; charset=" + cs + b"\r\n\r\n" +
                   bodies[i % len(bodies)] + b"\r\n")
    out.append(b"--c--\r\n")
    return b"".join(out)


def rfc2047_garbage():
    words = [b"=?utf-8?B?!!!!?=", b"=?evil-charset?Q?x?=", b"=?utf-8?Q?=ZZ=?=", b"=?utf-8?X?abc?=",
             b"=?utf-8?B?", b"=??B?QUJD?=", b"=?utf-8*en*x?Q?a?=", b"=?utf-7?B?K0FEdy1zY3JpcHQrQUQ0LQ==?=",
             b"=?utf-8?B?" + b"QUJD" * 5000 + b"?=", b"=?utf-8?Q?=00=00?=", b"=?utf-8?B?wK8=?="]
    many = b" ".join(b"=?utf-8?B?w6k=?=" for _ in range(10000 * SCALE))
    return (b"Subject: " + b" ".join(words) + b"\r\n"
            b"From: =?utf-8?Q?=3Cscript=3E?= <=?utf-8?B?ZXZpbA==?=@example.org>\r\n"
            b"To: " + many + b" <many@example.org>\r\n"
            b"Content-Disposition: attachment; filename*=utf-8''%ZZ%00%C3; filename=\"=?utf-8?B?!!?=\"\r\n"
            b"X-Nested: =?utf-8?Q?=3D=3Futf-8=3FQ=3Fx=3F=3D?=\r\n\r\nbody\r\n")


def eight_bit_and_nul_headers():
    return (b"Subject: caf\xe9 \xff\xfe \xc0\xaf \x00 nul and 8-bit\r\n"
            b"From: J\xf6rg \x00 <j\xf6rg@ex\xe4mple.org>\r\n"
            b"To: \xed\xa0\x80 <to@example.org>\r\n"
            b"X-\xff\xfe-Name: value\r\n"
            b"X-Ctl: \x01\x02\x1b[31m\x7f\r\n"
            b"Content-Type: text/plain; charset=\xff\r\n\r\n"
            b"body with NUL \x00 and \xff bytes\r\n")


def header_line_bomb(n=100000 * SCALE):
    return b"Subject: 100 000 header lines\r\n" + b"".join(b"X-Bomb-%d: v\r\n" % i for i in range(n)) + b"\r\nbody\r\n"


def long_subject(mib=2 * SCALE):
    # 2 MB by default (a 10 MB header line is in test_hostile_content.py; GMime grows its header
    # buffer in small steps, which ASan's copying realloc makes quadratic: 10 MB took 13-34 s here).
    return b"Subject: " + b"s" * (mib * MIB) + b"\r\n\r\nbody\r\n"


def many_to_addresses(n=10000 * SCALE):
    to = b",\r\n ".join(b"\"Name %d\" <rcpt%d@example.org>" % (i, i) for i in range(n))
    return b"Subject: 10 000 To addresses\r\nTo: " + to + b"\r\nCc: " + to[:100000] + b"\r\n\r\nbody\r\n"


def parameter_bomb(n=200000 * SCALE):
    params = b"".join(b"; p%d=v" % i for i in range(n))
    return (b"Subject: parameter bomb\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n"
            b"--p\r\nContent-Type: text/plain\r\nContent-Disposition: attachment" + params + b"\r\n\r\nfirst\r\n"
            b"--p\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--p--\r\n")


def nested_groups(depth=200000 * SCALE):
    # "To: g0: g1: g2: ..." never closed; padded past 16 KiB so it is parsed on the parse pool's
    # thread (smaller messages are parsed on the network thread): both stacks are covered.
    groups = b"".join(b"g%d: " % i for i in range(depth))
    return (b"Subject: nested groups\r\nTo: " + groups + b"a@example.org\r\nX-Pad: " + b"p" * 20000 +
            b"\r\n\r\nbody\r\n")


def nested_groups_at_limit():
    return nested_groups(1000)


# (name, generator, warnings expected, time bound s, peak RSS growth bound MiB)
# Bounds are generous: ASan/UBSan build on 2 busy cores. The measured numbers are printed.
CORPUS = [
    ("100 000 sibling parts", sibling_parts, True, 60, 192),
    ("10 000 levels multipart/rfc822", alternating_nesting, True, 120, 512),
    ("50 MB single line", fifty_mb_line, False, 120, 768),
    ("broken transfer encodings", broken_transfer_encodings, False, 30, 128),
    ("evil charsets", evil_charsets, False, 30, 128),
    ("RFC 2047 garbage", rfc2047_garbage, False, 60, 256),
    ("8-bit and NUL headers", eight_bit_and_nul_headers, False, 30, 128),
    ("100 000 header lines", header_line_bomb, True, 60, 128),
    ("2 MB Subject", long_subject, False, 120, 512),
    ("10 000 To addresses", many_to_addresses, False, 60, 256),
    ("200 000 parameters in one field", parameter_bomb, True, 60, 256),
    ("address groups nested 200 000 deep", nested_groups, True, 60, 256),
    ("address groups nested 1 000 deep", nested_groups_at_limit, False, 60, 256),
]


_servers = {}


def hostile_server():
    srv = _servers.get("s")
    if srv is None or not srv.alive():
        srv = mailjar.Server("--smtp-max-message-size", "60M", expect=["smtp", "http"], shared=True,
                             env=procstat.small_quarantine_env())
        _servers["s"] = srv
    return srv


class Bystander(threading.Thread):
    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.uids, self.latencies, self.errors = [], [], []

    def run(self):
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                self.uids.append(sc.send_message(self.port, b"Subject: bystander\r\n\r\nx\r\n", timeout=60))
            except Exception as e:  # noqa: BLE001
                self.errors.append(repr(e))
                return
            self.latencies.append(time.monotonic() - t)
            time.sleep(0.05)


def api_serves(srv, uid, data):
    port = srv.http_port
    r = hc.request(port, "GET", f"/api/v1/message/{uid}", timeout=120)
    check_eq(r.status, 200, f"GET message {uid}")
    msg = json.loads(r.body)
    check_eq(msg["ID"], uid, "message ID")
    check(isinstance(msg["Subject"], str), "Subject is a string")
    check(isinstance(msg.get("ParseWarnings", []), list), "ParseWarnings is a list")
    r = hc.request(port, "GET", f"/api/v1/message/{uid}/raw", timeout=120)
    check_eq(r.status, 200, "raw")
    check(r.body == data, f"raw served byte-exact ({len(r.body)} vs {len(data)} bytes)")
    r = hc.request(port, "GET", f"/api/v1/message/{uid}/headers", timeout=120)
    check_eq(r.status, 200, "headers")
    json.loads(r.body)
    r = hc.request(port, "GET", "/api/v1/messages?limit=10000", timeout=120)
    check_eq(r.status, 200, "list")
    listed = json.loads(r.body)["messages"]
    check(any(m["ID"] == uid for m in listed), f"{uid} listed")
    for view in ("html", "txt"):
        r = hc.request(port, "GET", f"/view/{uid}.{view}", timeout=120)
        check(r.status in (200, 404), f"/view/{uid}.{view}: {r.status}")
    return msg


def run_corpus(names):
    srv = hostile_server()
    pid = srv.proc.pid
    db = Db(srv.db_path)
    by = Bystander(srv.smtp_port)
    by.start()
    try:
        for name, make, want_warnings, time_bound, mem_bound in CORPUS:
            if name not in names:
                continue
            data = make()
            base = procstat.reset_peak(pid)
            t = time.monotonic()
            uid = sc.send_message(srv.smtp_port, data, timeout=time_bound + 60)
            took = time.monotonic() - t
            grown = (procstat.peak_kib(pid) - base) / 1024
            measure(name, f"{len(data) / MIB:.1f} MiB message, 250 after {took:.2f}s, "
                          f"peak RSS +{grown:.0f} MiB ({grown * MIB / max(1, len(data)):.1f}x its size)")
            m = db.message(uid)
            check(m is not None, f"{name}: acknowledged but not stored")
            check(m.raw == data, f"{name}: raw differs ({len(m.raw)} vs {len(data)} bytes)")
            if want_warnings:
                check(m.warnings, f"{name}: stored with parse warnings")
            check(took < time_bound, f"{name}: took {took:.1f}s (bound {time_bound}s)")
            check(grown < mem_bound, f"{name}: peak RSS grew {grown:.0f} MiB (bound {mem_bound} MiB)")
            t = time.monotonic()
            msg = api_serves(srv, uid, data)
            measure(f"{name} through the API", f"{time.monotonic() - t:.2f}s "
                                                f"({len(msg.get('ParseWarnings') or [])} parse warnings)")
            check(srv.alive(), f"server alive after {name}")
    finally:
        by.stop.set()
        by.join(timeout=120)
    check(not by.errors, f"bystander failed: {by.errors[:2]}")
    check(len(by.uids) > 0, "bystander served meanwhile")
    by.latencies.sort()
    measure("bystander message during the corpus",
            f"{len(by.uids)} sent, p50 {by.latencies[len(by.latencies) // 2]:.2f}s, max {by.latencies[-1]:.2f}s")
    check(set(by.uids) <= db.uids(), "bystander messages stored")
    return srv


@case
def structure_bombs():
    run_corpus({"100 000 sibling parts", "10 000 levels multipart/rfc822", "50 MB single line"})


@case
def broken_encodings_and_charsets():
    srv = run_corpus({"broken transfer encodings", "evil charsets", "RFC 2047 garbage", "8-bit and NUL headers"})
    # Whatever the bytes, the API answers with valid JSON strings (no raw NULs or invalid UTF-8).
    r = hc.request(srv.http_port, "GET", "/api/v1/messages?limit=10")
    check_eq(r.status, 200, "list")
    r.body.decode("utf-8")  # strict: raises on invalid UTF-8
    check(b"\x00" not in r.body, "no raw NUL in JSON")


@case
def header_bombs():
    run_corpus({"100 000 header lines", "2 MB Subject", "10 000 To addresses", "200 000 parameters in one field",
                "address groups nested 200 000 deep", "address groups nested 1 000 deep"})


if __name__ == "__main__":
    main()
