#!/usr/bin/env bash
# mailjar ingest benchmark.
#
# Load generator: Postfix's smtp-source; ceiling: Postfix's smtp-sink (stores nothing), both on
# this machine, in this run (package postfix; its daemon is never started). For each message size
# (2 KB, 100 KB) and connection count (1, 16, 64) it runs smtp-sink, then a fresh mailjar on a new
# temporary database (default durability), times smtp-source against each, checks that every
# message smtp-source sent is a row in `messages`, and prints msgs/s with the ratio
# mailjar/smtp-sink. Then two memory phases: RSS after storing 100 000 2 KB messages, and the peak
# RSS while ingesting one 25 MB message (sent with Python's smtplib).
#
# Build first:  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAILJAR_TESTS=OFF
#               cmake --build build/bench -j2 --target mailjar
# Run:          tests/bench/ingest_bench.sh
#
# Environment:
#   MAILJAR_BIN       binary (default: build/bench/mailjar)
#   BENCH_OUT         markdown results (default: build/bench/results.md)
#   BENCH_QUICK=1     smoke run: few messages, small RSS phase
#   BENCH_SCALE=F     multiply every message count by F (default 1)
#   BENCH_REPEAT=N    run each point N times, report the median (default 1)
#   BENCH_CONNS       connection counts (default "1 16 64")
#   BENCH_SIZES       message sizes in bytes (default "2048 102400")
#   BENCH_TARGETS     servers to measure (default "smtp-sink mailjar"; memory phases need mailjar)
#   BENCH_SKIP_100K=1 skip the 100 000-message RSS phase (BENCH_RSS_COUNT changes its count)
#   BENCH_SKIP_BIG=1  skip the 25 MB message phase (BENCH_BIG_SIZE changes its size)
#   BENCH_TIMEOUT=S   limit for one smtp-source run (default 600)
#   BENCH_KEEP=1      keep the work directory (databases, logs)
# Exit status: 0 when every run completed and every message was stored; 1 otherwise.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
helper="$here/bench_helper.py"

MAILJAR_BIN="${MAILJAR_BIN:-$repo/build/bench/mailjar}"
BENCH_OUT="${BENCH_OUT:-$repo/build/bench/results.md}"
BENCH_QUICK="${BENCH_QUICK:-0}"
BENCH_SCALE="${BENCH_SCALE:-1}"
BENCH_REPEAT="${BENCH_REPEAT:-1}"
BENCH_CONNS="${BENCH_CONNS:-1 16 64}"
BENCH_SIZES="${BENCH_SIZES:-2048 102400}"
BENCH_TARGETS="${BENCH_TARGETS:-smtp-sink mailjar}"
BENCH_SKIP_100K="${BENCH_SKIP_100K:-0}"
BENCH_SKIP_BIG="${BENCH_SKIP_BIG:-0}"
BENCH_BIG_SIZE="${BENCH_BIG_SIZE:-26214400}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-600}"
BENCH_KEEP="${BENCH_KEEP:-0}"
if [ "$BENCH_QUICK" = 1 ]; then
  BENCH_RSS_COUNT="${BENCH_RSS_COUNT:-5000}"
else
  BENCH_RSS_COUNT="${BENCH_RSS_COUNT:-100000}"
fi

die() { echo "ingest_bench: $*" >&2; exit 1; }
for tool in smtp-source smtp-sink sqlite3 python3 timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "missing $tool (scripts/install-deps.sh --test installs it)"
done
want() { case " $BENCH_TARGETS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if ! want mailjar; then BENCH_SKIP_100K=1; BENCH_SKIP_BIG=1; fi
want mailjar && { [ -x "$MAILJAR_BIN" ] || die "no mailjar binary at $MAILJAR_BIN; build it (see the top of $0) or set MAILJAR_BIN"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/mailjar-bench.XXXXXX")"
chmod 755 "$work"
# Run a private copy: a rebuild of the build directory during the run must not change (or
# remove) the binary under test.
if want mailjar; then
  if ! { cp "$MAILJAR_BIN" "$work/mailjar" && "$work/mailjar" --version >/dev/null 2>&1; }; then
    rm -rf "$work"
    die "$MAILJAR_BIN does not run (being rebuilt?)"
  fi
  MAILJAR_BIN="$work/mailjar"
fi

# Every listener on a free port: never a fixed one (the HTTP listener defaults to 8025).
mailjar_args=(--smtp 127.0.0.1:0)
if want mailjar && "$MAILJAR_BIN" --help 2>/dev/null | grep -q -- '--http '; then
  mailjar_args+=(--http 127.0.0.1:0)
fi

failures=0
server_pid=""

# shellcheck disable=SC2317  # called through trap
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if [ "$BENCH_KEEP" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

loud() {  # a failure nobody can miss
  failures=$((failures + 1))
  echo "" >&2
  echo "!!!!!!!! $* !!!!!!!!" >&2
  echo "" >&2
}


# Message count for one run: long enough to take a few seconds at the expected rate.
count_for() {  # size conns
  local size=$1 conns=$2 base
  if [ "$size" -le 8192 ]; then
    case "$conns" in 1) base=10000 ;; *) base=40000 ;; esac
  else
    case "$conns" in 1) base=3000 ;; *) base=8000 ;; esac
  fi
  if [ "$BENCH_QUICK" = 1 ]; then base=$((base / 20)); fi
  python3 -c "import sys; print(max(int(sys.argv[2]), int(float(sys.argv[1]) * float(sys.argv[3]))))" \
    "$BENCH_SCALE" "$conns" "$base"
}

size_label() {  # 2048 -> "2 KB", 26214400 -> "25 MB"
  python3 -c '
import sys
s = int(sys.argv[1])
for unit, n in (("MB", 1 << 20), ("KB", 1 << 10)):
    if s >= n:
        print(("%d %s" if s % n == 0 else "%.1f %s") % (s / n, unit))
        break
else:
    print("%d B" % s)' "$1"
}

# ----- servers -----

start_sink() {  # sets server_pid, port
  port="$(python3 "$helper" free-port)"
  local user_opt=()
  if [ "$(id -u)" = 0 ]; then user_opt=(-u nobody); fi
  smtp-sink "${user_opt[@]}" -m 512 "127.0.0.1:$port" 1024 >"$work/sink.log" 2>&1 &
  server_pid=$!
  python3 "$helper" wait-port "$port" 10 || { loud "smtp-sink did not start"; return 1; }
}

start_mailjar() {  # dir; sets server_pid, port
  local dir=$1
  mkdir -p "$dir"
  "$MAILJAR_BIN" "${mailjar_args[@]}" --db "$dir/mailjar.db" >"$dir/mailjar.log" 2>&1 &
  server_pid=$!
  port="$(python3 "$helper" wait-listen "$dir/mailjar.log" "$server_pid" 30)" || {
    loud "mailjar did not start: $(tail -n 3 "$dir/mailjar.log")"
    return 1
  }
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null
  for _ in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "server $server_pid did not stop in 10 s; killing it" >&2
    kill -KILL "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null
  server_pid=""
}

stored_count() {  # db
  sqlite3 -readonly "file:$1?mode=ro" "SELECT count(*) FROM messages" 2>&1
}

# ----- one timed smtp-source run -----
# Sets: elapsed_s, rate, cpu_pct (server), client_pct (smtp-source), others_pct, src_status
run_source() {  # msgfile count conns
  local msgfile=$1 count=$2 conns=$3 rc
  read -r rc elapsed_s cpu_pct client_pct others_pct < <(python3 "$helper" run-timed "$server_pid" "$BENCH_TIMEOUT" \
    smtp-source -d -s "$conns" -m "$count" -F "$msgfile" -M bench.local \
    -f sender@bench.example -t rcpt@bench.example "127.0.0.1:$port" 2>"$work/source.log")
  rate="$(python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / max(float(sys.argv[2]), 1e-6)))' "$count" "$elapsed_s")"
  if [ "$rc" = 0 ]; then
    src_status=ok
  elif [ "$rc" = 124 ]; then
    src_status="smtp-source timed out after ${BENCH_TIMEOUT}s"
  else
    src_status="smtp-source failed (exit $rc): $(tail -n 2 "$work/source.log" | tr '\n\t' '  ')"
  fi
}

# ----- main -----

echo "mailjar ingest benchmark: binary $MAILJAR_BIN"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)   (other work on this machine skews the numbers)"
mkdir -p "$(dirname "$BENCH_OUT")"
{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "nproc=$(nproc)"
  echo "mem=$(free -g | awk '/^Mem:/ {print $2 " GiB RAM"}')"
  echo "version=$("$MAILJAR_BIN" --version 2>/dev/null | head -n1 | sed 's/^mailjar //')"
  echo "git=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "repeat=$BENCH_REPEAT"
  echo "scale=$BENCH_SCALE$([ "$BENCH_QUICK" = 1 ] && echo ' (quick mode)')"
} >"$work/meta.txt"

printf 'target\tsize\tsize_label\tconns\tcount\tseconds\trate\tcpu_pct\tclient_pct\tothers_pct\tstored\tstatus\n' >"$work/throughput.tsv"
printf 'phase\tmessages\trate\trss\thwm\tnote\n' >"$work/memory.tsv"

run_n=0
for size in $BENCH_SIZES; do
  msgfile="$work/msg-$size.eml"
  wire="$(python3 "$helper" gen-message "$size" "$msgfile")" || die "cannot generate a $size-byte message"
  label="$(size_label "$size")"
  for conns in $BENCH_CONNS; do
    count="$(count_for "$size" "$conns")"
    for _ in $(seq 1 "$BENCH_REPEAT"); do
      # Ceiling: smtp-sink.
      if want smtp-sink && start_sink; then
        run_source "$msgfile" "$count" "$conns"
        stop_server
        printf 'smtp-sink  %-6s x%-3s %7s msgs in %7ss = %9s msgs/s  cpu %4s%%  source %4s%%  others %4s%%  %s\n' \
          "$label" "$conns" "$count" "$elapsed_s" "$rate" "$cpu_pct" "$client_pct" "$others_pct" "$src_status"
        [ "$src_status" = ok ] || loud "smtp-sink $label x$conns: $src_status"
        printf 'smtp-sink\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\n' "$size" "$label" "$conns" "$count" \
          "$elapsed_s" "$rate" "$cpu_pct" "$client_pct" "$others_pct" "$src_status" >>"$work/throughput.tsv"
      fi
      # mailjar on a fresh database.
      want mailjar || continue
      run_n=$((run_n + 1))
      dir="$work/run-$run_n"
      if start_mailjar "$dir"; then
        run_source "$msgfile" "$count" "$conns"
        stored="$(stored_count "$dir/mailjar.db")"
        stop_server
        status="$src_status"
        if [ "$stored" != "$count" ]; then
          loud "STORED MISMATCH: mailjar $label x$conns: smtp-source sent $count, messages has '$stored' rows"
          [ "$status" = ok ] && status="stored $stored of $count"
        elif [ "$status" != ok ]; then
          loud "mailjar $label x$conns: $status"
        fi
        printf 'mailjar    %-6s x%-3s %7s msgs in %7ss = %9s msgs/s  cpu %4s%%  source %4s%%  others %4s%%  stored %s/%s  %s\n' \
          "$label" "$conns" "$count" "$elapsed_s" "$rate" "$cpu_pct" "$client_pct" "$others_pct" "$stored" "$count" "$status"
        printf 'mailjar\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%s\n' "$size" "$label" "$conns" "$count" \
          "$elapsed_s" "$rate" "$cpu_pct" "$client_pct" "$others_pct" "$stored" "$count" "$status" >>"$work/throughput.tsv"
        [ "$BENCH_KEEP" = 1 ] || rm -f "$dir"/mailjar.db*
      else
        printf 'mailjar\t%s\t%s\t%s\t%s\t-\t0\t0\t0\t0\t-\tdid not start\n' "$size" "$label" "$conns" \
          "$count" >>"$work/throughput.tsv"
        stop_server
      fi
    done
  done
done

mb() { python3 -c 'import sys; print("%.1f MB" % (int(sys.argv[1]) / 1024))' "$1"; }

# RSS after storing many 2 KB messages.
if [ "$BENCH_SKIP_100K" != 1 ]; then
  msgfile="$work/msg-2048.eml"
  [ -f "$msgfile" ] || python3 "$helper" gen-message 2048 "$msgfile" >/dev/null
  dir="$work/rss"
  if start_mailjar "$dir"; then
    read -r rss0 _ < <(python3 "$helper" mem "$server_pid")
    run_source "$msgfile" "$BENCH_RSS_COUNT" 16
    sleep 1
    read -r rss hwm < <(python3 "$helper" mem "$server_pid")
    stored="$(stored_count "$dir/mailjar.db")"
    dbsize="$(stat -c %s "$dir/mailjar.db")"
    walsize="$(stat -c %s "$dir/mailjar.db-wal" 2>/dev/null || echo 0)"
    stop_server
    note="idle at start: RSS $(mb "$rss0"); db $((dbsize / 1048576)) MB, wal $((walsize / 1048576)) MB; stored $stored/$BENCH_RSS_COUNT"
    [ "$src_status" = ok ] || { loud "RSS phase: $src_status"; note="$note; $src_status"; }
    [ "$stored" = "$BENCH_RSS_COUNT" ] ||
      loud "STORED MISMATCH: RSS phase: sent $BENCH_RSS_COUNT, messages has '$stored' rows"
    echo "RSS after $BENCH_RSS_COUNT x 2 KB (16 conns, $rate msgs/s): VmRSS $(mb "$rss"), VmHWM $(mb "$hwm"); $note"
    printf 'after %s x 2 KB\t%s\t%s\t%s\t%s\t%s\n' "$BENCH_RSS_COUNT" "$BENCH_RSS_COUNT" "$rate" "$(mb "$rss")" \
      "$(mb "$hwm")" "$note" >>"$work/memory.tsv"
    [ "$BENCH_KEEP" = 1 ] || rm -f "$dir"/mailjar.db*
  else
    stop_server
  fi
fi

# Peak RSS while ingesting one big message.
if [ "$BENCH_SKIP_BIG" != 1 ]; then
  dir="$work/big"
  if start_mailjar "$dir"; then
    read -r rss0 _ < <(python3 "$helper" mem "$server_pid")
    big_out="$(python3 "$helper" send-big "$port" "$BENCH_BIG_SIZE" 2>&1)"
    big_rc=$?
    read -r rss hwm < <(python3 "$helper" mem "$server_pid")
    stored="$(stored_count "$dir/mailjar.db")"
    stop_server
    read -r took wire _ <<<"$big_out"
    ratio="$(python3 -c 'import sys; print("%.2f" % (int(sys.argv[1]) * 1024 / int(sys.argv[2])))' "$hwm" "${wire:-1}" 2>/dev/null || echo '?')"
    note="$(mb "$((wire / 1024))") message (text + base64 attachment) in ${took}s; peak/size ${ratio}x; before: RSS $(mb "$rss0"); stored $stored/1"
    if [ "$big_rc" != 0 ]; then
      loud "25 MB message not accepted: $big_out"
      note="$note; send failed: $big_out"
    fi
    [ "$stored" = 1 ] || loud "STORED MISMATCH: big message phase: messages has '$stored' rows, expected 1"
    echo "Big message: VmRSS $(mb "$rss"), VmHWM $(mb "$hwm"); $note"
    printf '1 x %s\t1\t-\t%s\t%s\t%s\n' "$(size_label "$BENCH_BIG_SIZE")" "$(mb "$rss")" "$(mb "$hwm")" "$note" \
      >>"$work/memory.tsv"
  else
    stop_server
  fi
fi

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/meta.txt"
python3 "$helper" render "$work" "$BENCH_OUT" || failures=$((failures + 1))
echo
echo "results written to $BENCH_OUT"
if [ "$failures" -ne 0 ]; then
  echo "ingest_bench: $failures problem(s); see the lines marked !!!!!!!! above" >&2
  exit 1
fi
exit 0
