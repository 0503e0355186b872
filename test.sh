#!/usr/bin/env bash
# Installs what is missing (build and test packages), builds with ASan+UBSan and runs every
# test through CTest: unit tests (no sockets) and integration tests (real sockets on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh --test
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAILJAR_SANITIZE=ON >/dev/null
cmake --build build/test -j "$(nproc)"
cd build/test
ctest --output-on-failure -j "$(nproc)" "$@"
