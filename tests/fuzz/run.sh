#!/usr/bin/env bash
# Longer fuzzing runs by hand. Builds the clang fuzz build (build/fuzz) if needed, then fuzzes
# each target for SECONDS on a working corpus kept in build/fuzz/fuzz-corpus/<target> (seeded
# from the committed corpus, so runs build on each other). With --merge, inputs that add
# new code are merged into the committed corpus (tests/fuzz/corpus/<target>, libFuzzer -merge=1
# without hit counts, file names are SHA-1s); review and commit them. Crash inputs:
# build/fuzz/fuzz-artifacts/.
# Usage: tests/fuzz/run.sh [--seconds N] [--merge] [--jobs N] [target ...]
#   targets: smtp_session mime_ingest search_query http_router (default: all, one after another)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build/fuzz
seconds=600 merge=0 jobs=1 targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(smtp_session mime_ingest search_query http_router)

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAILJAR_FUZZ=ON \
  -DMAILJAR_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/%/_fuzz}"

mkdir -p "$build/fuzz-artifacts"
for t in "${targets[@]}"; do
  work=$build/fuzz-corpus/$t
  mkdir -p "$work"
  cp -Rn "$here/corpus/$t/." "$work/"
  echo "== $t: ${seconds}s, corpus $work"
  # -jobs>1 runs workers in parallel, each for the whole time; logs in fuzz-<n>.log there.
  par=()
  [ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")
  (cd "$build/fuzz-artifacts" && "$build/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=20 -max_len=65536 -dict="$here/dict/$t.dict" -artifact_prefix="$build/fuzz-artifacts/$t-" \
    -print_final_stats=1 "${par[@]}" "$work")
  if [ "$merge" = 1 ]; then
    echo "== $t: merging new coverage into tests/fuzz/corpus/$t"
    # -use_counters=0: keep inputs that reach new code, not every new hit count (a small corpus).
    "$build/tests/fuzz/${t}_fuzz" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=20 -max_len=65536 \
      "$here/corpus/$t" "$work"
  fi
done
