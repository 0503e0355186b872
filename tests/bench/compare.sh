#!/usr/bin/env bash
# mailjar comparison benchmark, one command (issue 6; method and last results: BENCHMARKS.md).
#
# Builds what it needs, then runs tests/bench/compare.py:
#   - mailjar, Release, in $BENCH_BUILD (default build/bench; configured here if missing;
#     MAILJAR_BIN=path skips the build and measures that binary),
#   - the load generator tests/bench/smtp_load.cpp (g++ -O2, into $BENCH_BUILD/smtp_load),
#   - maildev from npm at the version pinned in tests/bench/maildev/package-lock.json (npm ci).
# Needs smtp-sink (package postfix; its daemon is never started), node/npm, sqlite3, python3:
# scripts/install-deps.sh --test installs them.
#
#   tests/bench/compare.sh                    # everything, ~15 min on a 2-core VM
#   BENCH_QUICK=1 tests/bench/compare.sh      # smoke run, ~3 min
#   BENCH_PHASES=big tests/bench/compare.sh   # one phase: compare | prune | big | api
#
# Results: $BENCH_OUT (default build/bench/compare-results.md) and the raw runs beside it (.json).
# The "api" phase (not in the default set: it stores 100 000 messages through SMTP first, a few
# minutes) runs tests/bench/http_api_bench.py and appends its table to the results file.
# Other knobs (environment): BENCH_SECONDS, BENCH_REPEAT, BENCH_SIZES, BENCH_CONNS, BENCH_MODES,
# BENCH_SERVERS, BENCH_PRUNE_SECONDS, BENCH_PRUNE_LIMIT, BENCH_PRUNE_AGE, BENCH_BIG_SIZE,
# BENCH_KEEP=1; see the top of compare.py. Exit status 1 if a run failed or lost a message.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${BENCH_BUILD:-$repo/build/bench}"
export BENCH_OUT="${BENCH_OUT:-$build/compare-results.md}"
phases="${BENCH_PHASES:-compare prune big}"

if [ -z "${MAILJAR_BIN:-}" ]; then
  [ -f "$build/CMakeCache.txt" ] ||
    cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAILJAR_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target mailjar
  export MAILJAR_BIN="$build/mailjar"
fi

mkdir -p "$build"
export SMTP_LOAD="$build/smtp_load"
if [ ! -x "$SMTP_LOAD" ] || [ "$here/smtp_load.cpp" -nt "$SMTP_LOAD" ]; then
  g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror -pthread "$here/smtp_load.cpp" -o "$SMTP_LOAD"
fi

case " ${BENCH_SERVERS:-maildev} $phases " in
  *" maildev "*" compare "*)
    if [ ! -x "$here/maildev/node_modules/.bin/maildev" ] ||
      [ "$here/maildev/package-lock.json" -nt "$here/maildev/node_modules/.package-lock.json" ]; then
      (cd "$here/maildev" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    ;;
esac

status=0
py_phases=""
for p in $phases; do [ "$p" = api ] || py_phases="$py_phases $p"; done
if [ -n "${py_phases# }" ]; then
  BENCH_PHASES="${py_phases# }" python3 "$here/compare.py" || status=1
else
  : >"$BENCH_OUT"
fi

case " $phases " in
  *" api "*)
    {
      echo
      echo "## HTTP API at ${BENCH_MESSAGES:-100000} messages (tests/bench/http_api_bench.py)"
      echo
    } >>"$BENCH_OUT"
    python3 "$here/http_api_bench.py" | tee -a "$BENCH_OUT" || status=1
    echo "results: $BENCH_OUT"
    ;;
esac
exit "$status"
