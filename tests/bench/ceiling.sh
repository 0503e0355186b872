#!/bin/bash
# What bounds ingest on this machine. One load (tests/bench/smtp_load.cpp, the 2 KB benchmark
# message, 16 connections, plain and pipelined) against:
#   smtp-sink                 Postfix's sink: accepts and discards (the machine's ceiling)
#   mailjar                   as shipped (parse, store durably, index)
#   mailjar no-store          built with tests/bench/ceiling.patch, MAILJAR_CEILING=no-store:
#                             parses every message, then answers 250 without touching SQLite
#   mailjar no-parse          the same build, MAILJAR_CEILING=no-parse: neither parses nor stores
# and prints msgs/s and each one's share of smtp-sink. Bench only (not in make test); the patched
# build lives in a temporary git worktree and is removed afterwards.
#
#   tests/bench/ceiling.sh                 # ~3 min build + ~2 min of runs
#   CEILING_SECONDS=10 CEILING_SIZE=102400 CEILING_REPEAT=3 tests/bench/ceiling.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seconds="${CEILING_SECONDS:-6}"
size="${CEILING_SIZE:-2048}"
repeat="${CEILING_REPEAT:-2}"
conns="${CEILING_CONNS:-16}"
build="${BENCH_BUILD:-$repo/build/bench}"

command -v smtp-sink >/dev/null || { echo "ceiling.sh: smtp-sink missing (scripts/install-deps.sh --test)" >&2; exit 1; }
work="$(mktemp -d /tmp/mailjar-ceiling.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  git -C "$repo" worktree remove --force "$work/src" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Shipped build (as compare.sh makes it) and the load generator.
[ -f "$build/CMakeCache.txt" ] ||
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAILJAR_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target mailjar >/dev/null
g++ -std=c++20 -O2 -Wall -Wextra -Werror -pthread "$here/smtp_load.cpp" -o "$work/smtp_load"

# Patched build.
git -C "$repo" worktree add --quiet --detach "$work/src" HEAD
git -C "$work/src" apply "$here/ceiling.patch"
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAILJAR_TESTS=OFF >/dev/null
cmake --build "$work/build" -j2 --target mailjar >/dev/null

python3 -c "
import sys; sys.path.insert(0, '$here'); import bench_helper
m = bench_helper.make_message($size)
open('$work/msg.eml', 'wb').write(m if isinstance(m, bytes) else m.encode())"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run KIND MODE -> msgs/s on stdout
run() {
  local kind=$1 mode=$2 port pid
  port=$(free_port)
  case $kind in
    smtp-sink)
      local user=()
      [ "$(id -u)" = 0 ] && user=(-u nobody)  # smtp-sink refuses to run as root
      smtp-sink "${user[@]}" -m 512 "127.0.0.1:$port" 1024 >/dev/null 2>&1 & pid=$! ;;
    mailjar) "$build/mailjar" --smtp "127.0.0.1:$port" --http 127.0.0.1:0 --db "$work/$port.db" >/dev/null 2>&1 & pid=$! ;;
    no-store|no-parse)
      MAILJAR_CEILING=$kind "$work/build/mailjar" --smtp "127.0.0.1:$port" --http 127.0.0.1:0 \
        --db "$work/$port.db" >/dev/null 2>&1 & pid=$! ;;
  esac
  pids+=("$pid")
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1).close()" 2>/dev/null && break
    sleep 0.05
  done
  local pl=()
  [ "$mode" = pipelined ] && pl=(--pipelining)
  "$work/smtp_load" --port "$port" --file "$work/msg.eml" --messages 2000 --conns "$conns" >/dev/null
  "$work/smtp_load" --port "$port" --file "$work/msg.eml" --seconds "$seconds" --conns "$conns" "${pl[@]}" |
    tail -1 | python3 -c "import json,sys; print(round(json.loads(sys.stdin.read())['rate']))"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

printf 'message %d bytes, %d connections, %s s per run, median of %d\n\n' "$size" "$conns" "$seconds" "$repeat"
printf '| mode | smtp-sink | mailjar | mailjar no-store | mailjar no-parse |\n|---|---:|---:|---:|---:|\n'
for mode in plain pipelined; do
  declare -A rates=()
  for kind in smtp-sink mailjar no-store no-parse; do
    vals=()
    for _ in $(seq "$repeat"); do vals+=("$(run "$kind" "$mode")"); done
    rates[$kind]=$(printf '%s\n' "${vals[@]}" | python3 -c "import statistics, sys; print(round(statistics.median(int(x) for x in sys.stdin)))")
  done
  sink=${rates[smtp-sink]}
  cell() { python3 -c "print('{:,} ({:.2f}x)'.format($1, $1 / $sink))"; }
  printf '| %s | %s | %s | %s | %s |\n' "$mode" "$(python3 -c "print('{:,}'.format($sink))")" "$(cell "${rates[mailjar]}")" \
    "$(cell "${rates[no-store]}")" "$(cell "${rates[no-parse]}")"
  unset rates
done
