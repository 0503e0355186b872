#!/usr/bin/env python3
"""Writes a legacy-database fixture: runs an OLD mailjar binary (built from git history), sends
it a fixed set of messages (samples with attachments, inline parts, X-Tags, encodings, plus
generated binary attachments), tags some through the API, marks some read, deletes one, stops
it with SIGTERM and writes `sqlite3 .dump` of its database (with user_version and
application_id) to the output file. How the committed fixtures were made (see README.md here):

    git worktree add --detach /tmp/old <commit>
    cmake -S /tmp/old -B /tmp/old/build -G Ninja -DMAILJAR_TESTS=OFF && cmake --build /tmp/old/build --target mailjar
    MAILJAR_BIN=/tmp/old/build/mailjar python3 samples/legacy/make_fixture.py samples/legacy/schema-v2.sql <commit>

Needs the sqlite3 command-line shell.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

from support import http_client as hc  # noqa: E402
from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.mail_load import MailGen  # noqa: E402

SAMPLES = ["mixed_attachments.eml", "related_inline_image.eml", "x_tags.eml", "encoded_words.eml",
           "rfc2231_filename.eml", "attached_message.eml", "iso_8859_1_body.eml", "alternative.eml",
           "bad_base64.eml", "no_headers.eml", "utf8_subject_body.eml", "bcc_undisclosed.eml"]


def put(port, path, body):
    r = hc.request(port, "PUT", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    if r.status != 200:
        raise RuntimeError(f"PUT {path}: {r!r}")


def main():
    out, commit = sys.argv[1], sys.argv[2]
    srv = mailjar.Server(expect=["smtp"])
    deadline = time.monotonic() + 5  # releases before the HTTP wiring (b46e294) have no API
    while "http" not in srv.listeners and time.monotonic() < deadline:
        srv._read_listeners()
        time.sleep(0.1)
    uids = {}
    for name in SAMPLES:
        with open(os.path.join(mailjar.samples_dir(), name), "rb") as f:
            data = f.read()
        rcpts = ("rcpt+legacy@example.net",) if name == "alternative.eml" else ("rcpt@example.net",)
        uids[name] = sc.send_message(srv.smtp_port, data, rcpts=rcpts)
    gen = MailGen(20261127, prefix="legacy")
    for k in range(3):
        uids[f"generated-{k}"] = sc.send_message(srv.smtp_port, gen.message("attachments", attachment_sizes=(500, 3000)).data)
    notes = "tags from X-Tags and plus-addresses"
    if "http" in srv.listeners:
        port = srv.http_port
        put(port, "/api/v1/tags", {"IDs": [uids["mixed_attachments.eml"], uids["generated-0"]],
                                   "Tags": ["Legacy", "from-v-old"]})
        put(port, "/api/v1/messages", {"IDs": [uids["encoded_words.eml"], uids["generated-1"]], "Read": True})
        r = hc.request(port, "DELETE", "/api/v1/messages", body=json.dumps({"IDs": [uids["generated-2"]]}),
                       headers={"Content-Type": "application/json"})
        if r.status != 200:
            raise RuntimeError(f"delete: {r!r}")
        del uids["generated-2"]
        notes += "; through the API: tags set, two marked read, one deleted"
    problems = srv.stop()
    if problems or srv.returncode != 0:
        raise RuntimeError(f"old mailjar did not stop cleanly: {problems} rc={srv.returncode}")
    con = sqlite3.connect(srv.db_path)
    version = con.execute("PRAGMA user_version").fetchone()[0]
    app_id = con.execute("PRAGMA application_id").fetchone()[0]
    con.close()
    dump = subprocess.run(["sqlite3", srv.db_path, ".dump"], capture_output=True, check=True).stdout.decode()
    with open(out, "w") as f:
        f.write(f"-- mailjar database at schema version {version}, written by mailjar {commit}\n"
                f"-- (samples/legacy/make_fixture.py: {len(uids)} messages; {notes})\n")
        f.write(dump)
        f.write(f"PRAGMA user_version = {version};\nPRAGMA application_id = {app_id};\n")
    print(f"wrote {out}: schema {version}, {len(uids)} messages; {notes}")


if __name__ == "__main__":
    main()
