"""Start and stop mailjar processes for integration tests.

Server(*flags) starts the binary from $MAILJAR_BIN on 127.0.0.1 port 0 with a database in
a fresh temporary directory, waits for its `event=listening` log lines and exposes the bound
ports. stop() sends SIGTERM, waits, kills on timeout, and returns problems found in its log
(sanitizer reports, unexpected exit). Every server is registered here so the runner can
stop them all (also from the watchdog). Temporary directories are removed at exit.

Not thread-safe for starting/stopping; the returned objects can be read from any thread.
"""

import atexit
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.abspath(os.path.join(_HERE, "..", "..", ".."))

START_TIMEOUT = 30.0  # an ASan build with a fresh database can take a while
STOP_TIMEOUT = 15.0

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "ThreadSanitizer",
)

_live = []  # servers not yet stopped
_case_servers = []  # servers started during the current case
_tmp_dirs = []


def binary():
    path = os.environ.get("MAILJAR_BIN") or os.path.join(_REPO, "build", "integ", "mailjar")
    if not os.path.exists(path):
        raise RuntimeError(f"mailjar binary not found at {path} (set MAILJAR_BIN)")
    return os.path.abspath(path)  # servers run in their own directory: a relative path would break


def samples_dir():
    return os.environ.get("MAILJAR_SAMPLES") or os.path.join(_REPO, "samples")


def temp_dir(prefix="mailjar-it-"):
    """A temporary directory removed when the script exits."""
    d = tempfile.mkdtemp(prefix=prefix)
    _tmp_dirs.append(d)
    return d


@atexit.register
def _cleanup_dirs():
    kill_all()
    for d in _tmp_dirs:
        shutil.rmtree(d, ignore_errors=True)


# Other listeners (e.g. HTTP, `--http` / MAILJAR_HTTP) must never take a fixed port in tests:
# parallel scripts would collide. Given as environment variables, which builds that do not
# know them ignore.
QUIET_LISTENERS = {"MAILJAR_HTTP": "127.0.0.1:0"}


def base_env(extra=None):
    env = dict(os.environ)
    env.update(QUIET_LISTENERS)
    env.update(extra or {})
    return env


def parse_kv(line):
    """Parse one `key=value key2="quoted value"` log line into a dict."""
    out = {}
    for m in re.finditer(r'([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)', line):
        v = m.group(2)
        if v.startswith('"') and v.endswith('"') and len(v) >= 2:
            v = v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        out[m.group(1)] = v
    return out


def split_host_port(addr):
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), int(port)


class Server:
    """One mailjar process. Flags are passed through; --smtp/--db are added unless given."""

    def __init__(self, *flags, db=None, env=None, cwd=None, add_smtp=True, add_db=True,
                 expect=None, start=True, shared=False):
        self.flags = [str(f) for f in flags]
        self.dir = temp_dir()
        self.db_path = db or os.path.join(self.dir, "mailjar.db")
        self.env = base_env(env)
        self.cwd = cwd or self.dir
        self.add_smtp = add_smtp and "--smtp" not in self.flags
        self.add_db = add_db and "--db" not in self.flags
        # Which listeners must be reported before start() returns.
        if expect is None:
            expect = ["smtp"] + (["smtps"] if "--smtps" in self.flags else [])
        self.expect = list(expect)
        self.shared = shared  # survives the case that started it (stopped by stop_all)
        self.proc = None
        self.returncode = None
        self.listeners = {}  # name -> (host, port)
        self.log_path = None
        self._scanned = 0
        self._stopped = False
        if start:
            self.start()

    # -- lifecycle ---------------------------------------------------------------------------
    def argv(self):
        argv = [binary()]
        if self.add_smtp:
            argv += ["--smtp", "127.0.0.1:0"]
        if self.add_db:
            argv += ["--db", self.db_path]
        return argv + self.flags

    def start(self):
        self.log_path = os.path.join(self.dir, f"server-{int(time.time() * 1000)}.log")
        self._log = open(self.log_path, "wb")
        self._scanned = 0  # scan_log() reads this run's log from its start
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd)
        self._stopped = False
        self.returncode = None
        _live.append(self)
        if not self.shared:
            _case_servers.append(self)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            self._read_listeners()
            if all(name in self.listeners for name in self.expect):
                return self
            rc = self.proc.poll()
            if rc is not None:
                self._finish(rc)
                raise RuntimeError(f"mailjar exited with {rc} during start-up; argv={self.argv()}\n"
                                   f"{self.log_text()[-4000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mailjar did not report listeners {self.expect} within "
                                   f"{START_TIMEOUT}s\n{self.log_text()[-4000:]}")
            time.sleep(0.02)

    def _read_listeners(self):
        for line in self.log_text().splitlines():
            kv = parse_kv(line)
            if kv.get("event") == "listening" and "listener" in kv and "addr" in kv:
                self.listeners[kv["listener"]] = split_host_port(kv["addr"])

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Stop the process; returns a list of problems (empty when it stopped cleanly)."""
        if self.proc is None or self._stopped:
            return []
        problems = []
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                problems.append(f"did not exit within {timeout}s of signal {sig}; killed")
                self.proc.kill()
                self.proc.wait(timeout=10)
        else:
            problems.append(f"had already exited with {self.proc.returncode} before stop")
        self._finish(self.proc.returncode)
        problems += self.scan_log()
        return problems

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._finish(self.proc.returncode if self.proc else None)

    def _finish(self, rc):
        self.returncode = rc
        self._stopped = True
        if self in _live:
            _live.remove(self)
        try:
            self._log.close()
        except Exception:  # noqa: BLE001
            pass

    def restart(self, *flags):
        """Stop and start again on the same database (flags replaced when given)."""
        problems = self.stop()
        if flags:
            self.flags = [str(f) for f in flags]
        self.listeners = {}
        self.start()
        return problems

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- properties --------------------------------------------------------------------------
    @property
    def smtp_port(self):
        return self.listeners["smtp"][1]

    @property
    def smtps_port(self):
        return self.listeners["smtps"][1]

    @property
    def http_port(self):
        """Port of the HTTP listener (start the server with expect=[..., "http"] to wait for it)."""
        return self.listeners["http"][1]

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def scan_log(self):
        """Sanitizer reports and crashes seen in the log since the last scan."""
        text = self.log_text()
        new = text[self._scanned:]
        self._scanned = len(text)
        problems = []
        for marker in SANITIZER_MARKERS:
            i = new.find(marker)
            if i >= 0:
                problems.append(f"{marker!r} in {self.log_path}:\n{new[max(0, i - 200):i + 3000]}")
                break
        return problems

    def tail(self, n=4000):
        return f"--- {self.log_path} (rc={self.returncode}) ---\n{self.log_text()[-n:]}"


# -- registry used by the runner ---------------------------------------------------------------
def begin_case(name):
    del name
    _case_servers.clear()


def end_case():
    """Stop servers started by the case; check shared ones are alive and clean."""
    problems = []
    for s in list(_case_servers):
        problems += s.stop()
    for s in list(_live):
        if s.shared:
            if not s.alive():
                problems.append(f"shared server died (rc={s.proc.returncode})")
                s._finish(s.proc.returncode)
            problems += s.scan_log()
    return problems


_shared = {}


def shared_server(*flags, expect=None):
    """One server per distinct flag list (and listeners to wait for), kept for the whole script
    (stopped by stop_all)."""
    key = tuple(str(f) for f in flags) + (tuple(expect or ()),)
    s = _shared.get(key)
    if s is None or s._stopped:
        s = Server(*flags, shared=True, expect=expect)
        _shared[key] = s
    return s


def recent_logs():
    return [s.tail() for s in list(_case_servers) + [s for s in _live if s.shared]]


def stop_all():
    problems = []
    for s in list(_live):
        problems += s.stop()
    return problems


def kill_all():
    for s in list(_live):
        try:
            s.kill()
        except Exception:  # noqa: BLE001
            pass


def run_cli(args, env=None, cwd=None, timeout=20, add_env=True):
    """Run mailjar to completion (for --help, bad flags...). Returns CompletedProcess (bytes)."""
    e = base_env(env) if add_env else dict(env or {})
    return subprocess.run([binary()] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                          capture_output=True, env=e, cwd=cwd or temp_dir(), timeout=timeout)
