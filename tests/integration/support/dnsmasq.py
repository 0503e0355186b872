"""A dnsmasq for tests: 127.0.0.1:<port>, no daemon, no upstream, no hosts file, authoritative
for *.test (unknown names are NXDOMAIN), serving only the records given (dnsmasq options such as
--mx-host=... and --host-record=...). Its log goes to `log_path`; the caller stops the process."""

import os
import pwd
import shutil
import subprocess


def start(port, records, log_path):
    argv = [shutil.which("dnsmasq") or "/usr/sbin/dnsmasq", "--no-daemon", f"--port={port}",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
            "--conf-file=/dev/null", "--pid-file=", "--local=/test/", "--log-facility=-"] + list(records)
    if os.geteuid() == 0:  # dnsmasq would otherwise drop to 'nobody' and lose its log file
        argv.append("--user=" + pwd.getpwuid(0).pw_name)
    return subprocess.Popen(argv, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
