#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Symmetric interoperability (issue 4, "Done means"): on a fresh token, pkcs11-tool generates an
# AES key and encrypts/decrypts with AES-CBC-PAD; a known AES key imported with --write-object
# gives the same ciphertext as `openssl enc`, decrypts openssl's; AES key wrap (RFC 3394) of a
# known key equals `openssl enc -id-aes128-wrap` and unwraps back to the same value; HMAC-SHA256
# under a generated generic secret equals `openssl dgst -mac HMAC`. (pkcs11-tool 0.23 has no AES-GCM
# parameters; GCM is covered through the API by the Wycheproof/ACVP runners.) AES-XTS (128 and
# 256), ChaCha20 and ChaCha20-Poly1305 go through PyKCS11 (sym_p11.py) against OpenSSL.
# Usage: test_sym.sh MODULE_PATH
set -eu

MODULE=${1:?module path}
W=$(mktemp -d /tmp/ch-sym-test-XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 700 "$W"
mkdir -p "$W/store"
cat >"$W/craton.ini" <<EOF
[storage]
dir = $W/store
[security]
pbkdf2_iterations = 10000
backoff_initial_ms = 0
EOF
export CRATON_HSM_CONFIG="$W/craton.ini"
PIN=87654321
SOPIN=12345678
fails=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }
P() { pkcs11-tool --module "$MODULE" "$@" 2>"$W/p11.err"; }
PL() { P --login --pin "$PIN" "$@"; }
check() {
    what=$1
    shift
    if "$@" >"$W/out.txt" 2>"$W/err.txt"; then ok "$what"; else
        bad "$what"
        cat "$W/err.txt" "$W/p11.err" "$W/out.txt" 2>/dev/null | head -20
    fi
}
hex2bin() { printf '%s' "$1" | xxd -r -p; }

P --init-token --label sym --so-pin "$SOPIN" >/dev/null
P --init-pin --login --so-pin "$SOPIN" --pin "$PIN" >/dev/null
printf 'symmetric interoperability message %s, not block aligned\n' "$(date +%s)" >"$W/msg"

KEY=000102030405060708090a0b0c0d0e0f
KEK=101112131415161718191a1b1c1d1e1f
IV=0f0e0d0c0b0a09080706050403020100
hex2bin "$KEY" >"$W/key.bin"
hex2bin "$KEK" >"$W/kek.bin"

# Generated key: CBC-PAD round trip through the token.
check "generate AES-256" PL --keygen --key-type AES:32 --id 10 --label aesgen --extractable
check "encrypt AES-CBC-PAD (generated key)" \
    PL --encrypt -m AES-CBC-PAD --iv "$IV" --id 10 -i "$W/msg" -o "$W/ct10"
check "decrypt AES-CBC-PAD (generated key)" \
    PL --decrypt -m AES-CBC-PAD --iv "$IV" --id 10 -i "$W/ct10" -o "$W/pt10"
check "generated-key round trip" cmp "$W/pt10" "$W/msg"

# Known key: token and openssl agree both ways.
check "import known AES-128" PL --write-object "$W/key.bin" --type secrkey --key-type AES:16 \
    --id 11 --label known --extractable
check "encrypt AES-CBC-PAD (known key)" \
    PL --encrypt -m AES-CBC-PAD --iv "$IV" --id 11 -i "$W/msg" -o "$W/ct11"
openssl enc -aes-128-cbc -K "$KEY" -iv "$IV" -in "$W/msg" -out "$W/ct11.ossl"
check "token CBC-PAD ciphertext = openssl enc" cmp "$W/ct11" "$W/ct11.ossl"
check "token decrypts openssl's ciphertext" \
    PL --decrypt -m AES-CBC-PAD --iv "$IV" --id 11 -i "$W/ct11.ossl" -o "$W/pt11"
check "decrypted = message" cmp "$W/pt11" "$W/msg"
check "openssl decrypts the token's ciphertext" \
    openssl enc -d -aes-128-cbc -K "$KEY" -iv "$IV" -in "$W/ct11" -out "$W/pt11.ossl"
check "openssl plaintext = message" cmp "$W/pt11.ossl" "$W/msg"

# Key wrap (RFC 3394) of the known key under a known KEK.
check "import KEK" PL --write-object "$W/kek.bin" --type secrkey --key-type AES:16 --id 12 \
    --label kek
check "wrap AES-KEY-WRAP" PL --wrap -m AES-KEY-WRAP --id 12 --application-id 11 -o "$W/wrapped"
openssl enc -id-aes128-wrap -K "$KEK" -iv A6A6A6A6A6A6A6A6 -in "$W/key.bin" -out "$W/wrapped.ossl"
check "wrapped = openssl id-aes128-wrap" cmp "$W/wrapped" "$W/wrapped.ossl"
check "unwrap AES-KEY-WRAP" PL --unwrap -m AES-KEY-WRAP --id 12 -i "$W/wrapped.ossl" \
    --key-type AES:16 --application-id 13 --extractable
check "read unwrapped value" PL --read-object --type secrkey --id 13 -o "$W/unwrapped"
check "unwrapped = original key" cmp "$W/unwrapped" "$W/key.bin"
check "wrap the generated key" PL --wrap -m AES-KEY-WRAP --id 12 --application-id 10 \
    -o "$W/wrapped10"

# HMAC-SHA256 under a generated generic secret (pkcs11-tool 0.23 writes only AES/DES secret
# keys), its value read back for openssl.
check "generate generic secret" PL --keygen --key-type GENERIC:24 --id 14 --label hmac \
    --extractable --usage-sign
check "read generic secret" PL --read-object --type secrkey --id 14 -o "$W/hkey.bin"
HKEY=$(xxd -p -c 256 "$W/hkey.bin")
check "sign SHA256-HMAC" PL --sign -m SHA256-HMAC --id 14 -i "$W/msg" -o "$W/mac"
openssl dgst -sha256 -mac HMAC -macopt "hexkey:$HKEY" -binary -out "$W/mac.ossl" "$W/msg"
check "HMAC = openssl dgst -mac HMAC" cmp "$W/mac" "$W/mac.ossl"

# AES-XTS, ChaCha20 and ChaCha20-Poly1305 (no pkcs11-tool support): the token through PyKCS11
# (sym_p11.py) against OpenSSL. `openssl enc` refuses XTS and AEAD ciphers ("enc XTS ciphers
# not supported", "AEAD ciphers not supported" in OpenSSL 3.0), so for those the reference is
# OpenSSL through python3-cryptography; plain ChaCha20 is checked against `openssl enc -chacha20`.
PY=/usr/bin/python3
SP="$(dirname "$0")/sym_p11.py"
if "$PY" -c 'import PyKCS11, cryptography' 2>/dev/null; then
    T() { "$PY" "$SP" "$MODULE" "$PIN" "$@"; }
    ossl_ref() { # MECH KEY IV AAD IN OUT (encryption with OpenSSL)
        case "$1" in
        xts) if ! openssl enc -aes-"$(( ${#2} * 2 ))"-xts -K "$2" -iv "$3" -in "$5" -out "$6" 2>/dev/null; then
                 "$PY" -c 'import sys
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
k, tw, i, o = sys.argv[1:5]
e = Cipher(algorithms.AES(bytes.fromhex(k)), modes.XTS(bytes.fromhex(tw))).encryptor()
open(o, "wb").write(e.update(open(i, "rb").read()) + e.finalize())' "$2" "$3" "$5" "$6"
             fi ;;
        chacha20) openssl enc -chacha20 -K "$2" -iv "$3" -in "$5" -out "$6" ;;
        chacha20poly1305) "$PY" -c 'import sys
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
k, n, a, i, o = sys.argv[1:6]
open(o, "wb").write(ChaCha20Poly1305(bytes.fromhex(k)).encrypt(bytes.fromhex(n),
                    open(i, "rb").read(), bytes.fromhex(a)))' "$2" "$3" "$4" "$5" "$6" ;;
        esac
    }
    XK128=000102030405060708090a0b0c0d0e0f8f8e8d8c8b8a89888786858483828180
    XK256=${XK128}202122232425262728292a2b2c2d2e2fafaeadacabaaa9a8a7a6a5a4a3a2a1a0
    CK=c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf
    for t in "xts $XK128 0f0e0d0c0b0a09080706050403020100 -" \
             "xts $XK256 ffeeddccbbaa99887766554433221100 -" \
             "chacha20 $CK 07000000000000000000004a00000000 -" \
             "chacha20poly1305 $CK 000000000102030405060708 50515253c0c1c2c3"; do
        set -- $t
        AAD=$4
        [ "$AAD" = - ] && AAD=
        n="$1-k$(( ${#2} / 2 ))"
        check "token $n encrypt" T "$1" "$2" "$3" "$AAD" enc "$W/msg" "$W/$n.ct"
        check "OpenSSL $n encrypt" ossl_ref "$1" "$2" "$3" "$AAD" "$W/msg" "$W/$n.ossl"
        check "token $n ciphertext = OpenSSL's" cmp "$W/$n.ct" "$W/$n.ossl"
        check "token decrypts OpenSSL's $n" T "$1" "$2" "$3" "$AAD" dec "$W/$n.ossl" "$W/$n.pt"
        check "$n decrypted = message" cmp "$W/$n.pt" "$W/msg"
    done
else
    echo "skip AES-XTS/ChaCha20 checks: python3 PyKCS11 or cryptography missing"
fi

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all symmetric interoperability checks passed"
