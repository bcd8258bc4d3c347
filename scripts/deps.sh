#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian 12 packages Craton HSM needs, skipping what is already there.
#   scripts/deps.sh build   compiler, meson/ninja and the libraries the module links
#   scripts/deps.sh test    the above plus the test-only clients and tools
set -euo pipefail

build_pkgs=(build-essential pkg-config meson ninja-build libssl-dev libsqlite3-dev libinih-dev
            libcjson-dev libcmocka-dev opensc openssl)
test_pkgs=(gnutls-bin p11-kit libp11-kit-dev softhsm2 python3 python3-pykcs11 python3-cryptography
           sqlite3 valgrind
           libnss3-tools openssh-client binutils openjdk-17-jdk-headless libengine-pkcs11-openssl)

want=("${build_pkgs[@]}")
if [ "${1:-build}" = test ]; then
    want+=("${test_pkgs[@]}")
fi

# pkcs11-provider (tests/interop/test_openssl_providers.sh) is only in bookworm-backports for
# Debian 12: an optional, separate step (that test half is skipped without it).
if [ "${1:-build}" = test ] && [ "$(id -u)" -eq 0 ] &&
    grep -qs '^VERSION_CODENAME=bookworm' /etc/os-release &&
    ! dpkg-query -W -f='${Status}' pkcs11-provider 2>/dev/null | grep -q "install ok installed"; then
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        mirror=$(sed -n 's|^URIs: *\(http[^ ]*/debian\)/*$|\1|p' /etc/apt/sources.list.d/debian.sources \
            2>/dev/null | head -1)
        printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
            "${mirror:-http://deb.debian.org/debian}" /usr/share/keyrings/debian-archive-keyring.gpg \
            >/etc/apt/sources.list.d/debian-backports.sources
    fi
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -t bookworm-backports pkcs11-provider >/dev/null; } ||
        echo "deps: pkcs11-provider from bookworm-backports not installed (optional)" >&2
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
