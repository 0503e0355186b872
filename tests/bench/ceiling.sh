#!/bin/bash
# What bounds ingest on this machine. One load (tests/bench/smtp_load.cpp, the 2 KB benchmark
# message, 16 connections, plain and pipelined) against:
#   smtp-sink                 Postfix's sink: accepts and discards (the machine's ceiling)
#   mailjar                   as shipped (parse, store durably, index)
#   mailjar no-store          built with tests/bench/ceiling.patch, MAILJAR_CEILING=no-store:
#                             parses every message, then answers 250 without touching SQLite
#   mailjar no-parse          the same build, MAILJAR_CEILING=no-parse: neither parses nor stores
# and prints msgs/s and each one's share of smtp-sink, then the CPU time each spends per message
# (server threads from /proc, the load generator's own from getrusage: client and server share the
# two cores) and what that leaves for the server at half smtp-sink's rate. Bench only (not in make
# test); the patched build lives in a temporary git worktree and is removed afterwards.
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

# CPU ticks of each thread of process $1, summed by thread name: "name ticks" lines.
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(tr ' ' _ <"$t/comm")" "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
  done | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}'
}

# run KIND MODE -> one JSON line: msgs/s, the client's and the server's CPU us per message, and
# the server's by thread name
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
  thread_ticks "$pid" >"$work/ticks.before"
  "$work/smtp_load" --port "$port" --file "$work/msg.eml" --seconds "$seconds" --conns "$conns" "${pl[@]}" |
    tail -1 >"$work/load.json"
  thread_ticks "$pid" >"$work/ticks.after"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  python3 - "$work" "$(getconf CLK_TCK)" <<'PY'
import json, sys
work, hz = sys.argv[1], int(sys.argv[2])
load = json.loads(open(work + "/load.json").read())
read = lambda f: {k: int(v) for k, v in (l.split() for l in open(f"{work}/{f}") if l.strip())}
before, after = read("ticks.before"), read("ticks.after")
acked = max(load["acked"], 1)
threads = {k: (after[k] - before.get(k, 0)) * 1e6 / hz / acked for k in after}
print(json.dumps({"rate": load["rate"], "client_us": load["cpu_us_per_msg"],
                  "server_us": sum(threads.values()), "threads": threads}))
PY
}

printf 'message %d bytes, %d connections, %s s per run, median of %d\n\n' "$size" "$conns" "$seconds" "$repeat"
kinds=(smtp-sink mailjar no-store no-parse)
for mode in plain pipelined; do
  for kind in "${kinds[@]}"; do
    for _ in $(seq "$repeat"); do printf '%s %s %s\n' "$mode" "$kind" "$(run "$kind" "$mode")"; done
  done
done >"$work/runs.txt"

# Tables: the median run (by rate) of each kind and mode.
python3 - "$work/runs.txt" "$(nproc)" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, kind, js = line.split(" ", 2)
    runs.setdefault((mode, kind), []).append(json.loads(js))
cores = int(sys.argv[2])
kinds = ["smtp-sink", "mailjar", "no-store", "no-parse"]
def median(mode, kind):
    rs = sorted(runs[(mode, kind)], key=lambda r: r["rate"])
    return rs[(len(rs) - 1) // 2]
print("| mode | smtp-sink | mailjar | mailjar no-store | mailjar no-parse |\n|---|---:|---:|---:|---:|")
for mode in ("plain", "pipelined"):
    sink = median(mode, "smtp-sink")["rate"]
    cells = ["{:,.0f}".format(sink)] + ["{:,.0f} ({:.2f}x)".format(median(mode, k)["rate"], median(mode, k)["rate"] / sink)
                                          for k in kinds[1:]]
    print("| %s | %s |" % (mode, " | ".join(cells)))
print()
print("CPU per message (us; client = the load generator, server = every thread of the server):")
print()
print("| mode | server | msgs/s | client | server | server by thread |\n|---|---|---:|---:|---:|---|")
for mode in ("plain", "pipelined"):
    for kind in kinds:
        r = median(mode, kind)
        name = lambda k: "network" if k == "mailjar" else k  # the main thread runs the io_context
        by = ", ".join("%s %.0f" % (name(k), v) for k, v in sorted(r["threads"].items(), key=lambda kv: -kv[1]) if v >= 0.5)
        print("| %s | %s | %s | %.0f | %.0f | %s |" % (mode, kind, "{:,.0f}".format(r["rate"]), r["client_us"], r["server_us"], by))
print()
for mode in ("plain", "pipelined"):
    sink, mj = median(mode, "smtp-sink"), median(mode, "mailjar")
    half = sink["rate"] / 2
    budget = cores * 1e6 / half
    print("%s: at half smtp-sink's rate (%s msgs/s) %d cores give %.0f us of CPU per message; the client "
          "takes %.0f, leaving %.0f for the server; mailjar spends %.0f." % (
              mode, "{:,.0f}".format(half), cores, budget, mj["client_us"], budget - mj["client_us"], mj["server_us"]))
PY
