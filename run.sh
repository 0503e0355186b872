#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root or with sudo), builds a release binary and
# starts mailjar with its defaults. Flags after run.sh go to mailjar: bash run.sh --help
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAILJAR_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)"
exec ./build/release/mailjar "$@"
