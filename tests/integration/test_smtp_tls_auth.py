#!/usr/bin/env python3
"""STARTTLS (self-signed and from certificate files), implicit TLS (--smtps), plaintext
pipelined after STARTTLS discarded, and AUTH PLAIN/LOGIN/CRAM-MD5: any credentials by
default (user recorded), checked and required with --smtp-auth / --smtp-auth-file."""

import base64
import hashlib
import hmac
import os
import smtplib
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import certs  # noqa: E402
from support import mailjar  # noqa: E402
from support import smtp_client as sc  # noqa: E402
from support.runner import case, check, check_eq, main  # noqa: E402
from support.store import Db  # noqa: E402


def b64(s):
    return base64.b64encode(s.encode("utf-8") if isinstance(s, str) else s).decode("ascii")


def tls_server():
    return mailjar.shared_server("--smtp-tls-self-signed")


def plain_server():
    return mailjar.shared_server()


USERS = {"alice": "s3cret", "bob": "hunter2 with spaces"}


def auth_server():
    return mailjar.shared_server("--smtp-auth", ",".join(f"{u}:{p}" for u, p in USERS.items()))


def finish_transaction(c, subject, rcpt="r@example.net"):
    """MAIL/RCPT/DATA on an open, greeted connection; returns the queued id."""
    c.cmd("MAIL FROM:<s@example.org>", 250)
    c.cmd(f"RCPT TO:<{rcpt}>", 250)
    c.cmd("DATA", 354)
    c.send(f"Subject: {subject}\r\n\r\nbody\r\n.\r\n".encode())
    uid = c.expect(250, what="end of data").queued_id()
    check(uid is not None, "queued id")
    return uid


def stored(srv, uid):
    m = Db(srv.db_path).message(uid)
    check(m is not None, f"{uid} acknowledged but not stored")
    return m


def ehlo_keywords(reply):
    return {line.split()[0].upper(): line.split()[1:] for line in reply.lines[1:]}


# -- TLS -------------------------------------------------------------------------------------
@case
def starttls_self_signed_with_smtplib():
    srv = tls_server()
    s = smtplib.SMTP("127.0.0.1", srv.smtp_port, local_hostname="tls.test", timeout=15)
    s.ehlo()
    check(s.has_extn("starttls"), "STARTTLS advertised with --smtp-tls-self-signed")
    code, _ = s.starttls(context=sc.client_tls_context())
    check_eq(code, 220, "STARTTLS reply")
    s.ehlo()
    check(not s.has_extn("starttls"), "STARTTLS not advertised again inside TLS")
    version = s.sock.version()
    code, resp = s.mail("tls@example.org")
    check_eq(code, 250, "MAIL over TLS")
    s.rcpt("r@example.net")
    code, resp = s.data(b"Subject: over tls\r\n\r\nsecret\r\n")
    check_eq(code, 250, f"data reply {resp!r}")
    uid = resp.decode().rsplit(" ", 1)[-1]
    s.quit()
    m = stored(srv, uid)
    check(m.tls != "", "envelope records TLS")
    check(version in m.tls, f"TLS description {m.tls!r} names the protocol {version}")
    check_eq(m.helo, "tls.test", "EHLO after STARTTLS recorded")


@case
def self_signed_certificate_names_loopback():
    """Users can pin the generated certificate: it is valid for localhost and 127.0.0.1."""
    srv = tls_server()
    with sc.open_session(srv.smtp_port) as c:
        c.starttls()
        der = c.sock.getpeercert(binary_form=True)
    d = mailjar.temp_dir()
    pem = os.path.join(d, "server.pem")
    with open(pem, "w") as f:
        f.write(ssl.DER_cert_to_PEM_cert(der))
    for name in ("localhost", "127.0.0.1"):
        ctx = ssl.create_default_context(cafile=pem)
        s = smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=15)
        s.ehlo("pin.test")
        s._host = name  # the name checked against the certificate
        try:
            s.starttls(context=ctx)
        except ssl.SSLCertVerificationError as e:
            check(False, f"pinned self-signed certificate rejected for {name}: {e}")
        s.quit()


@case
def starttls_with_certificate_files():
    cert, key = certs.make_cert()
    srv = mailjar.Server("--smtp-tls-cert", cert, "--smtp-tls-key", key)
    # Full verification against the generated certificate proves the server uses it.
    ctx = ssl.create_default_context(cafile=cert)
    s = smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=15)
    s.ehlo("files.test")
    check(s.has_extn("starttls"), "STARTTLS advertised with --smtp-tls-cert/key")
    s.starttls(context=ctx)
    check_eq(s.sock.getpeercert(binary_form=True), certs.der(cert), "server presents our certificate")
    s.ehlo("files.test")
    code, resp = s.mail("f@example.org")
    s.rcpt("r@example.net")
    code, resp = s.data(b"Subject: cert files\r\n\r\nx\r\n")
    check_eq(code, 250, "stored over verified TLS")
    s.quit()
    check(stored(srv, resp.decode().rsplit(" ", 1)[-1]).tls != "", "TLS recorded")


@case
def bad_certificate_files_fail_start():
    d = mailjar.temp_dir()
    junk = os.path.join(d, "junk.pem")
    with open(junk, "w") as f:
        f.write("not a certificate\n")
    r = mailjar.run_cli(["--smtp", "127.0.0.1:0", "--db", os.path.join(d, "x.db"),
                         "--smtp-tls-cert", junk, "--smtp-tls-key", junk])
    check(r.returncode != 0, "junk certificate must fail start-up")
    err = r.stderr.decode("utf-8", "replace").strip()
    check(err != "", "a reason is printed")


@case
def plaintext_pipelined_after_starttls_is_discarded():
    srv = tls_server()
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.ehlo()
        # CVE-2011-0411: the MAIL travels in plaintext with the STARTTLS and must be dropped.
        c.send(b"STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n")
        c.expect(220, what="STARTTLS")
        check_eq(c.buf, b"", "no plaintext reply after the 220")
        c._wrap()
        # First reply over TLS must be the EHLO's, not one for the injected MAIL.
        r = c.cmd("EHLO after.test", 250)
        check(r.lines[0].startswith("mailjar"), f"EHLO reply first: {r!r}")
        # No transaction was started by the injected MAIL: RCPT is out of sequence.
        c.cmd("RCPT TO:<r@example.net>", 503)
        uid = finish_transaction(c, "after injection")
    m = stored(srv, uid)
    check_eq(m.mail_from, "s@example.org", "sender is the one sent over TLS")
    check_eq(m.helo, "after.test", "HELO state was reset by STARTTLS")


@case
def starttls_state_reset_and_errors():
    srv = tls_server()
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.ehlo()
        c.cmd("STARTTLS now", 501)  # no arguments allowed
        c.starttls()
        # STARTTLS forgets the EHLO: MAIL before a new EHLO is out of sequence.
        c.cmd("MAIL FROM:<x@example.org>", 503)
        r = c.ehlo()
        check("STARTTLS" not in ehlo_keywords(r), "no STARTTLS inside TLS")
        c.cmd("STARTTLS", 503)  # already TLS
        finish_transaction(c, "after reset")
    with sc.open_session(plain_server().smtp_port) as c:
        c.cmd("STARTTLS", 502)  # TLS not configured


@case
def implicit_tls_listener():
    srv = mailjar.Server("--smtp-tls-self-signed", "--smtps", "127.0.0.1:0")
    check(srv.smtps_port != srv.smtp_port, "separate smtps port")
    with sc.Conn(srv.smtps_port, tls=True) as c:
        c.expect(220)
        r = c.ehlo("smtps.test")
        check("STARTTLS" not in ehlo_keywords(r), "no STARTTLS on the implicit-TLS listener")
        uid = finish_transaction(c, "implicit tls")
        version = c.sock.version()
    m = stored(srv, uid)
    check(version in m.tls, f"TLS description {m.tls!r}")
    # smtplib's SMTP_SSL is a real client for the same listener.
    s = smtplib.SMTP_SSL("127.0.0.1", srv.smtps_port, context=sc.client_tls_context(), timeout=15)
    s.ehlo("ssl.test")
    s.sendmail("a@example.org", ["b@example.net"], b"Subject: smtp_ssl\r\n\r\nx\r\n")
    s.quit()
    # A plaintext client on the TLS port gets no SMTP greeting.
    with sc.Conn(srv.smtps_port, timeout=3) as c:
        c.send(b"EHLO plain.test\r\n")
        c.wait_closed(timeout=3)
        check(not c.buf.startswith(b"2") and not c.buf.startswith(b"5"),
              f"plaintext client on smtps got an SMTP reply: {c.buf[:80]!r}")


@case
def broken_handshakes_are_survived():
    srv = mailjar.shared_server("--smtp-tls-self-signed", "--smtps", "127.0.0.1:0")
    with sc.open_session(srv.smtp_port) as c:  # plaintext where a ClientHello belongs
        c.cmd("STARTTLS", 220)
        c.send(b"EHLO not-tls.test\r\n")
        check(c.wait_closed(timeout=10), "closed after a non-TLS reply to STARTTLS")
    with sc.Conn(srv.smtps_port) as c:  # random bytes to the implicit-TLS port
        c.send(bytes(range(256)) * 4)
        check(c.wait_closed(timeout=10), "closed after garbage on the smtps port")
    with sc.Conn(srv.smtps_port) as c:  # a truncated ClientHello, then RST
        c.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 20)
        c.abort()
    for port in (srv.smtp_port, srv.smtps_port):  # still serving both listeners
        tls = port == srv.smtps_port
        with sc.open_session(port, tls=tls) as c:
            if not tls:
                c.starttls()
                c.ehlo()
            uid = finish_transaction(c, "after broken handshakes")
        check(stored(srv, uid).tls != "", "stored over TLS")


# -- AUTH ------------------------------------------------------------------------------------
def auth_plain_initial(c, user, pw, code):
    return c.cmd("AUTH PLAIN " + b64(f"\0{user}\0{pw}"), code)


def auth_plain_prompt(c, user, pw, code):
    r = c.cmd("AUTH PLAIN", 334)
    check(r.lines[0].strip() == "", f"PLAIN prompt is an empty challenge: {r!r}")
    return c.cmd(b64(f"\0{user}\0{pw}"), code)


def auth_login(c, user, pw, code):
    r = c.cmd("AUTH LOGIN", 334)
    check_eq(r.lines[0], "VXNlcm5hbWU6", "LOGIN asks for Username:")
    r = c.cmd(b64(user), 334)
    check_eq(r.lines[0], "UGFzc3dvcmQ6", "LOGIN asks for Password:")
    return c.cmd(b64(pw), code)


def auth_cram_md5(c, user, pw, code):
    r = c.cmd("AUTH CRAM-MD5", 334)
    challenge = base64.b64decode(r.lines[0], validate=True)
    check(challenge.startswith(b"<") and challenge.endswith(b">") and b"@" in challenge,
          f"CRAM-MD5 challenge looks like <unique@host>: {challenge!r}")
    digest = hmac.new(pw.encode(), challenge, hashlib.md5).hexdigest()
    return c.cmd(b64(f"{user} {digest}"), code)


MECHANISMS = {"PLAIN": auth_plain_initial, "PLAIN-prompt": auth_plain_prompt,
              "LOGIN": auth_login, "CRAM-MD5": auth_cram_md5}


@case
def auth_any_credentials_by_default_records_user():
    srv = plain_server()
    for name, fn in MECHANISMS.items():
        user = f"user-{name.lower()}@example.org"
        with sc.open_session(srv.smtp_port) as c:
            fn(c, user, "whatever password", 235)
            uid = finish_transaction(c, f"auth {name}")
        check_eq(stored(srv, uid).auth_user, user, f"{name}: user recorded")


@case
def auth_with_smtplib_login():
    srv = plain_server()
    s = smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=15)
    s.ehlo("login.test")
    code, _ = s.login("smtplib-user", "pw")  # smtplib prefers CRAM-MD5
    check_eq(code, 235, "login")
    code, resp = s.mail("a@example.org")
    s.rcpt("b@example.net")
    code, resp = s.data(b"Subject: smtplib login\r\n\r\nx\r\n")
    s.quit()
    check_eq(stored(srv, resp.decode().rsplit(" ", 1)[-1]).auth_user, "smtplib-user", "user")


@case
def auth_protocol_errors():
    srv = plain_server()
    with sc.open_session(srv.smtp_port) as c:
        c.cmd("AUTH LOGIN", 334)
        c.cmd("*", 501, "5.0.0")  # client cancels
        c.cmd("AUTH PLAIN !!!not-base64!!!", 501)
        r = c.cmd("AUTH NOSUCHMECH")
        check(r.code == 504 or r.code == 501, f"unknown mechanism refused with 504: {r!r}")
        auth_plain_initial(c, "once", "pw", 235)
        auth_plain_initial(c, "twice", "pw", 503)  # AUTH twice
        uid = finish_transaction(c, "after auth errors")
    check_eq(stored(srv, uid).auth_user, "once", "first AUTH user kept")
    with sc.Conn(srv.smtp_port) as c:
        c.expect(220)
        c.cmd("AUTH PLAIN " + b64("\0u\0p"), 503)  # AUTH before EHLO


@case
def auth_required_and_checked():
    srv = auth_server()
    with sc.open_session(srv.smtp_port) as c:
        check("AUTH" in ehlo_keywords(c.ehlo()), "AUTH advertised")
        c.cmd("MAIL FROM:<a@example.org>", 530, "5.7.0")
        for name, fn in MECHANISMS.items():
            fn(c, "alice", "wrong", 535)
        auth_cram_md5(c, "mallory", "s3cret", 535)  # unknown user
        c.cmd("MAIL FROM:<a@example.org>", 530, "5.7.0")  # still not authenticated
        auth_login(c, "alice", USERS["alice"], 235)
        uid = finish_transaction(c, "authenticated alice")
    check_eq(stored(srv, uid).auth_user, "alice", "alice recorded")
    for name, fn in MECHANISMS.items():
        with sc.open_session(srv.smtp_port) as c:
            fn(c, "bob", USERS["bob"], 235)
            uid = finish_transaction(c, f"bob via {name}")
        check_eq(stored(srv, uid).auth_user, "bob", f"bob via {name}")


@case
def auth_bad_password_rejected_with_535_code():
    srv = auth_server()
    with sc.open_session(srv.smtp_port) as c:
        r = auth_plain_initial(c, "alice", "nope", 535)
        check_eq(r.enhanced(), "5.7.8", "535 5.7.8")
    s = smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=15)
    s.ehlo("x.test")
    try:
        s.login("alice", "nope")
        check(False, "smtplib login with a bad password must fail")
    except smtplib.SMTPAuthenticationError as e:
        check_eq(e.smtp_code, 535, "smtplib sees 535")
    s.close()


@case
def auth_file():
    d = mailjar.temp_dir()
    path = os.path.join(d, "users.txt")
    with open(path, "w") as f:
        f.write("# test users\ncarol:pa:ss\n\ndave:pw\n")
    srv = mailjar.Server("--smtp-auth-file", path)
    with sc.open_session(srv.smtp_port) as c:
        c.cmd("MAIL FROM:<a@example.org>", 530)
        auth_plain_initial(c, "carol", "pa", 535)
        auth_plain_initial(c, "carol", "pa:ss", 235)  # the password is everything after the first colon
        uid = finish_transaction(c, "carol from file")
    check_eq(stored(srv, uid).auth_user, "carol", "user from file")


@case
def tls_and_auth_recorded_together():
    srv = tls_server()
    with sc.open_session(srv.smtp_port) as c:
        c.starttls()
        c.ehlo("both.test")
        auth_cram_md5(c, "tls-user", "pw", 235)
        uid = finish_transaction(c, "tls+auth")
    m = stored(srv, uid)
    check(m.tls != "" and m.auth_user == "tls-user", f"tls={m.tls!r} auth_user={m.auth_user!r}")


@case
def swaks_auth():
    srv = auth_server()
    out = subprocess.run(
        ["swaks", "--server", "127.0.0.1", "--port", str(srv.smtp_port), "--from", "sw@example.org",
         "--to", "r@example.net", "--auth", "CRAM-MD5", "--auth-user", "alice", "--auth-password",
         USERS["alice"], "--header", "Subject: swaks auth", "--timeout", "15"],
        capture_output=True, timeout=60)
    text = out.stdout.decode("utf-8", "replace")
    check_eq(out.returncode, 0, f"swaks exit; transcript:\n{text}")
    uid = text.split("queued as ")[1].split()[0]
    check_eq(stored(srv, uid).auth_user, "alice", "swaks user recorded")
    out = subprocess.run(
        ["swaks", "--server", "127.0.0.1", "--port", str(srv.smtp_port), "--from", "sw@example.org",
         "--to", "r@example.net", "--auth", "LOGIN", "--auth-user", "alice", "--auth-password", "bad",
         "--timeout", "15"], capture_output=True, timeout=60)
    check(out.returncode != 0, "swaks with a bad password fails")
    check(b"535" in out.stdout, "535 in swaks transcript")


if __name__ == "__main__":
    main()
