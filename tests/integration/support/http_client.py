"""HTTP and WebSocket clients for integration tests (standard library only).

- request(): one request over http.client with the Host header set explicitly (so tests can lie
  about it), returning a Reply with status, lower-case headers and the body (gzip left as sent).
- RawConn: a plain socket speaking bytes, for malformed requests, pipelining and keep-alive
  checks; read_response() parses exactly one HTTP/1.1 response off the stream.
- WebSocket: a minimal RFC 6455 client (masked frames, text/ping/pong/close), enough to watch
  /api/events and /api/v2/websocket.

Not thread-safe per object; create one per thread.
"""

import base64
import hashlib
import http.client
import json
import os
import socket
import ssl
import struct
import threading
import time

DEFAULT_TIMEOUT = 15


class Reply:
    def __init__(self, status, headers, body, reason=""):
        self.status = status
        self.headers = headers  # dict: lower-case name -> value (repeated names joined by ", ")
        self.body = body
        self.reason = reason

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Reply {self.status} {self.headers} {self.body[:200]!r}>"


def _headers_of(msg):
    out = {}
    for k, v in msg.items():
        k = k.lower()
        out[k] = f"{out[k]}, {v}" if k in out else v
    return out


def request(port, method, path, body=None, headers=None, host=None, tls=False, timeout=DEFAULT_TIMEOUT,
            conn=None):
    """One request; `host` defaults to 127.0.0.1:port. Pass `conn` to reuse a keep-alive connection."""
    h = {"Host": host if host is not None else f"127.0.0.1:{port}"}
    h.update(headers or {})
    own = conn is None
    if own:
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    if isinstance(body, str):
        body = body.encode()
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in h.items():
            if v is not None:
                conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, _headers_of(resp.headers), data, resp.reason)
    finally:
        if own:
            conn.close()


def connection(port, timeout=DEFAULT_TIMEOUT):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


class RawConn:
    """Bytes over a socket, with a parser for the responses that come back."""

    def __init__(self, port, timeout=DEFAULT_TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by server")
        self.buf += chunk

    def closed_by_peer(self, timeout=5):
        """True when the server closes the connection (EOF or reset) within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def read_response(self, head=False):
        """Parse one response: returns Reply. `head`: the request was HEAD (no body follows)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head_bytes, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            v = v.strip()
            headers[k] = f"{headers[k]}, {v}" if k in headers else v
        body = b""
        if head or status in (204, 304) or 100 <= status < 200:
            return Reply(status, headers, body)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
        elif "content-length" in headers:
            n = int(headers["content-length"])
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        else:
            while True:
                try:
                    self._fill()
                except ConnectionError:
                    break
            body, self.buf = self.buf, b""
        return Reply(status, headers, body)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def http_request_bytes(method, path, host, headers=None, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class WebSocketError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status  # HTTP status when the handshake was refused


class WebSocket:
    """Minimal RFC 6455 client. connect() raises WebSocketError with the HTTP status on refusal."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, port, path="/api/events", host=None, origin=None, headers=None, timeout=DEFAULT_TIMEOUT):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.closed = False
        self.last_fin = True
        key = base64.b64encode(os.urandom(16)).decode()
        h = {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
        }
        if origin:
            h["Origin"] = origin
        h.update(headers or {})
        self.sock.sendall(http_request_bytes("GET", path, host or f"127.0.0.1:{port}", h))
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WebSocketError("closed during handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        if self.status != 101:
            self.sock.close()
            raise WebSocketError(f"handshake refused with HTTP {self.status}", self.status)
        want = base64.b64encode(hashlib.sha1((key + self.GUID).encode()).digest()).decode()
        if self.headers.get("sec-websocket-accept") != want:
            raise WebSocketError("bad Sec-WebSocket-Accept")

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WebSocketError("connection closed")
            self.buf += chunk

    def _send_frame(self, opcode, payload=b""):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_text(self, text):
        self._send_frame(0x1, text.encode())

    def ping(self, payload=b"hi"):
        self._send_frame(0x9, payload)

    def recv_frame(self, timeout=None):
        """Next frame as (opcode, payload); control frames are returned too (pings answered)."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        off = 2
        if n == 126:
            self._need(4)
            n = struct.unpack("!H", self.buf[2:4])[0]
            off = 4
        elif n == 127:
            self._need(10)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            off = 10
        if b1 & 0x80:
            raise WebSocketError("server frames must not be masked")
        self._need(off + n)
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        opcode = b0 & 0x0F
        self.last_fin = bool(b0 & 0x80)
        if opcode == 0x9:
            self._send_frame(0xA, payload)
        if opcode == 0x8:
            self.closed = True
        return opcode, payload

    def recv_message(self, timeout=5):
        """Next complete data message (continuation frames joined) as (opcode, payload); control
        frames in between are handled. None on timeout."""
        deadline = time.monotonic() + timeout
        opcode, parts = None, []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                op, payload = self.recv_frame(timeout=left)
            except socket.timeout:
                return None
            if op == 0x8:
                raise WebSocketError("server closed the WebSocket")
            if op >= 0x8:
                continue  # ping (answered) / pong
            if op != 0x0:
                opcode, parts = op, []
            parts.append(payload)
            if self.last_fin:
                return opcode, b"".join(parts)

    def recv_json(self, timeout=5):
        """Next text message parsed as JSON; skips pings/pongs. None on timeout."""
        m = self.recv_message(timeout)
        if m is None:
            return None
        return json.loads(m[1])

    def wait_for(self, predicate, timeout=5):
        """Read frames until predicate(frame) is true; returns (frame, frames seen before it)."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            left = deadline - time.monotonic()
            f = self.recv_json(timeout=max(left, 0.01)) if left > 0 else None
            if f is None:
                return None, seen
            if predicate(f):
                return f, seen
            seen.append(f)

    def close(self):
        try:
            if not self.closed:
                self._send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class NewIdCollector:
    """Reads `ws` on a thread of its own, collecting the IDs of `new` frames until stop()."""

    def __init__(self, ws):
        self.ws = ws
        self.ids = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                f = self.ws.recv_json(timeout=0.5)
            except WebSocketError:
                return
            if f and f["Type"] == "new":
                self.ids.append(f["Data"]["ID"])

    def wait_for(self, n, timeout):
        """Waits until `n` IDs arrived or `timeout` seconds passed."""
        deadline = time.monotonic() + timeout
        while len(self.ids) < n and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
