"""A throw-away certificate for TLS tests, made with `openssl req` (EC P-256, one day,
SAN mailjar.test / 127.0.0.1). Files live in a temporary directory removed at exit."""

import os
import ssl
import subprocess

from . import mailjar


def make_cert(cn="mailjar.test"):
    """Returns (cert_path, key_path)."""
    d = mailjar.temp_dir("mailjar-cert-")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", f"/CN={cn}",
         "-addext", f"subjectAltName=DNS:{cn},IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)
    return cert, key


def der(cert_path):
    with open(cert_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())
