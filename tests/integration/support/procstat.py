"""Read a process's memory and descriptor counts from /proc, and raise this process's open-file
limit, for the abuse and hostile-content tests (bounded memory, no leaked sockets).

    rss_kib(pid), peak_kib(pid)    VmRSS / VmHWM in KiB
    reset_peak(pid)                VmHWM back to VmRSS (peak of one step, not of the process's life)
    fd_count(pid)                  entries in /proc/<pid>/fd
    raise_nofile(n)                soft (and, as root, hard) RLIMIT_NOFILE to at least n; returns the soft limit
    small_quarantine_env()         ASAN_OPTIONS with a 1 MB quarantine, so freed memory shows as freed

Linux only; standard library only. Safe from any thread.
"""

import os
import resource


def _status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {key} in /proc/{pid}/status")


def rss_kib(pid):
    return _status_kib(pid, "VmRSS")


def peak_kib(pid):
    return _status_kib(pid, "VmHWM")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def raise_nofile(n):
    """Make RLIMIT_NOFILE at least n (children started later inherit it). Returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return soft
    if hard != resource.RLIM_INFINITY and hard < n:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))  # root may raise the hard limit
            return n
        except (ValueError, OSError):
            n = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def small_quarantine_env():
    asan = (os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1").lstrip(":")
    return {"ASAN_OPTIONS": asan}


def reset_peak(pid):
    """Reset VmHWM to the current RSS (Linux: writing 5 to clear_refs), so the next peak_kib()
    is the peak since now. Returns the current RSS in KiB."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")
    return rss_kib(pid)
