#!/usr/bin/env bash
# Installs the Debian 12 packages mailjar needs to build, run and test.
# Idempotent and non-interactive; run as root (or with sudo available).
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail

build_pkgs=(build-essential g++ cmake ninja-build pkg-config ccache
  libboost1.81-dev libsqlite3-dev nlohmann-json3-dev libgmime-3.0-dev
  libssl-dev libc-ares-dev zlib1g-dev libcrypt-dev openssl ca-certificates)
test_pkgs=(catch2 python3 swaks postfix sqlite3 procps chromium
  dnsmasq-base # dnsmasq-base: the DNS server the relay tests start (binary only, no system service)
  clang libclang-rt-14-dev # the libFuzzer targets (tests/fuzz): clang 14 and its libclang_rt.fuzzer
  util-linux mount e2fsprogs # test_disk_faults.py: unshare, mount, mkfs.ext4, e2fsck (in every Debian; listed for slim images)
  fonts-dejavu-core fonts-liberation) # fonts: chromium only recommends them; the UI tests render text

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
  want+=("${test_pkgs[@]}")
  # Node.js and npm drive the end-to-end tests (real npm API clients). A Node.js that is already
  # installed (any source, >= 18) is fine; otherwise Debian's.
  command -v node >/dev/null 2>&1 || want+=(nodejs)
  command -v npm >/dev/null 2>&1 || want+=(npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# postfix asks questions at install time; answer them so it installs unattended, daemon never started.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
