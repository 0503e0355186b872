#!/usr/bin/env python3
"""Content never causes a rejection: hostile messages generated here (10 000 parts, 10 000
levels of multipart and of message/rfc822 nesting, a 10 MB header line, a 10 MB body line,
random byte soup, a 25 MB message) are accepted over SMTP, stored byte-exact, parsed as far
as sensible, and the server keeps serving other clients meanwhile."""

import os
import random
import sys
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402


def server():
    return mailjar.shared_server()


def many_parts(n=10000):
    out = [b"Subject: many parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"]
    for i in range(n):
        out.append(b"--b\r\nContent-Type: application/octet-stream\r\n"
                   b"Content-Disposition: attachment; filename=\"f%d.bin\"\r\n\r\npart %d\r\n" % (i, i))
    out.append(b"--b--\r\n")
    return b"".join(out)


def deep_multipart(depth=10000):
    head = [b"Subject: deep multipart\r\nMIME-Version: 1.0\r\n"]
    for i in range(depth):
        head.append(b"Content-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n--d%d\r\n" % (i, i))
    head.append(b"Content-Type: text/plain\r\n\r\ninnermost\r\n")
    tail = [b"--d%d--\r\n" % i for i in reversed(range(depth))]
    return b"".join(head + tail)


def deep_rfc822(depth=10000):
    out = [b"Subject: deep rfc822\r\nMIME-Version: 1.0\r\n"]
    for i in range(depth):
        out.append(b"Content-Type: message/rfc822\r\n\r\nSubject: level %d\r\n" % i)
    out.append(b"Content-Type: text/plain\r\n\r\ninnermost\r\n")
    return b"".join(out)


def long_header_line():
    return b"Subject: long header\r\nX-Long: " + b"h" * (10 << 20) + b"\r\n\r\nbody\r\n"


def long_body_line():
    return (b"Subject: long body line\r\nContent-Type: text/plain\r\n\r\n" + b"w" * (10 << 20) + b"\r\n")


def byte_soup():
    rnd = random.Random(1234)
    return bytes(rnd.getrandbits(8) for _ in range(1 << 20)) + b"\r\n"


def big_message():
    line = b"0123456789" * 7 + b"\r\n"
    return b"Subject: 25 MB\r\n\r\n" + line * ((25 << 20) // len(line))


CASES = [("many parts", many_parts, 10000), ("deep multipart", deep_multipart, None),
         ("deep rfc822", deep_rfc822, None), ("10 MB header line", long_header_line, None),
         ("10 MB body line", long_body_line, None), ("byte soup", byte_soup, None),
         ("25 MB message", big_message, None)]


@case
def hostile_messages_are_stored_and_others_keep_being_served():
    srv = server()
    db = Db(srv.db_path)
    stop = threading.Event()
    side = []
    errors = []

    def bystander():
        try:
            while not stop.is_set():
                side.append(sc.send_message(srv.smtp_port, b"Subject: bystander\r\n\r\nx\r\n"))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    t = threading.Thread(target=bystander, daemon=True)
    t.start()
    try:
        for name, make, parts in CASES:
            data = make()
            # Generous: under ASan, GMime's linearly grown header buffer makes a 10 MB header
            # line cost ~10 s (release builds: ~0.2 s).
            uid = sc.send_message(srv.smtp_port, data, timeout=120)
            m = db.message(uid)
            check(m is not None, f"{name}: acknowledged but not stored")
            check(m.raw == data, f"{name}: raw differs ({len(m.raw)} vs {len(data)} bytes)")
            if parts:
                named = [p for p in m.parts if p.file_name.startswith("f")]
                check(len(named) > 0, f"{name}: parts recorded")
                check(len(named) == parts or m.warnings, f"{name}: {len(named)} parts without a warning")
    finally:
        stop.set()
        t.join(timeout=60)
    check(not errors, f"bystander failed: {errors[:2]}")
    check(len(side) > 0, "bystander served meanwhile")
    check(set(side) <= db.uids(), "bystander messages stored")


if __name__ == "__main__":
    main()
