#!/usr/bin/env python3
"""Writes the hand-made seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/seed-*):
real SMTP sessions (pipelining, BDAT, STARTTLS, AUTH, smuggling variants) with the option and
split bytes smtp_session_fuzz reads first, searches from shared/API.md, HTTP requests for the
API routes, and the messages of samples/ for mime_ingest. Idempotent; run after editing.
Inputs found by fuzzing are added by `run.sh --merge` (named by their SHA-1)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- smtp_session: byte 0 options, byte 1 split seed, then the client stream ----
TLS, REJECT_BARE, AUTH, SMALL, FLAKY = 1, 2, 4, 8, 16
SPLIT_RANDOM16, SPLIT_CR, SPLIT_BYTES, SPLIT_RANDOM4K = 0, 32, 64, 96

EHLO = "EHLO client.example\r\n"
ENV = "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
MSG = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n..dot\r\n"
sessions = {
    "plain": (0, 7, EHLO + ENV + "DATA\r\n" + MSG + ".\r\nQUIT\r\n"),
    "pipelined": (0, 3, EHLO + ENV + "RCPT TO:<c@example.com>\r\nDATA\r\n" + MSG + ".\r\n" + ENV + "DATA\r\n" + MSG + ".\r\nQUIT\r\n"),
    "helo-rset-noop": (SPLIT_CR, 1, "HELO x\r\nNOOP\r\nRSET\r\nVRFY b\r\nHELP\r\nEXPN x\r\nTURN\r\n" + ENV + "RSET\r\nDATA\r\nQUIT\r\n"),
    "bdat": (0, 9, EHLO + ENV + "BDAT 10\r\n0123456789BDAT 5 LAST\r\nabcdeQUIT\r\n"),
    "bdat-binarymime": (SPLIT_BYTES, 0, EHLO + "MAIL FROM:<a@example.com> BODY=BINARYMIME SIZE=12\r\nRCPT TO:<b@x>\r\nDATA\r\nBDAT 12 LAST\r\n\x00\x01\r\n.\r\n\xff\xfe\r\nQUIT\r\n"),
    "bdat-errors": (0, 5, EHLO + "BDAT 3\r\nabcBDAT x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT 2\r\nxyDATA\r\nBDAT 999999999999 LAST\r\n"),
    "starttls": (TLS, 2, EHLO + "STARTTLS\r\n" + EHLO + ENV + "DATA\r\n" + MSG + ".\r\nQUIT\r\n"),
    "starttls-injection": (TLS, 4, EHLO + "STARTTLS\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<x@example.com>\r\n"),
    "starttls-twice": (TLS | SPLIT_CR, 1, "EHLO a\r\nSTARTTLS\r\nEHLO a\r\nSTARTTLS\r\nMAIL FROM:<a@x>\r\nSTARTTLS\r\n"),
    "auth-plain": (AUTH, 8, EHLO + "MAIL FROM:<a@x>\r\nAUTH PLAIN AGZ1enoAcHc=\r\n" + ENV + "DATA\r\n" + MSG + ".\r\n"),
    "auth-login": (AUTH | SPLIT_CR, 0, EHLO + "AUTH LOGIN\r\nZnV6eg==\r\ncHc=\r\n" + ENV + "DATA\r\n.\r\n"),
    "auth-cram": (AUTH, 6, EHLO + "AUTH CRAM-MD5\r\nZnV6eiAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw\r\nAUTH PLAIN\r\n*\r\nAUTH X\r\nAUTH PLAIN ====\r\n"),
    "smuggling-lf": (0, 11, EHLO + ENV + "DATA\r\nSubject: a\r\n\r\nbody\n.\nMAIL FROM:<smuggled@x>\r\n\r\n.\r\n"),
    "smuggling-cr": (SPLIT_CR, 0, EHLO + ENV + "DATA\r\nbody\r.\rRCPT TO:<x@y>\r\n\r\n.\r\n"),
    "smuggling-mixed": (REJECT_BARE, 13, EHLO + ENV + "DATA\r\nbody\r\n.\nX\n.\r\nY\r.\r\n\r\n.\r\n"),
    "bare-lf-reject": (REJECT_BARE | SPLIT_BYTES, 0, EHLO + ENV + "DATA\r\nline\nline2\r\n.\r\n" + ENV + "DATA\r\nok\r\n.\r\n"),
    "dot-first-line": (SPLIT_CR, 0, EHLO + ENV + "DATA\n.\r\n" + ENV + "DATA\r\n.\r\n" + ENV + "DATA\r\n..\r\n.x\r\n.\r\n"),
    "small-limits": (SMALL, 21, EHLO + "MAIL FROM:<a@x> SIZE=100000\r\nMAIL FROM:<a@x> SIZE=10\r\nRCPT TO:<1@x>\r\nRCPT TO:<2@x>\r\nRCPT TO:<3@x>\r\nRCPT TO:<4@x>\r\nDATA\r\n" + "x" * 400 + "\r\n.\r\n" + "L" * 200 + "\r\nQUIT\r\n"),
    "long-line": (SPLIT_RANDOM4K, 3, EHLO + "NOOP " + "a" * 5000 + "\r\n" + ENV + "QUIT\r\n"),
    "http": (0, 0, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    "http-long": (SMALL, 0, "POST /" + "a" * 200 + " HTTP/1.1\r\n"),
    "errors": (SMALL, 0, "\r\nFOO\r\nMAIL\r\nRCPT TO:<a>\r\nDATA x\r\nEHLO\r\nHELO \x01\r\nMAIL FROM:<a\x01b>\r\nVRFY\r\nSTARTTLS x\r\n"),
    "params": (0, 17, EHLO + "MAIL FROM:<> SIZE=12 BODY=8BITMIME SMTPUTF8 AUTH=<>\r\nRCPT TO:<\"q u\"@[127.0.0.1]>\r\nRCPT TO:<b@x> NOTIFY=NEVER\r\nRCPT TO:postmaster\r\nMAIL FROM:<a@x> FOO=1\r\nDATA\r\n.\r\n"),
    "flaky-store": (FLAKY, 2, EHLO + (ENV + "DATA\r\nx\r\n.\r\n") * 3 + ENV + "BDAT 1 LAST\r\nz"),
    "utf8": (0, 0, EHLO + "MAIL FROM:<j\xc3\xb6rg@b\xc3\xbccher.example> SMTPUTF8\r\nRCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a>\r\nDATA\r\nSubject: \xc3\xa9\r\n\r\n\xc3\xa9\r\n.\r\n"),
}
for name, (opts, seed, text) in sessions.items():
    write("smtp_session", name, bytes([opts, seed]) + text.encode("latin-1"))

# ---- mime_ingest: every sample message ----
samples = os.path.join(ROOT, "samples")
for f in sorted(os.listdir(samples)):
    if f.endswith(".eml"):
        with open(os.path.join(samples, f), "rb") as src:
            write("mime_ingest", f, src.read())

# ---- search_query: searches from shared/API.md and the unit tests ----
searches = [
    "", "hello", "\"quoted phrase\" word", "-draft !spam", "from:billing@example.com", "to:bob cc:carol bcc:dave",
    "reply-to:x addressed:alice", "subject:\"weekly report\"", "message-id:abc@example.com", "tag:urgent -tag:old",
    "is:read", "is:unread is:read", "is:tagged", "has:attachment", "has:inline", "larger:2M smaller:100K",
    "larger:10KB smaller:1MB", "before:2026-01-31 after:2025-12-01", "after:\"2026-01-31 10:00\"",
    "header:X-Mailer:PHPMailer", "header:List-Id:", "-header:X-Spam:yes", "subject:Ünïcödé ДОБРО", "\"unclosed phrase",
    "from: to:\"\" larger:0", "* ^ OR AND NOT NEAR(a b)", "caf\u00e9 \u65e5\u672c", "before:31.13.2026",
]
for i, s in enumerate(searches):
    write("search_query", "%02d" % i, s)

# ---- http_router: requests for every route ----
LATEST = "FuzzSample000000000004"
OLDEST = "FuzzSample000000000000"
requests = [
    "GET /api/v1/messages?start=0&limit=2",
    "GET /api/v1/search?query=from%3Aalice%20is%3Aunread&start=1&limit=5&tz=Europe%2FBerlin",
    "DELETE /api/v1/search?query=subject:invoice",
    "GET /api/v1/message/latest?query=tag:test",
    "GET /api/v1/message/%s" % LATEST,
    "GET /api/v1/message/%s/headers" % OLDEST,
    "GET /api/v1/message/%s/raw?dl=1" % OLDEST,
    "GET /api/v1/message/%s/part/1" % "FuzzSample000000000003",
    "GET /api/v1/message/%s/part/2/thumb" % "FuzzSample000000000002",
    "POST /api/v1/message/%s/release\n\n{\"To\":[\"x@example.com\"]}" % LATEST,
    "GET /api/v1/message/%s/deliveries" % LATEST,
    "PUT /api/v1/messages\nContent-Type: application/json\n\n{\"IDs\":[\"%s\"],\"Read\":true}" % LATEST,
    "PUT /api/v1/messages\n\n{\"Search\":\"is:unread\",\"Read\":true}",
    "DELETE /api/v1/messages\n\n{\"IDs\":[\"%s\"]}" % OLDEST,
    "DELETE /api/v1/messages",
    "DELETE /api/v1/messages/%s" % LATEST,
    "POST /api/v1/send\n\n{\"From\":{\"Email\":\"a@example.com\",\"Name\":\"A\"},\"To\":[{\"Email\":\"b@example.com\"}],\"Subject\":\"s\",\"Text\":\"t\",\"HTML\":\"<p>h</p>\",\"Attachments\":[{\"Content\":\"aGk=\",\"Filename\":\"a.txt\"}],\"Tags\":[\"x\"],\"Headers\":{\"X-A\":\"1\"}}",
    "GET /api/v1/tags",
    "PUT /api/v1/tags\n\n{\"IDs\":[\"%s\"],\"Tags\":[\"one\",\"two\"]}" % LATEST,
    "PUT /api/v1/tags/one\n\n{\"Name\":\"renamed\"}",
    "DELETE /api/v1/tags/two",
    "GET /api/v1/info",
    "GET /api/v1/webui",
    "GET /api/v1/openapi.json",
    "GET /view/%s.html" % "FuzzSample000000000003",
    "GET /view/latest.txt",
    "GET /livez",
    "GET /readyz",
    "GET /api/v2/messages?start=0&limit=250",
    "GET /api/v2/search?kind=containing&query=hello",
    "GET /api/v2/search?kind=from&query=a%40b",
    "OPTIONS /api/v1/messages",
    "HEAD /api/v1/message/latest/raw",
    "PATCH /api/v1/tags",
    "GET /%61pi/v1/../v1/./messages//?limit=%ZZ",
    "GET /api/v1/message/%2e%2e/raw",
]
for i, r in enumerate(requests):
    write("http_router", "%02d" % i, r + ("" if "\n" in r else "\n"))
print("seeds written to", CORPUS)
