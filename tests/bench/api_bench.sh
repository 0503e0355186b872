#!/usr/bin/env bash
# mailjar API/query benchmark (see api_bench.md): builds the store in Release, compiles
# api_bench.cpp against it, fills a database with 100 000 messages and times the mailbox queries.
#
# Environment:
#   BENCH_BUILD      build directory (default: build/api-bench)
#   BENCH_MESSAGES   messages to store (default 100000)
#   BENCH_ITER       iterations per query (default 200)
#   BENCH_DB         database file (default: $BENCH_BUILD/api-bench.db; removed unless BENCH_KEEP=1)
#   BENCH_OUT        markdown results (default: $BENCH_BUILD/api-results.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${BENCH_BUILD:-$repo/build/api-bench}"
out="${BENCH_OUT:-$build/api-results.md}"

cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAILJAR_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target mailjar_lib
# shellcheck disable=SC2046
g++ -std=c++20 -O2 -DNDEBUG -I"$repo/server" -I"$repo" $(pkg-config --cflags gmime-3.0) \
  "$here/api_bench.cpp" -o "$build/api_bench" \
  "$build/libmailjar_lib.a" "$build/libmailjar_core.a" \
  $(pkg-config --libs gmime-3.0 libcares) -lsqlite3 -lssl -lcrypto -lz -pthread

args=(--db "${BENCH_DB:-$build/api-bench.db}" --messages "${BENCH_MESSAGES:-100000}" --iterations "${BENCH_ITER:-200}")
[ "${BENCH_KEEP:-0}" = 1 ] && args+=(--keep)
"$build/api_bench" "${args[@]}" | tee "$out"
echo "results: $out"
