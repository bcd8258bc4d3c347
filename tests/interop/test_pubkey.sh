#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Public-key interoperability (issue 3, "Done means"): on a fresh token, pkcs11-tool generates
# RSA-2048, EC P-256/P-384/P-521 and Ed25519 key pairs, signs and verifies with them; the public keys
# read back with pkcs11-tool verify those signatures with the openssl command line; openssl
# encrypts (PKCS#1 v1.5 and OAEP) to the exported RSA key and the token decrypts; ECDH with an
# openssl peer gives the same secret on both sides; and `pkcs11-tool --test` passes.
# Usage: test_pubkey.sh MODULE_PATH
set -eu

MODULE=${1:?module path}
W=$(mktemp -d /tmp/ch-pubkey-test-XXXXXX)
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
# check WHAT COMMAND...: ok when the command succeeds, else FAIL with its stderr.
check() {
    what=$1
    shift
    if "$@" >"$W/out.txt" 2>"$W/err.txt"; then ok "$what"; else
        bad "$what"
        cat "$W/err.txt" "$W/p11.err" "$W/out.txt" 2>/dev/null | head -20
    fi
}
# refuse WHAT COMMAND...: ok when the command fails.
refuse() {
    what=$1
    shift
    if "$@" >"$W/out.txt" 2>"$W/err.txt"; then bad "$what (accepted)"; else ok "$what"; fi
}

P --init-token --label pubkey --so-pin "$SOPIN" >/dev/null
P --init-pin --login --so-pin "$SOPIN" --pin "$PIN" >/dev/null
printf 'interoperability message %s\n' "$(date +%s)" >"$W/msg"

check "generate RSA-2048" PL --keypairgen --key-type rsa:2048 --id 01 --label rsa
check "generate EC P-256" PL --keypairgen --key-type EC:prime256v1 --id 02 --label p256
check "generate EC P-521" PL --keypairgen --key-type EC:secp521r1 --id 03 --label p521
check "generate EC P-384" PL --keypairgen --key-type EC:secp384r1 --id 05 --label p384
check "generate Ed25519" PL --keypairgen --key-type EC:edwards25519 --id 04 --label ed25519

# (P-384 public keys are not exported: pkcs11-tool 0.23 here fails "cannot create EVP_PKEY" on
# them, with SoftHSMv2's P-384 keys too; P-384 is checked by token sign/verify and the Wycheproof runner.)
for id in 01 02 03 04; do
    check "export public key $id" P --read-object --type pubkey --id $id -o "$W/pub$id"
done

# token_verify ID MECH [options]: pkcs11-tool --verify exits 0 even for a bad signature, so
# success means its "Signature is valid" line.
token_verify() {
    id=$1
    mech=$2
    shift 2
    PL --verify --id "$id" -m "$mech" "$@" -i "$W/msg" --signature-file "$W/sig.$mech" \
        >"$W/verify.txt" && grep -q "^Signature is valid" "$W/verify.txt"
}

# sign_verify ID MECH [pkcs11-tool options]: token sign, token verify, tampered message refused.
sign_verify() {
    id=$1
    mech=$2
    shift 2
    check "$mech sign (key $id)" PL --sign --id "$id" -m "$mech" "$@" -i "$W/msg" -o "$W/sig.$mech"
    check "$mech verify (key $id)" token_verify "$id" "$mech" "$@"
    printf 'x' >>"$W/msg"
    refuse "$mech verify of a changed message" token_verify "$id" "$mech" "$@"
    head -c -1 "$W/msg" >"$W/msg.t" && mv "$W/msg.t" "$W/msg"
}

sign_verify 01 SHA256-RSA-PKCS
sign_verify 01 SHA384-RSA-PKCS-PSS --mgf MGF1-SHA384 --salt-len 48
sign_verify 02 ECDSA-SHA256
sign_verify 03 ECDSA-SHA512
sign_verify 05 ECDSA-SHA384
sign_verify 04 EDDSA

# openssl verifies the token's signatures with the exported public keys.
check "openssl verifies RSA PKCS#1 v1.5" openssl dgst -sha256 -verify "$W/pub01" -keyform DER \
    -signature "$W/sig.SHA256-RSA-PKCS" "$W/msg"
check "openssl verifies RSA-PSS" openssl dgst -sha384 -verify "$W/pub01" -keyform DER \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 \
    -signature "$W/sig.SHA384-RSA-PKCS-PSS" "$W/msg"
for c in "02 ECDSA-SHA256 sha256" "03 ECDSA-SHA512 sha512"; do
    set -- $c
    check "$2 sign, DER form" PL --sign --id "$1" -m "$2" --signature-format openssl \
        -i "$W/msg" -o "$W/sig.$2.der"
    check "openssl verifies $2" openssl dgst -"$3" -verify "$W/pub$1" -keyform DER \
        -signature "$W/sig.$2.der" "$W/msg"
done
# pkcs11-tool writes Ed25519 public keys as PEM; openssl detects the form.
check "openssl verifies Ed25519" openssl pkeyutl -verify -pubin -inkey "$W/pub04" -rawin \
    -in "$W/msg" -sigfile "$W/sig.EDDSA"

# The reverse direction: openssl encrypts to the exported key, the token decrypts.
check "openssl RSA PKCS#1 v1.5 encrypt" openssl pkeyutl -encrypt -pubin -inkey "$W/pub01" \
    -keyform DER -in "$W/msg" -out "$W/ct1"
check "token decrypts RSA PKCS#1 v1.5" PL --decrypt --id 01 -m RSA-PKCS -i "$W/ct1" -o "$W/pt1"
check "PKCS#1 v1.5 plaintext matches" cmp "$W/msg" "$W/pt1"
check "openssl RSA-OAEP encrypt" openssl pkeyutl -encrypt -pubin -inkey "$W/pub01" -keyform DER \
    -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 \
    -in "$W/msg" -out "$W/ct2"
check "token decrypts RSA-OAEP" PL --decrypt --id 01 -m RSA-PKCS-OAEP --hash-algorithm SHA256 \
    --mgf MGF1-SHA256 -i "$W/ct2" -o "$W/pt2"
check "OAEP plaintext matches" cmp "$W/msg" "$W/pt2"
cp "$W/ct2" "$W/ct3" && printf '\001' | dd of="$W/ct3" bs=1 seek=9 conv=notrunc 2>/dev/null
refuse "token refuses a modified OAEP ciphertext" PL --decrypt --id 01 -m RSA-PKCS-OAEP \
    --hash-algorithm SHA256 --mgf MGF1-SHA256 -i "$W/ct3"

# ECDH P-256 with an openssl peer: both sides compute the same Z.
check "openssl peer key" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$W/peer.pem"
check "openssl peer public key" openssl pkey -in "$W/peer.pem" -pubout -outform DER \
    -out "$W/peer.der"
check "token ECDH1-DERIVE" PL --derive -m ECDH1-DERIVE --id 02 -i "$W/peer.der" -o "$W/z.token"
check "openssl derive" openssl pkeyutl -derive -inkey "$W/peer.pem" -peerkey "$W/pub02" \
    -peerform DER -out "$W/z.openssl"
check "ECDH shared secrets match" cmp "$W/z.token" "$W/z.openssl"

check "pkcs11-tool --test" PL --test
if grep -q "errors" "$W/out.txt" && ! grep -q "No errors" "$W/out.txt"; then
    bad "pkcs11-tool --test reported errors"
    cat "$W/out.txt"
fi

if [ "$fails" -ne 0 ]; then
    printf '%d check(s) failed\n' "$fails"
    exit 1
fi
printf 'all public-key interoperability checks passed\n'
