#!/usr/bin/env bash
# One short libFuzzer run as a CTest test: fuzzes a temporary copy of the committed corpus (so a
# run never dirties the checkout) for SECONDS with a fixed seed, after replaying every seed.
# Crash inputs are kept in ARTIFACTS/<target>-crash-... . Exit status: libFuzzer's (0 = clean).
# Usage: short_run.sh FUZZER CORPUS_DIR DICT SECONDS ARTIFACTS_DIR
set -euo pipefail
fuzzer=$1 corpus=$2 dict=$3 seconds=$4 artifacts=$5
name=$(basename "$fuzzer")
work=$(mktemp -d "${TMPDIR:-/tmp}/mailjar-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"
cp -R "$corpus/." "$work/corpus/"
cd "$work"
status=0
"$fuzzer" -max_total_time="$seconds" -seed=1 -rss_limit_mb=2048 -timeout=20 -max_len=65536 \
  -dict="$dict" -artifact_prefix="$artifacts/$name-" -print_final_stats=1 "$work/corpus" || status=$?
exit "$status"
