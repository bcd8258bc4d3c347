#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian 12 packages Craton HSM needs, skipping what is already there.
#   scripts/deps.sh build   compiler, meson/ninja and the libraries the module links
#   scripts/deps.sh test    the above plus the test-only clients and tools
set -euo pipefail

build_pkgs=(build-essential pkg-config meson ninja-build libssl-dev libsqlite3-dev libinih-dev
            libcjson-dev libcmocka-dev opensc openssl)
test_pkgs=(gnutls-bin p11-kit libp11-kit-dev softhsm2 python3 python3-pykcs11 sqlite3 valgrind
           libnss3-tools openssh-client binutils)

want=("${build_pkgs[@]}")
if [ "${1:-build}" = test ]; then
    want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]}; run as root or install them with apt-get" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
