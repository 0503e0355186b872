#!/usr/bin/env bash
# Installs what is missing (build and test packages), builds with ASan+UBSan and runs every
# test through CTest: unit tests (no sockets) and integration tests (real sockets on 127.0.0.1),
# then the short fuzz runs (clang, build/fuzz).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh --test
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAILJAR_SANITIZE=ON >/dev/null
cmake --build build/test -j "$(nproc)"
(cd build/test && ctest --output-on-failure -j "$(nproc)" "$@")
# The libFuzzer targets (tests/fuzz/README.md): a clang build of their own, ~25 s of fuzzing each.
# MAILJAR_SKIP_FUZZ=1 skips them.
if [ "${MAILJAR_SKIP_FUZZ:-0}" != 1 ]; then
  CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAILJAR_FUZZ=ON \
    -DMAILJAR_TESTS=OFF >/dev/null
  cmake --build build/fuzz -j "$(nproc)"
  ctest --test-dir build/fuzz --output-on-failure -j "$(nproc)" "$@"
fi
