#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: install the build dependencies, build everything, then run the
# main job on the embedded default — a SQLite token in a local folder (./craton-demo) —
# through a real PKCS#11 client (OpenSC's pkcs11-tool): initialise the token and the user
# PIN, generate keys, sign and verify, store and list objects.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/deps.sh build
if [ ! -f build/build.ninja ]; then
    meson setup build -Dtests=false >/dev/null
fi
ninja -C build >/dev/null
module=$root/build/src/module/libcraton_hsm.so
echo "built $module"

demo=$root/craton-demo
rm -rf "$demo"
mkdir -p "$demo"
cat >"$demo/craton-hsm.conf" <<CONF
# Craton HSM configuration for the demo (docs/CONFIG.md lists every key)
[storage]
dir = $demo/tokens
[slots]
count = 1
CONF
export CRATON_HSM_CONFIG=$demo/craton-hsm.conf
so_pin=demo-so-pin-0000
user_pin=demo-user-pin-1111
p11() { pkcs11-tool --module "$module" "$@"; }

echo "== token"
p11 --init-token --slot 0 --label "craton demo" --so-pin "$so_pin"
p11 --slot 0 --login --login-type so --so-pin "$so_pin" --init-pin --pin "$user_pin"
p11 --list-token-slots

echo "== objects"
echo "hello from craton" >"$demo/hello.txt"
p11 --login --pin "$user_pin" --write-object "$demo/hello.txt" --type data --label hello
p11 --read-object --type data --label hello

echo "== keys: EC P-256 and RSA-2048, sign and verify"
p11 --login --pin "$user_pin" --keypairgen --key-type EC:prime256v1 --label demo-ec --id 01
p11 --login --pin "$user_pin" --sign -m ECDSA-SHA256 --id 01 \
    --input-file "$demo/hello.txt" --output-file "$demo/hello.ec.sig"
p11 --verify -m ECDSA-SHA256 --id 01 --input-file "$demo/hello.txt" \
    --signature-file "$demo/hello.ec.sig"
p11 --login --pin "$user_pin" --keypairgen --key-type rsa:2048 --label demo-rsa --id 02
p11 --login --pin "$user_pin" --sign -m SHA256-RSA-PKCS-PSS --id 02 \
    --input-file "$demo/hello.txt" --output-file "$demo/hello.rsa.sig"
p11 --verify -m SHA256-RSA-PKCS-PSS --id 02 --input-file "$demo/hello.txt" \
    --signature-file "$demo/hello.rsa.sig"

echo "== what the token holds"
p11 --login --pin "$user_pin" --list-objects
echo "demo done: token files under $demo/tokens; use it with CRATON_HSM_CONFIG=$demo/craton-hsm.conf"
