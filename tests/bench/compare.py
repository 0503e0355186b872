#!/usr/bin/env python3
"""mailjar comparison benchmark (issue 6); run it through tests/bench/compare.sh.

Phases (BENCH_PHASES, default "compare prune big"):
  compare  For each message size (2 KB, 100 KB: realistic MIME from bench_helper.gen-message),
           connection count (1, 16, 64) and mode (plain: each command waits for its reply;
           pipelined: MAIL+RCPT+DATA in one write, then the data), starts each server fresh --
           Postfix smtp-sink (stores nothing: the ceiling of this machine), mailjar (release build,
           new database, default durability) and maildev (npm, pinned in tests/bench/maildev) --
           and drives it for BENCH_SECONDS with smtp_load (tests/bench/smtp_load.cpp). Records
           msgs/s, latency percentiles (transaction and per command), the server's VmHWM and CPU,
           and checks what was stored: mailjar's `messages` rows must equal the 250s counted;
           maildev's /email list must reach that count (its 250 comes before it has parsed).
  prune    mailjar under continuous load (16 connections, 2 KB, pipelined) without pruning, with
           --max-messages BENCH_PRUNE_LIMIT and with --max-age BENCH_PRUNE_AGE: sustained msgs/s,
           the row count sampled every 0.5 s (must stay <= the limit + slack), RSS over time.
  big      one 25 MB message (text + base64 attachment) over SMTP, then its attachment downloaded
           through the part URL the web UI uses (/api/v1/message/ID/part/PartID) and compared by
           SHA-256 with the bytes that were encoded; peak RSS during ingest and during download.

Writes BENCH_OUT (markdown) and BENCH_JSON (every raw run). Exit status 1 if any run failed, lost
a message, or broke a bound; the targets of issue 6 are reported as met / not met, not enforced.
Loopback only; every port is picked free at run time.
"""
import email
import email.policy
import hashlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import smtplib
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import bench_helper  # noqa: E402


def env(name, default):
    return os.environ.get(name, default)


QUICK = env("BENCH_QUICK", "0") == "1"
MAILJAR_BIN = env("MAILJAR_BIN", os.path.join(REPO, "build", "bench", "mailjar"))
SMTP_LOAD = env("SMTP_LOAD", os.path.join(REPO, "build", "bench", "smtp_load"))
MAILDEV = env("MAILDEV_BIN", os.path.join(HERE, "maildev", "node_modules", "maildev", "bin", "maildev"))
OUT = env("BENCH_OUT", os.path.join(REPO, "build", "bench", "compare-results.md"))
OUT_JSON = env("BENCH_JSON", os.path.splitext(OUT)[0] + ".json")
PHASES = env("BENCH_PHASES", "compare prune big").split()
SECONDS = float(env("BENCH_SECONDS", "1.5" if QUICK else "5"))
REPEAT = int(env("BENCH_REPEAT", "1" if QUICK else "3"))
SIZES = [int(s) for s in env("BENCH_SIZES", "2048 102400").split()]
CONNS = [int(c) for c in env("BENCH_CONNS", "1 16 64").split()]
MODES = env("BENCH_MODES", "plain pipelined").split()
SERVERS = env("BENCH_SERVERS", "smtp-sink mailjar maildev").split()
PRUNE_SECONDS = float(env("BENCH_PRUNE_SECONDS", "6" if QUICK else "30"))
PRUNE_LIMIT = int(env("BENCH_PRUNE_LIMIT", "5000"))
PRUNE_AGE = env("BENCH_PRUNE_AGE", "10s")
BIG_SIZE = int(env("BENCH_BIG_SIZE", str(25 * 1024 * 1024)))
KEEP = env("BENCH_KEEP", "0") == "1"

problems = []


def problem(text):
    problems.append(text)
    print("\n!!!!!!!! %s !!!!!!!!\n" % text, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def mem_detail(pid):
    """{"VmRSS", "VmHWM", "RssAnon", "RssFile"} in kB: RssFile counts pages of files the process
    maps (mailjar's readers mmap the database), which the kernel can drop at will."""
    vals = {"VmRSS": 0, "VmHWM": 0, "RssAnon": 0, "RssFile": 0}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in vals:
                    vals[k] = int(v.split()[0])
    except OSError:
        pass
    return vals


def mem_kb(pid):
    """(VmRSS, VmHWM) in kB."""
    m = mem_detail(pid)
    return m["VmRSS"], m["VmHWM"]


def reset_hwm(pid):
    """Resets VmHWM to the current RSS (Linux >= 4.0: clear_refs 5)."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def proc_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return 0


def busy_ticks():
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    return sum(vals[:8]) - vals[3] - vals[4]


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Server:
    """One server process under test, on fresh state in its own directory."""

    def __init__(self, kind, work, extra=()):
        self.kind, self.dir = kind, tempfile.mkdtemp(prefix=kind + "-", dir=work)
        os.chmod(self.dir, 0o755)
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.http_port = None
        if kind == "smtp-sink":
            self.port = free_port()
            user = ["-u", "nobody"] if os.geteuid() == 0 else []
            cmd = ["smtp-sink"] + user + ["-m", "512", "127.0.0.1:%d" % self.port, "1024"]
        elif kind == "maildev":
            self.port, self.http_port = free_port(), free_port()
            cmd = ["node", MAILDEV, "--smtp", str(self.port), "--web", str(self.http_port), "--ip", "127.0.0.1",
                   "--web-ip", "127.0.0.1", "--mail-directory", os.path.join(self.dir, "mail")]
        else:
            self.db = os.path.join(self.dir, "mailjar.db")
            cmd = [MAILJAR_BIN, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", self.db] + list(extra)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        try:
            if kind == "mailjar":
                self._wait_listening()
            elif not wait_port(self.port, self.proc) or (self.http_port and not wait_port(self.http_port, self.proc)):
                raise RuntimeError("%s did not start: %s" % (kind, self.tail()))
        except RuntimeError:
            self.stop()
            raise

    def _wait_listening(self):
        deadline = time.monotonic() + 30
        ports = {}
        while time.monotonic() < deadline and len(ports) < 2:
            if self.proc.poll() is not None:
                break
            self.log.seek(0)
            for m in re.finditer(r"event=listening\b.*?\blistener=(smtp|http)\b.*?\baddr=\S*:(\d+)", self.log.read()):
                ports[m.group(1)] = int(m.group(2))
            time.sleep(0.05)
        if len(ports) < 2:
            raise RuntimeError("mailjar did not start: " + self.tail())
        self.port, self.http_port = ports["smtp"], ports["http"]

    def tail(self):
        if self.log.closed:
            return ""
        self.log.seek(0)
        return " | ".join(self.log.read().splitlines()[-3:])

    @property
    def pid(self):
        return self.proc.pid

    def stored(self, expect=None, settle=15.0):
        """Messages the server holds (None for smtp-sink)."""
        if self.kind == "mailjar":
            con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=30)
            try:
                return con.execute("SELECT count(*) FROM messages").fetchone()[0]
            finally:
                con.close()
        if self.kind == "maildev":
            deadline = time.monotonic() + settle
            n = -1
            while True:
                conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=60)
                conn.request("GET", "/email")
                n = len(json.loads(conn.getresponse().read()))
                conn.close()
                if expect is None or n >= expect or time.monotonic() > deadline:
                    return n
                time.sleep(0.25)
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)


def run_load(port, msgfile, conns, pipelined, seconds=None, messages=None, server_pid=None):
    cmd = [SMTP_LOAD, "--port", str(port), "--conns", str(conns), "--file", msgfile]
    cmd += ["--seconds", str(seconds)] if seconds else ["--messages", str(messages)]
    if pipelined:
        cmd.append("--pipelining")
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0, b0, t0 = proc_ticks(server_pid) if server_pid else 0, busy_ticks(), time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    took = time.monotonic() - t0
    s1, b1 = proc_ticks(server_pid) if server_pid else 0, busy_ticks()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        res = json.loads(p.stdout)
    except ValueError:
        res = {"acked": 0, "failed": 0, "broken_connections": conns, "rate": 0, "latency_us": {}, "per_second": [],
               "first_error": "smtp_load output unreadable: " + (p.stderr or p.stdout)[-300:]}
    tck = os.sysconf("SC_CLK_TCK")
    client = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
    server = (s1 - s0) / tck
    res["exit"] = p.returncode
    res["server_cpu_pct"] = round(100 * server / took)
    res["client_cpu_pct"] = round(100 * client / took)
    res["others_cpu_pct"] = round(max(0.0, 100 * ((b1 - b0) / tck - server - client) / took))
    return res


def size_label(size):
    if size >= 1 << 20:
        return "%g MB" % (size / (1 << 20))
    return "%g KB" % (size / 1024) if size >= 1024 else "%d B" % size


# ----- phase: compare -----

def phase_compare(work, results):
    runs = results.setdefault("compare", [])
    for size in SIZES:
        msgfile = os.path.join(work, "msg-%d.eml" % size)
        with open(msgfile, "wb") as f:
            f.write(bench_helper.make_message(size))
        for conns in CONNS:
            for mode in MODES:
                for rep in range(REPEAT):
                    for kind in SERVERS:
                        run = {"server": kind, "size": size, "conns": conns, "mode": mode, "repeat": rep,
                               "load": loadavg()}
                        try:
                            srv = Server(kind, work)
                        except RuntimeError as e:
                            problem(str(e))
                            run.update(acked=0, rate=0, status=str(e))
                            runs.append(run)
                            continue
                        try:
                            res = run_load(srv.port, msgfile, conns, mode == "pipelined", seconds=SECONDS,
                                           server_pid=srv.pid)
                            run.update(res)
                            m = mem_detail(srv.pid)
                            run["rss_kb"], run["hwm_kb"] = m["VmRSS"], m["VmHWM"]
                            run["anon_kb"], run["file_kb"] = m["RssAnon"], m["RssFile"]
                            run["stored"] = srv.stored(expect=res["acked"])
                        finally:
                            srv.stop()
                        status = "ok"
                        if res["exit"] != 0 or res["failed"] or res["broken_connections"]:
                            status = "load failed: %s" % res.get("first_error", "?")
                        elif run["stored"] is not None and run["stored"] != res["acked"]:
                            status = "stored %s of %s acknowledged" % (run["stored"], res["acked"])
                        run["status"] = status
                        runs.append(run)
                        lat = res.get("latency_us", {}).get("txn") or {}
                        print("%-9s %-6s x%-3d %-9s %8.0f msgs/s  txn p50 %6.2f p99 %7.2f ms  HWM %6.1f MB  "
                              "cpu %3d%% client %3d%% others %3d%%  stored %s  %s" % (
                                  kind, size_label(size), conns, mode, res["rate"], lat.get("p50", 0) / 1000,
                                  lat.get("p99", 0) / 1000, run["hwm_kb"] / 1024, res["server_cpu_pct"],
                                  res["client_cpu_pct"], res["others_cpu_pct"],
                                  "-" if run["stored"] is None else "%d/%d" % (run["stored"], res["acked"]), status),
                              flush=True)
                        if status != "ok":
                            problem("%s %s x%d %s: %s" % (kind, size_label(size), conns, mode, status))


# ----- phase: prune -----

class Sampler(threading.Thread):
    """Samples a value every `interval` seconds until stopped."""

    def __init__(self, fn, interval=0.5):
        super().__init__(daemon=True)
        self.fn, self.interval, self.samples, self.halt = fn, interval, [], threading.Event()

    def run(self):
        t0 = time.monotonic()
        while not self.halt.is_set():
            try:
                self.samples.append((time.monotonic() - t0, self.fn()))
            except Exception as e:  # a sample that failed (e.g. database busy) is just skipped
                self.samples.append((time.monotonic() - t0, None))
                self.err = e
            self.halt.wait(self.interval)

    def stop(self):
        self.halt.set()
        self.join()
        return [s for s in self.samples if s[1] is not None]


def phase_prune(work, results):
    msgfile = os.path.join(work, "msg-2048.eml")
    with open(msgfile, "wb") as f:
        f.write(bench_helper.make_message(2048))
    age_s = bench_duration_s(PRUNE_AGE)
    variants = [("no pruning", []), ("--max-messages %d" % PRUNE_LIMIT, ["--max-messages", str(PRUNE_LIMIT)]),
                ("--max-age %s" % PRUNE_AGE, ["--max-age", PRUNE_AGE])]
    out = results.setdefault("prune", [])
    for name, extra in variants:
        srv = Server("mailjar", work, extra)

        def sample():
            con = sqlite3.connect("file:%s?mode=ro" % srv.db, uri=True, timeout=5)
            try:
                count, oldest = con.execute("SELECT count(*), min(received_ms) FROM messages").fetchone()
            finally:
                con.close()
            rss, _ = mem_kb(srv.pid)
            age = (time.time() * 1000 - oldest) / 1000 if oldest else 0
            return count, rss, age

        sampler = Sampler(sample)
        sampler.start()
        try:
            res = run_load(srv.port, msgfile, 16, True, seconds=PRUNE_SECONDS, server_pid=srv.pid)
            samples = sampler.stop()
            rss, hwm = mem_kb(srv.pid)
            final = srv.stored()
            pruned = None
            try:
                conn = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=30)
                conn.request("GET", "/api/v1/info", headers={"Host": "127.0.0.1"})
                pruned = json.loads(conn.getresponse().read())["RuntimeStats"]["MessagesDeleted"]
                conn.close()
            except (OSError, ValueError, KeyError):
                pass
        finally:
            srv.stop()
        per_sec = res.get("per_second", [])
        steady = per_sec[1:-1] if len(per_sec) > 3 else per_sec
        counts = [s[1][0] for s in samples]
        rsses = [s[1][1] for s in samples]
        ages = [s[1][2] for s in samples]
        quarter = max(1, len(rsses) // 4)
        run = {"variant": name, "seconds": PRUNE_SECONDS, "acked": res["acked"], "rate": res["rate"],
               "sustained_median": statistics.median(steady) if steady else 0,
               "sustained_min": min(steady) if steady else 0, "max_count": max(counts) if counts else None,
               "final_count": final, "max_age_s": max(ages) if ages else None, "pruned": pruned,
               "rss_mb_second_quarter": statistics.median(rsses[quarter:2 * quarter]) / 1024 if rsses else None,
               "rss_mb_last_quarter": statistics.median(rsses[-quarter:]) / 1024 if rsses else None,
               "rss_end_mb": rss / 1024, "hwm_mb": hwm / 1024, "samples": len(samples), "load": loadavg(),
               "server_cpu_pct": res["server_cpu_pct"], "status": "ok"}
        if res["exit"] != 0 or res["failed"] or res["broken_connections"]:
            run["status"] = "load failed: %s" % res.get("first_error")
        slack = 1000  # messages in flight and in one prune round at ~10 000 msgs/s
        if extra[:1] == ["--max-messages"] and counts and max(counts + [final]) > PRUNE_LIMIT + slack:
            run["status"] = "count %d above the limit %d + %d" % (max(counts + [final]), PRUNE_LIMIT, slack)
        if extra[:1] == ["--max-age"] and ages and max(ages) > age_s + 5:
            run["status"] = "oldest message %.1f s old, limit %s + 5 s" % (max(ages), PRUNE_AGE)
        if not extra and final != res["acked"]:
            run["status"] = "stored %s of %s acknowledged" % (final, res["acked"])
        if run["rss_mb_second_quarter"] and run["rss_mb_last_quarter"] > 1.5 * run["rss_mb_second_quarter"] + 8:
            run["status"] = "RSS grew from %.1f MB to %.1f MB" % (run["rss_mb_second_quarter"],
                                                                   run["rss_mb_last_quarter"])
        out.append(run)
        print("prune %-22s %7.0f msgs/s (per-second median %s, min %s)  max rows %s  final %s  oldest %.1f s  "
              "RSS %.1f -> %.1f MB (HWM %.1f)  %s" % (
                  name, res["rate"], run["sustained_median"], run["sustained_min"], run["max_count"], final,
                  run["max_age_s"] or 0, run["rss_mb_second_quarter"] or 0, run["rss_mb_last_quarter"] or 0,
                  run["hwm_mb"], run["status"]), flush=True)
        if run["status"] != "ok":
            problem("prune %s: %s" % (name, run["status"]))


def bench_duration_s(text):
    m = re.fullmatch(r"(\d+)([smhd])", text)
    if not m:
        raise SystemExit("BENCH_PRUNE_AGE: use e.g. 10s, 5m")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


# ----- phase: big -----

def phase_big(work, results):
    data = bench_helper.make_message(BIG_SIZE)
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    blobs = [p.get_content() for p in parsed.iter_attachments()]
    want = hashlib.sha256(blobs[0]).hexdigest()
    srv = Server("mailjar", work)
    run = {"size": len(data), "attachment": len(blobs[0]), "status": "ok", "load": loadavg()}
    try:
        rss0, _ = mem_kb(srv.pid)
        reset_hwm(srv.pid)
        sampler = Sampler(lambda: mem_detail(srv.pid)["RssAnon"], 0.01)
        sampler.start()
        t0 = time.monotonic()
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=300) as s:
            s.ehlo("bench.local")
            s.mail("big@bench.example", ["size=%d" % len(data)])
            s.rcpt("dev@bench.example")
            code, reply = s.data(data)
        run["ingest_s"] = time.monotonic() - t0
        ingest_samples = sampler.stop()
        _, run["ingest_hwm_kb"] = mem_kb(srv.pid)
        run["idle_rss_kb"] = rss0
        if code != 250:
            raise RuntimeError("DATA answered %d %s" % (code, reply))
        conn = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=300)
        hdr = {"Host": "127.0.0.1"}
        conn.request("GET", "/api/v1/messages?limit=1", headers=hdr)
        mid = json.loads(conn.getresponse().read())["messages"][0]["ID"]
        conn.request("GET", "/api/v1/message/%s" % mid, headers=hdr)
        msg = json.loads(conn.getresponse().read())
        att = msg["Attachments"][0]
        run["part_id"] = att["PartID"]
        time.sleep(0.5)
        run["rss_before_download_kb"], _ = mem_kb(srv.pid)
        reset_hwm(srv.pid)
        sampler = Sampler(lambda: mem_detail(srv.pid)["RssAnon"], 0.01)
        sampler.start()
        t0 = time.monotonic()
        conn.request("GET", "/api/v1/message/%s/part/%s" % (mid, att["PartID"]), headers=hdr)
        r = conn.getresponse()
        h = hashlib.sha256()
        got = 0
        while True:
            chunk = r.read(1 << 16)
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        run["download_s"] = time.monotonic() - t0
        dl_samples = sampler.stop()
        _, run["download_hwm_kb"] = mem_kb(srv.pid)
        run["http_status"] = r.status
        run["downloaded"] = got
        run["content_length"] = r.getheader("Content-Length")
        run["sha256_match"] = h.hexdigest() == want
        run["ingest_anon_peak_kb"] = max([s[1] for s in ingest_samples] or [0])
        run["download_anon_peak_kb"] = max([s[1] for s in dl_samples] or [0])
        raw_url = "/api/v1/message/%s/raw" % mid
        conn.request("GET", raw_url, headers=hdr)
        raw = conn.getresponse().read()
        run["raw_match"] = raw == data
        conn.close()
        if r.status != 200 or not run["sha256_match"]:
            run["status"] = "download: HTTP %d, %d bytes, checksum %s" % (
                r.status, got, "ok" if run["sha256_match"] else "MISMATCH")
        elif not run["raw_match"]:
            run["status"] = "raw source differs from the bytes sent"
    except (OSError, RuntimeError, KeyError, IndexError, ValueError, smtplib.SMTPException) as e:
        run["status"] = "failed: %r" % e
    finally:
        srv.stop()
    results["big"] = run
    if run["status"] != "ok":
        problem("25 MB: " + run["status"])
    print("big: %s" % json.dumps(run), flush=True)


# ----- report -----

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec="{:,.0f}"):
    return "-" if v is None else spec.format(v)


def md_table(rows, left=1):
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" if i < left else "---:" for i in range(len(rows[0]))) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows[1:]]
    return "\n".join(out)


def render(results, meta):
    md = ["# mailjar comparison benchmark results", ""]
    md.append("Run %(date)s on %(cpu)s (%(nproc)s cores, %(mem)s); mailjar %(version)s (git %(git)s); "
              "maildev %(maildev)s on Node.js %(node)s; load average before %(load_before)s, after "
              "%(load_after)s. %(seconds)s s per point, median of %(repeat)s repeat(s)." % meta)
    md.append("")
    targets = []
    runs = [r for r in results.get("compare", []) if r.get("status") == "ok"]
    points = []
    for r in results.get("compare", []):
        k = (r["size"], r["conns"], r["mode"])
        if k not in points:
            points.append(k)

    def pick(kind, k, fn):
        return med([fn(r) for r in runs if r["server"] == kind and (r["size"], r["conns"], r["mode"]) == k])

    def ratio_of(k, other):
        """Median over repeats of mailjar's rate / other's rate in the same repeat (the servers of one
        repeat ran back to back, so a slow spell on the machine hits both)."""
        by_rep = {}
        for r in runs:
            if (r["size"], r["conns"], r["mode"]) == k and r["server"] in ("mailjar", other):
                by_rep.setdefault(r["repeat"], {})[r["server"]] = r["rate"]
        return med([v["mailjar"] / v[other] for v in by_rep.values()
                    if v.get("mailjar") and v.get(other)])

    def lat(kind, k, what, p):
        return pick(kind, k, lambda r: (r.get("latency_us", {}).get(what) or {}).get(p))

    if points:
        md += ["## Throughput (msgs/s)", ""]
        rows = [["message", "conns", "mode", "smtp-sink", "mailjar", "maildev", "mailjar/smtp-sink",
                 "mailjar/maildev", "mailjar CPU", "mailjar stored", "maildev stored"]]
        for k in points:
            sink, mj, md_ = (pick(s, k, lambda r: r["rate"]) for s in ("smtp-sink", "mailjar", "maildev"))
            stored = {}
            for s in ("mailjar", "maildev"):
                sel = [r for r in results["compare"] if r["server"] == s and (r["size"], r["conns"], r["mode"]) == k]
                ok = [r for r in sel if isinstance(r.get("stored"), int)]
                stored[s] = ("{:,} / {:,}".format(sum(r["stored"] for r in ok), sum(r.get("acked", 0) for r in ok))
                             if ok else "-")
            rows.append([size_label(k[0]), k[1], k[2], fmt(sink), fmt(mj), fmt(md_),
                         fmt(ratio_of(k, "smtp-sink"), "{:.2f}x"), fmt(ratio_of(k, "maildev"), "{:.1f}x"),
                         fmt(pick("mailjar", k, lambda r: r.get("server_cpu_pct")), "{:.0f}%"),
                         stored["mailjar"], stored["maildev"]])
        md += [md_table(rows, 3), ""]
        md.append("Ratios are the median over repeats of the ratio within one repeat (the three servers "
                  "of a repeat run back to back). Stored: messages the server holds after each run, summed over the repeats / 250s the load generator counted. mailjar's 250 "
                  "is sent after the commit; maildev answers 250 when the data has arrived and parses "
                  "afterwards, so its count is read from its `/email` list once it settles.")
        md.append("")
        md += ["## Latency per transaction: MAIL written -> 250 after the data (ms, p50 / p95 / p99)", ""]
        rows = [["message", "conns", "mode", "smtp-sink", "mailjar", "maildev"]]
        for k in points:
            cells = []
            for s in ("smtp-sink", "mailjar", "maildev"):
                v = [lat(s, k, "txn", p) for p in ("p50", "p95", "p99")]
                cells.append("-" if v[0] is None else " / ".join("%.2f" % (x / 1000) for x in v))
            rows.append([size_label(k[0]), k[1], k[2]] + cells)
        md += [md_table(rows, 3), ""]
        md += ["## Latency per command (ms, p50 / p99)", "",
               "Plain: each command's round trip. Pipelined: each reply's time since the one write of "
               "MAIL+RCPT+DATA. Data: the message's first byte written -> its 250.", ""]
        rows = [["message", "conns", "mode", "server", "MAIL", "RCPT", "DATA (354)", "data -> 250"]]
        for k in points:
            for s in ("smtp-sink", "mailjar", "maildev"):
                cells = []
                for what in ("mail", "rcpt", "data", "body"):
                    a, b = lat(s, k, what, "p50"), lat(s, k, what, "p99")
                    cells.append("-" if a is None else "%.2f / %.2f" % (a / 1000, b / 1000))
                if any(c != "-" for c in cells):
                    rows.append([size_label(k[0]), k[1], k[2], s] + cells)
        md += [md_table(rows, 4), ""]
        md += ["## Memory: peak RSS (VmHWM) of each run, and its anonymous part at the end (MB, medians)", "",
               "RssAnon excludes pages of mapped files (mailjar's readers mmap the database; the kernel "
               "can drop those at will).", ""]
        rows = [["message", "conns", "mode", "smtp-sink", "mailjar", "mailjar RssAnon", "maildev", "maildev RssAnon"]]
        for k in points:
            cells = []
            for s_, key in (("smtp-sink", "hwm_kb"), ("mailjar", "hwm_kb"), ("mailjar", "anon_kb"),
                            ("maildev", "hwm_kb"), ("maildev", "anon_kb")):
                v = pick(s_, k, lambda r: r.get(key))
                cells.append(fmt(None if v is None else v / 1024, "{:.1f}"))
            rows.append([size_label(k[0]), k[1], k[2]] + cells)
        md += [md_table(rows, 3), ""]

        def ratio(size, conns, mode, other):
            return ratio_of((size, conns, mode), other)

        for mode in ("plain", "pipelined"):
            r = ratio(2048, 16, mode, "smtp-sink")
            if r is not None:
                targets.append(("2 KB, 16 conns, %s: mailjar >= 0.5x smtp-sink" % mode, "%.2fx" % r, r >= 0.5))
            r = ratio(2048, 16, mode, "maildev")
            if r is not None:
                targets.append(("2 KB, 16 conns, %s: mailjar >= 6x maildev" % mode, "%.2fx" % r, r >= 6))
            r = ratio(102400, 16, mode, "smtp-sink")
            if r is not None:
                targets.append(("100 KB, 16 conns, %s: mailjar >= 0.5x smtp-sink" % mode, "%.2fx" % r, r >= 0.5))
        v = lat("mailjar", (2048, 16, "pipelined"), "txn", "p50")
        if v is not None:
            targets.append(("2 KB, 16 conns, pipelined: p50 MAIL -> 250 <= 3 ms", "%.2f ms" % (v / 1000), v <= 3000))
        hw = [r.get("hwm_kb") for r in runs if r["server"] == "mailjar"]
        if hw:
            targets.append(("mailjar RSS <= 64 MB (largest VmHWM of any comparison run)", "%.1f MB" % (max(hw) / 1024),
                            max(hw) <= 64 * 1024))
    big = results.get("big")
    if big and "download_hwm_kb" in big:
        peak = max(big["ingest_hwm_kb"], big["download_hwm_kb"])
        targets.append(("mailjar RSS <= 64 MB while a 25 MB message is ingested and its attachment downloaded",
                        "%.1f MB" % (peak / 1024), peak <= 64 * 1024))

    prune = results.get("prune")
    if prune:
        md += ["## Pruning under load (16 connections, 2 KB, pipelined)", ""]
        base = next((p for p in prune if p["variant"] == "no pruning"), None)
        rows = [["mailjar", "msgs/s", "vs no pruning", "per-second median (min)", "rows: max sampled / final", "oldest sampled",
                 "pruned", "RSS 2nd quarter -> last quarter", "VmHWM", "CPU", "status"]]
        for p in prune:
            rows.append([p["variant"], fmt(p["rate"]),
                         fmt(p["rate"] / base["rate"] if base and base["rate"] else None, "{:.2f}x"), "%s (%s)" % (fmt(p["sustained_median"]), fmt(p["sustained_min"])),
                         "%s / %s" % (p["max_count"], p["final_count"]), "%.1f s" % (p["max_age_s"] or 0),
                         fmt(p["pruned"]), "%.1f -> %.1f MB" % (p["rss_mb_second_quarter"] or 0,
                                                               p["rss_mb_last_quarter"] or 0),
                         "%.1f MB" % p["hwm_mb"], "%d%%" % p["server_cpu_pct"], p["status"]])
        md += [md_table(rows), ""]
        md.append("Bounds checked: rows never above the limit + 1000, the oldest message never older than "
                  "the age + 5 s, RSS in the last quarter of the run not above 1.5x the second quarter + 8 MB; "
                  "without pruning every 250 is a row.")
        md.append("")

    big = results.get("big")
    if big:
        md += ["## 25 MB message end to end", ""]
        mb = 1024.0
        if "ingest_s" in big and "download_hwm_kb" in big:
            rows = [["step", "time", "peak RSS (VmHWM)", "peak / message size", "peak RssAnon (10 ms samples)",
                     "check"],
                    ["idle before", "-", "%.1f MB" % (big["idle_rss_kb"] / mb), "-", "-", "-"],
                    ["SMTP ingest (%.1f MB, SIZE= given)" % (big["size"] / 2 ** 20), "%.2f s" % big["ingest_s"],
                     "%.1f MB" % (big["ingest_hwm_kb"] / mb), "%.2fx" % (big["ingest_hwm_kb"] * 1024 / big["size"]),
                     "%.1f MB" % (big["ingest_anon_peak_kb"] / mb), "250"],
                    ["download attachment (%.1f MB) via /api/v1/message/ID/part/%s" % (big["attachment"] / 2 ** 20,
                                                                                     big["part_id"]),
                     "%.2f s" % big["download_s"], "%.1f MB (%.1f MB before)" % (big["download_hwm_kb"] / mb,
                                                                               big["rss_before_download_kb"] / mb),
                     "%.2fx" % (big["download_hwm_kb"] * 1024 / big["size"]),
                     "%.1f MB" % (big["download_anon_peak_kb"] / mb),
                     "HTTP %s, %d bytes, SHA-256 %s; raw source %s" % (
                         big["http_status"], big["downloaded"], "equal" if big["sha256_match"] else "DIFFERENT",
                         "byte-identical" if big["raw_match"] else "DIFFERENT")]]
            md += [md_table(rows), ""]
        md += ["Status: %s" % big["status"], ""]

    if targets:
        md += ["## Targets (issue 6)", ""]
        rows = [["target", "measured", "met"]]
        rows += [[t, v, "yes" if ok else "**no**"] for t, v, ok in targets]
        md += [md_table(rows), ""]
    if problems:
        md += ["## Problems", ""] + ["- " + p for p in problems] + [""]
    return "\n".join(md)


def main():
    global MAILJAR_BIN
    for tool, path in (("mailjar", MAILJAR_BIN), ("smtp_load", SMTP_LOAD)):
        if not os.access(path, os.X_OK):
            raise SystemExit("compare: no %s at %s (tests/bench/compare.sh builds it)" % (tool, path))
    if "maildev" in SERVERS and "compare" in PHASES and not os.path.exists(MAILDEV):
        raise SystemExit("compare: maildev not installed (cd tests/bench/maildev && npm ci)")
    work = tempfile.mkdtemp(prefix="mailjar-compare-")
    os.chmod(work, 0o755)
    # A private copy: a rebuild during the run must not change the binary under test.
    shutil.copy2(MAILJAR_BIN, os.path.join(work, "mailjar"))
    MAILJAR_BIN = os.path.join(work, "mailjar")

    def sh(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    meta = {"date": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
            "cpu": sh(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).strip(),
            "nproc": os.cpu_count(), "mem": sh(["sh", "-c", "free -g | awk '/^Mem:/ {print $2 \" GiB RAM\"}'"]),
            "version": sh([MAILJAR_BIN, "--version"]).replace("mailjar ", ""),
            "git": sh(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]),
            "maildev": "-", "node": sh(["node", "--version"]), "load_before": loadavg(),
            "seconds": SECONDS, "repeat": REPEAT}
    try:
        with open(os.path.join(os.path.dirname(os.path.dirname(MAILDEV)), "package.json")) as f:
            meta["maildev"] = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    print("mailjar comparison benchmark; load average %s (other work on this machine skews the numbers)"
          % meta["load_before"], flush=True)
    results = {"meta": meta}
    try:
        for phase in PHASES:
            try:
                {"compare": phase_compare, "prune": phase_prune, "big": phase_big}[phase](work, results)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                problem("phase %s stopped: %s" % (phase, e))
    finally:
        meta["load_after"] = loadavg()
        if not KEEP:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work directory kept: " + work)
    report = render(results, meta)
    os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(report)
    with open(OUT_JSON, "w") as f:
        json.dump({"results": results, "problems": problems}, f, indent=1)
    print()
    print(report)
    print("results: %s (raw runs: %s)" % (OUT, OUT_JSON))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
