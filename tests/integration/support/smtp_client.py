"""A raw SMTP client for dialogues smtplib will not produce (pipelined blobs, smuggling,
garbage, half-sent data). Every socket operation has a deadline; nothing blocks forever.

    c = Conn(port)                 # connects to 127.0.0.1 and reads nothing yet
    c.expect(220)                  # greeting
    c.send(b"EHLO x\\r\\n")
    code, lines = c.reply()        # one (possibly multi-line) reply
    c.cmd("NOOP", 250)             # send a line, read a reply, check its code
    c.starttls()                   # wraps the socket (no certificate verification)

Only loopback addresses are ever used. One Conn per thread.
"""

import re
import socket
import ssl
import time

HOST = "127.0.0.1"
DEFAULT_TIMEOUT = 10.0

QUEUED_RE = re.compile(r"^2\.0\.0 Ok: queued as ([0-9A-Za-z]{22})$")


def client_tls_context():
    """A client context that accepts any certificate (the server's is self-signed)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Closed(Exception):
    """The server closed the connection before a complete reply arrived."""


class Reply:
    def __init__(self, code, lines):
        self.code = code
        self.lines = lines  # text after "NNN-"/"NNN ", one per line

    @property
    def text(self):
        return "\n".join(self.lines)

    def enhanced(self):
        m = re.match(r"^(\d\.\d{1,3}\.\d{1,3})\b", self.lines[-1] if self.lines else "")
        return m.group(1) if m else None

    def queued_id(self):
        m = QUEUED_RE.match(self.lines[-1]) if self.lines else None
        return m.group(1) if m else None

    def __iter__(self):  # allows `code, lines = reply`
        return iter((self.code, self.lines))

    def __repr__(self):
        return f"Reply({self.code}, {self.lines!r})"


class Conn:
    def __init__(self, port, host=HOST, timeout=DEFAULT_TIMEOUT, tls=False, connect=True):
        assert host in ("127.0.0.1", "::1", "localhost"), "integration tests stay on loopback"
        self.host, self.port, self.timeout = host, port, timeout
        self.buf = b""
        self.sock = None
        self.tls = False
        if connect:
            self.sock = socket.create_connection((host, port), timeout=timeout)
            if tls:
                self._wrap()

    # -- low level ---------------------------------------------------------------------------
    def _wrap(self):
        self.sock = client_tls_context().wrap_socket(self.sock, server_hostname=None)
        self.tls = True

    def local_addr(self):
        h, p = self.sock.getsockname()[:2]
        return f"{h}:{p}"

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def send_slowly(self, data, chunk=1, pause=0.0):
        """Send in small writes (exercises reassembly across reads)."""
        for i in range(0, len(data), chunk):
            self.send(data[i:i + chunk])
            if pause:
                time.sleep(pause)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"nothing (more) from the server in time; buffered={self.buf!r}")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError(f"nothing (more) from the server within {remaining:.1f}s; buffered={self.buf!r}")
        except (ConnectionResetError, ssl.SSLError, BrokenPipeError) as e:
            raise Closed(f"connection error: {e!r}; buffered={self.buf!r}")
        if not data:
            raise Closed(f"server closed the connection; buffered={self.buf!r}")
        self.buf += data

    def read_line(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\r\n" not in self.buf:
            if len(self.buf) > 100000:
                raise AssertionError(f"reply line too long: {self.buf[:200]!r}...")
            self._fill(deadline)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self, timeout=None):
        """Read one reply (all lines of a multi-line reply). Raises Closed / TimeoutError."""
        lines = []
        code = None
        while True:
            raw = self.read_line(timeout)
            if len(raw) > 512:
                raise AssertionError(f"reply line longer than 512 bytes: {raw[:100]!r}")
            text = raw.decode("utf-8", "replace")
            m = re.match(r"^(\d{3})([ -])(.*)$", text) or re.match(r"^(\d{3})()$", text)
            if not m:
                raise AssertionError(f"malformed reply line {raw!r}")
            if code is not None and int(m.group(1)) != code:
                raise AssertionError(f"code changed inside a multi-line reply: {lines} then {raw!r}")
            code = int(m.group(1))
            lines.append(m.group(3))
            if m.group(2) != "-":
                return Reply(code, lines)

    def replies(self, n, timeout=None):
        return [self.reply(timeout) for _ in range(n)]

    def codes_until_closed(self, most, timeout=None):
        """Reply codes read until the server closes the connection (or `most` were read)."""
        codes = []
        try:
            while len(codes) < most:
                codes.append(self.reply(timeout).code)
        except Closed:
            pass
        return codes

    def expect(self, code, enhanced=None, timeout=None, what=""):
        r = self.reply(timeout)
        if r.code != code:
            raise AssertionError(f"{what or 'reply'}: expected {code}, got {r!r}")
        if enhanced is not None and r.enhanced() != enhanced:
            raise AssertionError(f"{what or 'reply'}: expected enhanced code {enhanced}, got {r!r}")
        return r

    def cmd(self, line, code=None, enhanced=None, timeout=None):
        """Send one command line (CRLF added) and read its reply; check the code when given."""
        if isinstance(line, str):
            line = line.encode("utf-8")
        self.send(line + b"\r\n")
        if code is None:
            return self.reply(timeout)
        return self.expect(code, enhanced, timeout, what=line[:60].decode("utf-8", "replace"))

    def ehlo(self, name="client.test"):
        return self.cmd(f"EHLO {name}", 250)

    def starttls(self):
        self.cmd("STARTTLS", 220)
        if self.buf:
            raise AssertionError(f"server sent bytes after the STARTTLS 220: {self.buf!r}")
        self._wrap()

    def wait_closed(self, timeout=5.0):
        """True when the server closes the connection within timeout (data read is kept)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._fill(deadline)
            except Closed:
                return True
            except TimeoutError:
                return False
        return False

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def abort(self):
        """Close with RST instead of FIN (SO_LINGER 0)."""
        import struct
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_session(port, helo="client.test", tls=False):
    """Connect, read the greeting, EHLO. Returns the Conn."""
    c = Conn(port, tls=tls)
    c.expect(220, what="greeting")
    c.ehlo(helo)
    return c


def dot_stuff(data):
    """What a client must send for message `data` (ending with CRLF): stuffed + terminator."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    out = data.replace(b"\r\n.", b"\r\n..")
    if out.startswith(b"."):
        out = b"." + out
    return out + b".\r\n"


def unstuff(sent):
    """Reference dot-unstuffing of the DATA payload as sent (without the final '.CRLF'):
    a '.' at a line start (start of data or right after CRLF) is removed."""
    parts = sent.split(b"\r\n")
    return b"\r\n".join(p[1:] if p.startswith(b".") else p for p in parts)


def send_message(port, data, mail_from="sender@example.org", rcpts=("rcpt@example.net",),
                 helo="client.test", tls=False, timeout=None):
    """One full transaction over a raw socket; returns the 22-char id from the 250.
    `timeout` bounds the wait for the 250 (parsing and storing a big message)."""
    with open_session(port, helo, tls) as c:
        c.cmd(f"MAIL FROM:<{mail_from}>", 250)
        for r in rcpts:
            c.cmd(f"RCPT TO:<{r}>", 250)
        c.cmd("DATA", 354)
        c.send(dot_stuff(data))
        r = c.expect(250, timeout=timeout, what="end of data")
        c.cmd("QUIT", 221)
        uid = r.queued_id()
        if not uid:
            raise AssertionError(f"250 reply without a queued-as id: {r!r}")
        return uid
