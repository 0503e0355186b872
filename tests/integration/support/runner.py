"""Tiny test runner for the integration scripts (standard library only).

Each tests/integration/test_*.py registers functions with @case and calls main().
main() runs them in order, prints one line per case, stops every mailjar the script
started (also on failure), reports sanitizer findings from their logs as failures, prints
the closing line "N passed, M failed" and exits non-zero when anything failed.

A watchdog bounds the whole script (MAILJAR_TEST_DEADLINE seconds, default 240, below
CTest's 300 s) so no test can hang: on expiry it kills the servers and exits 2.
"""

import os
import sys
import threading
import time
import traceback

from . import mailjar

_cases = []


def case(fn):
    """Register a test function (no arguments). Raise AssertionError (or anything) to fail."""
    _cases.append(fn)
    return fn


def check(cond, message):
    """assert that survives python -O and carries a message."""
    if not cond:
        raise AssertionError(message)


def check_eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def _short(e, limit=2000):
    text = str(e)
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"


def _watchdog(deadline):
    def fire():
        sys.stderr.write(f"\nWATCHDOG: script exceeded {deadline}s, killing servers\n")
        sys.stderr.flush()
        mailjar.kill_all()
        sys.stdout.write("0 passed, 1 failed (watchdog)\n")
        sys.stdout.flush()
        os._exit(2)

    t = threading.Timer(deadline, fire)
    t.daemon = True
    t.start()
    return t


def main(only=None):
    """Run the registered cases (or those whose name contains `only`, or argv[1])."""
    if only is None and len(sys.argv) > 1:
        only = sys.argv[1]
    deadline = float(os.environ.get("MAILJAR_TEST_DEADLINE", "240"))
    dog = _watchdog(deadline)
    passed = failed = 0
    for fn in _cases:
        if only and only not in fn.__name__:
            continue
        start = time.monotonic()
        mailjar.begin_case(fn.__name__)
        try:
            fn()
            problems = mailjar.end_case()
            if problems:
                raise AssertionError("server log problems:\n" + "\n".join(problems))
        except Exception as e:  # noqa: BLE001 - any exception is a failed case
            failed += 1
            mailjar.end_case()
            print(f"FAIL {fn.__name__} ({time.monotonic() - start:.2f}s): {_short(e)}", flush=True)
            print(_short(traceback.format_exc(), 6000), flush=True)
            for log in mailjar.recent_logs():
                print(log, flush=True)
        else:
            passed += 1
            print(f"ok   {fn.__name__} ({time.monotonic() - start:.2f}s)", flush=True)
    problems = mailjar.stop_all()
    if problems:
        failed += 1
        print("FAIL shutdown: " + "\n".join(problems), flush=True)
    dog.cancel()
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)
