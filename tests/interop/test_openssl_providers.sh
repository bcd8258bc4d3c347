#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# OpenSSL 3 interoperability (helper interop) through both ways applications load a PKCS#11
# token: the libp11 engine (libengine-pkcs11-openssl) and pkcs11-provider. On a fresh token with
# RSA-2048, EC P-256 and Ed25519 keys (pkcs11-tool): `openssl pkeyutl -sign` / `dgst -sign` with
# pkcs11: URIs, verified by plain openssl with the exported public keys (and refused for changed
# data); `openssl req -new -x509 -key pkcs11:...` makes certificates signed on the token that
# `openssl verify` accepts; the provider also generates a key on the token (genpkey).
# Each half is skipped (with the reason) when its package is missing; exit 77 when both are.
# Usage: test_openssl_providers.sh MODULE_PATH
set -eu

MODULE=${1:?module path}
for tool in openssl pkcs11-tool; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done
MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
ENGINESDIR=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
MODULESDIR=$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
ENGINE_SO=
for f in "$ENGINESDIR/pkcs11.so" "/usr/lib/$MULTIARCH/engines-3/pkcs11.so"; do
    [ -f "$f" ] && { ENGINE_SO=$f; break; }
done
PROVIDER_SO=
for f in "$MODULESDIR/pkcs11.so" "/usr/lib/$MULTIARCH/ossl-modules/pkcs11.so"; do
    [ -f "$f" ] && { PROVIDER_SO=$f; break; }
done
if [ -z "$ENGINE_SO" ] && [ -z "$PROVIDER_SO" ]; then
    echo "SKIP: neither the libp11 engine (libengine-pkcs11-openssl) nor pkcs11-provider is installed"
    exit 77
fi

W=$(mktemp -d /tmp/ch-ossl-test-XXXXXX)
trap '[ -n "${CH_KEEP:-}" ] || rm -rf "$W"' EXIT
chmod 700 "$W"
mkdir -p "$W/tokens"
cat >"$W/craton.ini" <<EOF
[storage]
dir = $W/tokens
[security]
pbkdf2_iterations = 10000
backoff_initial_ms = 1
EOF
export CRATON_HSM_CONFIG="$W/craton.ini"
LABEL=ossl-interop
PIN=ossl-user-1234
fails=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }
check() {
    what=$1
    shift
    if "$@" >"$W/out.txt" 2>&1; then ok "$what"; else
        bad "$what"
        head -20 "$W/out.txt"
    fi
}
P() { pkcs11-tool --module "$MODULE" "$@"; }

P --init-token --label "$LABEL" --so-pin ossl-so-5678 >/dev/null 2>&1
P --init-pin --login --so-pin ossl-so-5678 --pin "$PIN" >/dev/null 2>&1
check "generate RSA-2048 (id 01)" P --login --pin "$PIN" --keypairgen --key-type rsa:2048 --id 01 --label rsa
check "generate EC P-256 (id 02)" P --login --pin "$PIN" --keypairgen --key-type EC:prime256v1 --id 02 --label ec
for k in 01:rsa 02:ec; do
    # (DER for RSA/EC, PEM for Ed25519 from pkcs11-tool 0.23: let openssl detect the form; a
    # failure shows up as FAILs below, not as an early exit)
    P --read-object --type pubkey --id "${k%%:*}" -o "$W/${k#*:}.der" >/dev/null 2>&1 &&
        openssl pkey -pubin -in "$W/${k#*:}.der" -out "$W/${k#*:}.pub" || : >"$W/${k#*:}.pub"
done
printf '%s' "$PIN" >"$W/pin.txt"
printf 'OpenSSL through the Craton HSM token %s\n' "$(date +%s)" >"$W/data"
printf 'changed data\n' >"$W/other"
openssl dgst -sha256 -binary -out "$W/data.sha256" "$W/data"
openssl dgst -sha256 -binary -out "$W/other.sha256" "$W/other"
URI="pkcs11:token=$LABEL"
# pin-value in the URI keeps the test free of prompts; docs/INTEROP.md shows a PIN file instead.
PRIV="type=private;pin-value=$PIN"

# verify_hash NAME PUBKEY SIG [pkeyutl options]: plain openssl (default provider) accepts the
# signature over data.sha256 and refuses it over other.sha256.
verify_hash() {
    name=$1 pub=$2 sig=$3
    shift 3
    check "$name: openssl verifies with the exported key" env -u OPENSSL_CONF openssl pkeyutl -verify \
        -pubin -inkey "$pub" -in "$W/data.sha256" -sigfile "$sig" -pkeyopt digest:sha256 "$@"
    check "$name: openssl refuses it for changed data" sh -c \
        "! env -u OPENSSL_CONF openssl pkeyutl -verify -pubin -inkey '$pub' -in '$W/other.sha256' \
            -sigfile '$sig' -pkeyopt digest:sha256 $* >/dev/null 2>&1"
}
# cert_checks NAME CERT PUBKEY: the self-signed certificate verifies and carries the token key.
cert_checks() {
    name=$1 cert=$2 pub=$3
    check "$name: openssl verify accepts the self-signed certificate" \
        env -u OPENSSL_CONF openssl verify -CAfile "$cert" -check_ss_sig "$cert"
    check "$name: the certificate carries the token's public key" sh -c \
        "env -u OPENSSL_CONF openssl x509 -in '$cert' -noout -pubkey | cmp -s - '$pub'"
}

# ---- libp11 engine ----------------------------------------------------------------------------
if [ -n "$ENGINE_SO" ]; then
    cat >"$W/engine.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE_SO
MODULE_PATH = $MODULE
init = 0
EOF
    E() { OPENSSL_CONF="$W/engine.cnf" openssl "$@"; }
    check "engine: openssl engine pkcs11 -t" sh -c "OPENSSL_CONF='$W/engine.cnf' openssl engine pkcs11 -t | grep -q available"
    for k in ec rsa; do
        check "engine: loads the $k public key by pkcs11: URI (= pkcs11-tool's)" sh -c \
            "OPENSSL_CONF='$W/engine.cnf' openssl pkey -engine pkcs11 -inform engine -pubin \
                -in '$URI;object=$k;type=public' -pubout 2>/dev/null | cmp -s - '$W/$k.pub'"
    done
    # Regression guard: `-engine pkcs11` makes libp11 the default ENGINE for RSA/EC process-wide;
    # the module once picked that engine up for its own keys (C_SignInit ->
    # CKR_KEY_TYPE_INCONSISTENT). The module now fetches its key contexts by OID.
    ENGINE_SIGN=1
fi
if [ -n "$ENGINE_SO" ] && [ "$ENGINE_SIGN" = 1 ]; then
    check "engine: pkeyutl -sign EC P-256 (pkcs11: URI)" E pkeyutl -engine pkcs11 -keyform engine \
        -sign -inkey "$URI;object=ec;$PRIV" -in "$W/data.sha256" -out "$W/e-ec.sig"
    verify_hash "engine ECDSA P-256" "$W/ec.pub" "$W/e-ec.sig"
    check "engine: pkeyutl -sign RSA PKCS#1 v1.5" E pkeyutl -engine pkcs11 -keyform engine \
        -sign -inkey "$URI;object=rsa;$PRIV" -in "$W/data.sha256" -out "$W/e-rsa.sig" -pkeyopt digest:sha256
    verify_hash "engine RSA PKCS#1 v1.5" "$W/rsa.pub" "$W/e-rsa.sig"
    check "engine: pkeyutl -sign RSA-PSS" E pkeyutl -engine pkcs11 -keyform engine \
        -sign -inkey "$URI;object=rsa;$PRIV" -in "$W/data.sha256" -out "$W/e-pss.sig" \
        -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32
    verify_hash "engine RSA-PSS" "$W/rsa.pub" "$W/e-pss.sig" -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32
    check "engine: dgst -sha256 -sign EC" E dgst -engine pkcs11 -keyform engine -sha256 \
        -sign "$URI;object=ec;$PRIV" -out "$W/e-dgst.sig" "$W/data"
    check "engine: dgst signature verifies with plain openssl" env -u OPENSSL_CONF openssl dgst -sha256 \
        -verify "$W/ec.pub" -signature "$W/e-dgst.sig" "$W/data"
    for k in ec rsa; do
        check "engine: req -new -x509 -key pkcs11:...$k" E req -engine pkcs11 -keyform engine \
            -new -x509 -key "$URI;object=$k;$PRIV" -subj "/CN=engine $k/O=Craton HSM interop" \
            -days 2 -sha256 -out "$W/e-$k.crt"
        cert_checks "engine $k certificate" "$W/e-$k.crt" "$W/$k.pub"
    done
    printf 'x' >"$W/wrongpin"
    check "engine: wrong PIN is refused" sh -c "! OPENSSL_CONF='$W/engine.cnf' openssl pkeyutl \
        -engine pkcs11 -keyform engine -sign -inkey '$URI;object=ec;type=private;pin-value=wrong-0000' \
        -in '$W/data.sha256' -out '$W/bad.sig' </dev/null >/dev/null 2>&1"
elif [ -z "$ENGINE_SO" ]; then
    echo "SKIP libp11 engine: $ENGINESDIR/pkcs11.so missing (apt-get install libengine-pkcs11-openssl)"
fi

# The Ed25519 key only now: libp11 0.4.12 (the engine above) gives up enumerating the token's
# private keys at the first CKK_EC_EDWARDS one ("Unable to enumerate private keys"), so with it
# on the token the engine would find no key at all (same with SoftHSMv2; docs/INTEROP.md).
check "generate Ed25519 (id 03)" P --login --pin "$PIN" --keypairgen --key-type EC:edwards25519 --id 03 --label ed
P --read-object --type pubkey --id 03 -o "$W/ed.der" >/dev/null 2>&1 &&
    openssl pkey -pubin -in "$W/ed.der" -out "$W/ed.pub" || : >"$W/ed.pub"

# ---- pkcs11-provider --------------------------------------------------------------------------
if [ -n "$PROVIDER_SO" ]; then
    cat >"$W/provider.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_section
[provider_section]
default = default_section
pkcs11 = pkcs11_section
[default_section]
activate = 1
[pkcs11_section]
module = $PROVIDER_SO
pkcs11-module-path = $MODULE
pkcs11-module-token-pin = file:$W/pin.txt
pkcs11-module-encode-provider-uri-to-pem = true
activate = 1
EOF
    V() { OPENSSL_CONF="$W/provider.cnf" openssl "$@"; }
    check "provider: openssl list -providers shows pkcs11" sh -c \
        "OPENSSL_CONF='$W/provider.cnf' openssl list -providers | grep -q 'pkcs11'"
    check "provider: storeutl lists the token keys" sh -c \
        "OPENSSL_CONF='$W/provider.cnf' openssl storeutl -keys '$URI' >'$W/store.txt' &&
         grep -q '^Total found: [3-9]' '$W/store.txt'"
    check "provider: pkeyutl -sign EC P-256 (pkcs11: URI)" V pkeyutl -sign \
        -inkey "$URI;object=ec;$PRIV" -in "$W/data.sha256" -out "$W/p-ec.sig" -pkeyopt digest:sha256
    verify_hash "provider ECDSA P-256" "$W/ec.pub" "$W/p-ec.sig"
    check "provider: pkeyutl -sign RSA PKCS#1 v1.5" V pkeyutl -sign \
        -inkey "$URI;object=rsa;$PRIV" -in "$W/data.sha256" -out "$W/p-rsa.sig" -pkeyopt digest:sha256
    verify_hash "provider RSA PKCS#1 v1.5" "$W/rsa.pub" "$W/p-rsa.sig"
    check "provider: pkeyutl -sign RSA-PSS" V pkeyutl -sign \
        -inkey "$URI;object=rsa;$PRIV" -in "$W/data.sha256" -out "$W/p-pss.sig" \
        -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32
    verify_hash "provider RSA-PSS" "$W/rsa.pub" "$W/p-pss.sig" -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32
    check "provider: dgst -sha256 -sign EC" V dgst -sha256 -sign "$URI;object=ec;$PRIV" \
        -out "$W/p-dgst.sig" "$W/data"
    check "provider: dgst signature verifies with plain openssl" env -u OPENSSL_CONF openssl dgst -sha256 \
        -verify "$W/ec.pub" -signature "$W/p-dgst.sig" "$W/data"
    check "provider: pkeyutl -sign -rawin Ed25519" V pkeyutl -sign -rawin \
        -inkey "$URI;object=ed;$PRIV" -in "$W/data" -out "$W/p-ed.sig"
    check "provider Ed25519: openssl verifies with the exported key" env -u OPENSSL_CONF openssl pkeyutl \
        -verify -rawin -pubin -inkey "$W/ed.pub" -in "$W/data" -sigfile "$W/p-ed.sig"
    check "provider Ed25519: openssl refuses it for changed data" sh -c \
        "! env -u OPENSSL_CONF openssl pkeyutl -verify -rawin -pubin -inkey '$W/ed.pub' -in '$W/other' \
            -sigfile '$W/p-ed.sig' >/dev/null 2>&1"
    check "provider: RSA-OAEP decryption on the token of openssl's ciphertext" sh -c \
        "printf 'transported key' >'$W/secret' &&
         env -u OPENSSL_CONF openssl pkeyutl -encrypt -pubin -inkey '$W/rsa.pub' -in '$W/secret' \
            -out '$W/secret.enc' -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
            -pkeyopt rsa_mgf1_md:sha256 &&
         OPENSSL_CONF='$W/provider.cnf' openssl pkeyutl -decrypt -inkey '$URI;object=rsa;$PRIV' \
            -in '$W/secret.enc' -out '$W/secret.dec' -pkeyopt rsa_padding_mode:oaep \
            -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 &&
         cmp -s '$W/secret' '$W/secret.dec'"
    for k in ec rsa ed; do
        check "provider: req -new -x509 -key pkcs11:...$k" V req -new -x509 \
            -key "$URI;object=$k;$PRIV" -subj "/CN=provider $k/O=Craton HSM interop" -days 2 \
            -out "$W/p-$k.crt"
        cert_checks "provider $k certificate" "$W/p-$k.crt" "$W/$k.pub"
    done
    # TLS over loopback with the server key on the token (what nginx/haproxy with the provider
    # do): s_server signs the handshake through the token, plain s_client verifies it.
    for k in ec rsa; do
        rm -f "$W/srv-$k.out"
        # (-www: the server answers one HTTP request and never reads its stdin)
        OPENSSL_CONF="$W/provider.cnf" openssl s_server -accept 127.0.0.1:0 -naccept 1 -www \
            -key "$URI;object=$k;$PRIV" -cert "$W/p-$k.crt" >"$W/srv-$k.out" 2>&1 </dev/null &
        srv=$!
        port=
        for _ in $(seq 100); do # wait for the listening socket (at most ~10 s)
            port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$W/srv-$k.out")
            [ -n "$port" ] || ! kill -0 "$srv" 2>/dev/null && break
            sleep 0.1
        done
        check "provider: TLS 1.3 loopback handshake, $k server key on the token" sh -c \
            "test -n '$port' && printf 'GET / HTTP/1.0\\r\\n\\r\\n' |
             env -u OPENSSL_CONF openssl s_client -connect 127.0.0.1:$port -ign_eof \
                -CAfile '$W/p-$k.crt' -verify_return_error -tls1_3 >'$W/cli-$k.txt' 2>&1 &&
             grep -q 'Verify return code: 0 (ok)' '$W/cli-$k.txt' && grep -q '^HTTP/1.0 200 ok' '$W/cli-$k.txt'"
        kill "$srv" 2>/dev/null || true
        wait "$srv" 2>/dev/null || true
    done
    # genpkey on the token; the "key file" it writes is a PEM-wrapped pkcs11: URI.
    check "provider: genpkey makes an EC P-256 key on the token" V genpkey -propquery '?provider=pkcs11' \
        -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt "pkcs11_uri:$URI;object=genkey" \
        -out "$W/genkey.pem"
    check "provider: the generated key is a token object" sh -c \
        "pkcs11-tool --module '$MODULE' --login --pin '$PIN' -O --type privkey 2>/dev/null | grep -q 'label: *genkey'"
    check "provider: the generated key signs (key file = PEM URI)" V pkeyutl -sign -inkey "$W/genkey.pem" \
        -in "$W/data.sha256" -out "$W/p-gen.sig" -pkeyopt digest:sha256
    P --read-object --type pubkey --label genkey -o "$W/genkey.der" >/dev/null 2>&1 || true
    openssl pkey -pubin -in "$W/genkey.der" -out "$W/genkey.pub" 2>/dev/null || true
    verify_hash "provider-generated P-256 key" "$W/genkey.pub" "$W/p-gen.sig"
    check "provider: wrong PIN is refused" sh -c "! OPENSSL_CONF='$W/provider.cnf' openssl pkeyutl -sign \
        -inkey '$URI;object=ec;type=private;pin-value=wrong-0000' -in '$W/data.sha256' \
        -out '$W/bad.sig' </dev/null >/dev/null 2>&1"
else
    echo "SKIP pkcs11-provider: $MODULESDIR/pkcs11.so missing (Debian 12: apt-get install -t bookworm-backports pkcs11-provider)"
fi

if [ "$fails" -ne 0 ]; then
    echo "# $fails OpenSSL step(s) failed"
    exit 1
fi
echo "# all OpenSSL engine/provider steps passed"
