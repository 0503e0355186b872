#!/usr/bin/env python3
"""Helpers for tests/bench/ingest_bench.sh (standard library only).

Subcommands:
  gen-message SIZE FILE        write a realistic MIME message of SIZE bytes on the wire (CRLF),
                               stored with LF line ends for `smtp-source -F` (which adds CR)
  free-port                    print a currently free TCP port on 127.0.0.1
  wait-port PORT [TIMEOUT]     wait until 127.0.0.1:PORT accepts connections
  wait-listen LOG PID [TIMEOUT] wait for mailjar's `event=listening listener=smtp addr=H:P` line
                               in LOG (while PID lives) and print P
  mem PID                      print "VmRSS_kB VmHWM_kB" of PID
  cpu-ticks PID                print utime+stime of PID (all threads) in clock ticks
  run-timed PID TIMEOUT CMD... run CMD (killed after TIMEOUT s) while watching server PID; print
                               "<exit> <seconds> <server cpu%> <client cpu%> <others cpu%>" where
                               others = every other process on the machine (noise)
  send-big PORT SIZE           send one SIZE-byte message (text part + base64 attachment) with
                               smtplib; print "<seconds> <reply>"
  render DIR OUT.md            print the result table and write it (and the memory section) as
                               markdown, from DIR/throughput.tsv, DIR/memory.tsv, DIR/meta.txt
"""
import datetime
import os
import random
import re
import smtplib
import socket
import statistics
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid

# A fixed vocabulary so the full-text index sees many distinct terms, reproducibly.
_SYLLABLES = ["ka", "lo", "mi", "ter", "on", "bra", "vel", "sun", "dor", "pi", "qua", "res", "ti", "ne",
              "xo", "gam", "fel", "rup", "sa", "ist"]


def _words(rng, n):
    out = []
    for _ in range(n):
        out.append("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return out


def _paragraphs(rng, n_words):
    words = _words(rng, n_words)
    lines, para = [], []
    for i, w in enumerate(words):
        para.append(w)
        if len(para) >= 12 or i == len(words) - 1:
            lines.append(" ".join(para).capitalize() + ".")
            para = []
    return "\n".join(lines) + "\n"


def _build(rng_seed, text_words, attachment_bytes):
    rng = random.Random(rng_seed)
    msg = EmailMessage()
    msg["From"] = '"Build Bot" <ci@bench.example>'
    msg["To"] = '"Dev Team" <dev-team@bench.example>, qa@bench.example'
    msg["Subject"] = "[bench] Nightly build report: all checks passed"
    msg["Date"] = format_datetime(datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc))
    msg["Message-ID"] = make_msgid(idstring="bench", domain="bench.example")
    msg["X-Mailer"] = "mailjar-bench"
    text = "Hello team,\n\n" + _paragraphs(rng, text_words) + "\n-- \nBuild Bot\n"
    msg.set_content(text, cte="quoted-printable")
    html_body = "".join("<p>%s</p>\n" % p for p in text.split("\n") if p)
    msg.add_alternative("<html><body>\n%s</body></html>\n" % html_body, subtype="html",
                        cte="quoted-printable")
    if attachment_bytes > 0:
        blob = rng.randbytes(attachment_bytes)
        msg.add_attachment(blob, maintype="application", subtype="octet-stream", filename="build-logs.tar.gz")
    return msg.as_bytes(policy=SMTP_POLICY)


def make_message(size):
    """Bytes (CRLF) of a realistic message whose length is close to `size` (within ~1%)."""
    if size < 4096:
        # multipart/alternative, text + html: tune the word count.
        lo, hi = 1, max(8, size // 3)
        best = _build(1, 1, 0)
        while lo <= hi:
            mid = (lo + hi) // 2
            data = _build(1, mid, 0)
            if len(data) <= size:
                best = data
                lo = mid + 1
            else:
                hi = mid - 1
        return best
    # multipart/mixed: ~400 words of text/html plus a binary attachment filling the rest.
    base = len(_build(1, 400, 1))
    # base64 with 76-char lines: 4/3 expansion, plus CRLF per 76 chars.
    att = max(1, int((size - base) * 3 / 4 * 76 / 78))
    for _ in range(20):
        data = _build(1, 400, att)
        diff = size - len(data)
        if abs(diff) <= max(64, size // 1000):
            return data
        att = max(1, att + int(diff * 3 / 4 * 76 / 78))
    return data


def cmd_gen_message(size, path):
    data = make_message(int(size))
    with open(path, "wb") as f:
        f.write(data.replace(b"\r\n", b"\n"))
    print(len(data))


def cmd_free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def cmd_wait_port(port, timeout="10"):
    deadline = time.monotonic() + float(timeout)
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=1):
                return 0
        except OSError:
            time.sleep(0.05)
    print("port %s not accepting after %ss" % (port, timeout), file=sys.stderr)
    return 1


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def cmd_wait_listen(log, pid, timeout="20"):
    pat = re.compile(r"event=listening\b.*\blistener=smtp\b.*\baddr=\S*:(\d+)")
    deadline = time.monotonic() + float(timeout)
    while time.monotonic() < deadline:
        try:
            with open(log, errors="replace") as f:
                for line in f:
                    m = pat.search(line)
                    if m:
                        print(m.group(1))
                        return 0
        except OSError:
            pass
        if not _alive(int(pid)):
            print("mailjar exited before listening", file=sys.stderr)
            return 1
        time.sleep(0.05)
    print("no listening line after %ss" % timeout, file=sys.stderr)
    return 1


def cmd_mem(pid):
    vals = {}
    with open("/proc/%d/status" % int(pid)) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                vals[k] = v.split()[0]
    print(vals.get("VmRSS", "0"), vals.get("VmHWM", "0"))


def cmd_cpu_ticks(pid):
    with open("/proc/%d/stat" % int(pid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the comm field: state is fields[0]; utime/stime are stat fields 14/15 (1-based).
    print(int(fields[11]) + int(fields[12]))


def _system_busy_ticks():
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return sum(vals[:8]) - idle


def _proc_ticks(pid):
    try:
        with open("/proc/%d/stat" % int(pid)) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return 0


def cmd_run_timed(pid, timeout, *cmd):
    import resource
    import subprocess
    tck = os.sysconf("SC_CLK_TCK")
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0, b0 = _proc_ticks(pid), _system_busy_ticks()
    t0 = time.monotonic()
    try:
        rc = subprocess.run(list(cmd), timeout=float(timeout)).returncode
    except subprocess.TimeoutExpired:
        rc = 124
    took = time.monotonic() - t0
    s1, b1 = _proc_ticks(pid), _system_busy_ticks()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (after_children.ru_utime + after_children.ru_stime -
              before_children.ru_utime - before_children.ru_stime)
    server = (s1 - s0) / tck
    others = max(0.0, (b1 - b0) / tck - server - client)
    print("%d %.3f %.0f %.0f %.0f" % (rc, took, 100 * server / took, 100 * client / took, 100 * others / took))
    return 0


def cmd_send_big(port, size):
    size = int(size)
    data = make_message(size)
    t0 = time.monotonic()
    with smtplib.SMTP("127.0.0.1", int(port), timeout=300) as s:
        s.ehlo("bench.local")
        s.mail("big@bench.example", ["size=%d" % len(data)] if s.has_extn("size") else [])
        code, _ = s.rcpt("dev@bench.example")
        if code != 250:
            raise SystemExit("RCPT refused: %d" % code)
        code, reply = s.data(data)
    took = time.monotonic() - t0
    print("%.3f %d %d %s" % (took, len(data), code, reply.decode(errors="replace").replace(" ", "_")))
    return 0 if code == 250 else 1


# ----- rendering -----

def _read_tsv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    return rows


def _fmt_rate(v):
    return "-" if v is None else "{:,.0f}".format(v)


def _median(values):
    return statistics.median(values) if values else None


def cmd_render(d, out_md):
    meta = {}
    if os.path.exists(os.path.join(d, "meta.txt")):
        with open(os.path.join(d, "meta.txt")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                meta[k] = v
    rows = _read_tsv(os.path.join(d, "throughput.tsv"))
    keys = []
    for r in rows:
        k = (int(r["size"]), int(r["conns"]))
        if k not in keys:
            keys.append(k)

    table = [["message", "conns", "msgs/run", "smtp-sink msgs/s", "mailjar msgs/s", "ratio",
              "mailjar MB/s", "mailjar CPU", "mailjar CPU/msg", "smtp-source CPU", "others CPU", "stored"]]
    problems, warnings = [], []
    for size, conns in keys:
        sel = [r for r in rows if int(r["size"]) == size and int(r["conns"]) == conns]
        sink = [float(r["rate"]) for r in sel if r["target"] == "smtp-sink" and r["status"] == "ok"]
        mj = [r for r in sel if r["target"] == "mailjar"]
        mj_ok = [float(r["rate"]) for r in mj if r["status"] == "ok"]
        sink_rate, mj_rate = _median(sink), _median(mj_ok)
        ratio = "-" if not (sink_rate and mj_rate) else "%.2fx" % (mj_rate / sink_rate)
        cpu = _median([float(r["cpu_pct"]) for r in mj if r["status"] == "ok"])
        client = _median([float(r["client_pct"]) for r in mj if r["status"] == "ok"])
        per_msg = _median([float(r["cpu_pct"]) / 100 * float(r["seconds"]) / int(r["count"]) * 1e6
                           for r in mj if r["status"] == "ok"])
        others = _median([float(r["others_pct"]) for r in sel if r["status"] == "ok"])
        if others is not None and others > 25:
            warnings.append("%s x%d: other processes used %.0f%% CPU during these runs: numbers are noisy"
                            % (sel[0]["size_label"], conns, others))
        stored = "; ".join(sorted({r["stored"] for r in mj})) or "-"
        for r in sel:
            if r["status"] != "ok":
                problems.append("%s %s x%s: %s" % (r["target"], r["size_label"], r["conns"], r["status"]))
        label = sel[0]["size_label"]
        count = sel[0]["count"]
        mbps = "-" if mj_rate is None else "%.1f" % (mj_rate * size / 1e6)
        table.append([label, str(conns), count, _fmt_rate(sink_rate), _fmt_rate(mj_rate), ratio, mbps,
                      "-" if cpu is None else "%.0f%%" % cpu,
                      "-" if per_msg is None else "%.0f us" % per_msg, "-" if client is None else "%.0f%%" % client,
                      "-" if others is None else "%.0f%%" % others, stored])

    mem = _read_tsv(os.path.join(d, "memory.tsv"))

    def text_table(t):
        widths = [max(len(row[i]) for row in t) for i in range(len(t[0]))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in t]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def md_table(t, left=(0,)):
        align = ["---" if i in left else "---:" for i in range(len(t[0]))]
        out = ["| " + " | ".join(t[0]) + " |", "|" + "|".join(align) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in t[1:]]
        return "\n".join(out)

    mem_table = [["phase", "messages", "msgs/s", "VmRSS", "VmHWM", "note"]]
    for m in mem:
        mem_table.append([m["phase"], m["messages"], m["rate"], m["rss"], m["hwm"], m["note"]])

    print()
    print(text_table(table))
    if len(mem_table) > 1:
        print()
        print(text_table(mem_table))
    for w in warnings:
        print("WARNING: " + w)
    for p in problems:
        print("PROBLEM: " + p)

    md = ["# mailjar ingest benchmark", ""]
    md.append("Run %s on %s (%s cores, %s); mailjar %s (git %s). Load average before: %s; after: %s." % (
        meta.get("date", "?"), meta.get("cpu", "?"), meta.get("nproc", "?"), meta.get("mem", "?"),
        meta.get("version", "?"), meta.get("git", "?"), meta.get("load_before", "?"),
        meta.get("load_after", "?")))
    md.append("")
    md.append("Load generator: Postfix `smtp-source` on the same machine, one message per transaction, "
              "one recipient, connections kept open (`-d`), no pipelining (smtp-source has none). Ceiling: "
              "Postfix `smtp-sink` (accepts and discards), same message, same run. mailjar: release build, "
              "fresh temporary database per run, default durability (`--db-sync` default), every 250 "
              "counted back from `messages` afterwards. Rates are medians of %s repeat(s); CPU is mailjar's "
              "user+system time over the run's wall time (200%% = both cores), and per message stored (less sensitive to other load than msgs/s); smtp-source CPU likewise for the load generator in the mailjar runs; others CPU is everything else on the machine during the runs (noise). Messages are realistic MIME: "
              "2 KB = multipart/alternative text+HTML; 100 KB = text+HTML plus a base64 attachment. "
              "Scale: %s." % (meta.get("repeat", "1"), meta.get("scale", "1")))
    md.append("")
    md.append(md_table(table))
    if len(mem_table) > 1:
        md.append("")
        md.append("## Memory")
        md.append("")
        md.append(md_table(mem_table, left=(0, 5)))
    if warnings:
        md.append("")
        md.append("## Warnings")
        md.append("")
        md += ["- " + w for w in warnings]
    if problems:
        md.append("")
        md.append("## Problems")
        md.append("")
        md += ["- " + p for p in problems]
    md.append("")
    if out_md:
        os.makedirs(os.path.dirname(os.path.abspath(out_md)), exist_ok=True)
        with open(out_md, "w") as f:
            f.write("\n".join(md))
    return 1 if problems else 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    fn = {
        "gen-message": cmd_gen_message,
        "free-port": cmd_free_port,
        "wait-port": cmd_wait_port,
        "wait-listen": cmd_wait_listen,
        "mem": cmd_mem,
        "cpu-ticks": cmd_cpu_ticks,
        "run-timed": cmd_run_timed,
        "send-big": cmd_send_big,
        "render": cmd_render,
    }.get(cmd)
    if fn is None:
        print(__doc__, file=sys.stderr)
        return 2
    return fn(*args) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
