#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# NSS interoperability (helper interop): modutil adds the module to a fresh NSS database and
# lists its token; certutil makes RSA-2048 and EC P-256 keys with self-signed CA certificates on
# the token, lists keys and certificates, verifies them (NSS and openssl), issues a leaf
# certificate signed by each token CA, and pk12util imports a PKCS#12 key + certificate onto it.
# Usage: test_nss.sh MODULE_PATH        (exit 77 = skipped: libnss3-tools not installed)
set -eu

MODULE=${1:?module path}
for tool in modutil certutil pk12util; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed (apt-get install libnss3-tools)"; exit 77; }
done
for tool in pkcs11-tool openssl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done

W=$(mktemp -d /tmp/ch-nss-test-XXXXXX)
trap '[ -n "${CH_KEEP:-}" ] || rm -rf "$W"' EXIT
chmod 700 "$W"
mkdir -p "$W/tokens" "$W/db"
cat >"$W/craton.ini" <<EOF
[storage]
dir = $W/tokens
[security]
pbkdf2_iterations = 10000
backoff_initial_ms = 1
EOF
export CRATON_HSM_CONFIG="$W/craton.ini"
export NSS_DEFAULT_DB_TYPE=sql
LABEL=nss-interop
PIN=nss-user-1234
DB="sql:$W/db"
fails=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }
# check WHAT COMMAND...: ok when the command succeeds, else FAIL with its output.
check() {
    what=$1
    shift
    if "$@" >"$W/out.txt" 2>&1; then ok "$what"; else
        bad "$what"
        head -20 "$W/out.txt"
    fi
}
# refuse WHAT COMMAND...: ok when the command fails.
refuse() {
    what=$1
    shift
    if "$@" >"$W/out.txt" 2>&1; then bad "$what (accepted)"; else ok "$what"; fi
}

pkcs11-tool --module "$MODULE" --init-token --label "$LABEL" --so-pin nss-so-5678 >/dev/null 2>&1
pkcs11-tool --module "$MODULE" --init-pin --login --so-pin nss-so-5678 --pin "$PIN" >/dev/null 2>&1
printf '%s\n' "$PIN" >"$W/pin.txt"
printf 'p12-pass\n' >"$W/p12pass.txt"
head -c 256 /dev/urandom >"$W/noise"
C() { certutil -d "$DB" -f "$W/pin.txt" "$@"; }

check "certutil -N: fresh NSS database" certutil -N -d "$DB" --empty-password
# FRIENDLY (slotFlags=PublicCerts): the token's certificates are public objects, readable
# without a login. Without it NSS logs in before any certificate lookup, and lookups by nickname
# that get no password callback (certutil -L/-V -n TOKEN:NICK) find nothing (docs/INTEROP.md).
check "modutil -add the module" modutil -dbdir "$DB" -add craton -libfile "$MODULE" \
    -mechanisms FRIENDLY -force
check "modutil -list shows the token" sh -c \
    "modutil -dbdir '$DB' -list craton | grep -q 'Token Name: $LABEL'"
check "modutil -list: module library version and slot" sh -c \
    "modutil -dbdir '$DB' -list | grep -q 'token: $LABEL'"
check "certutil -L -h TOKEN on the empty token" C -L -h "$LABEL"
refuse "certutil -K with a wrong PIN" sh -c \
    "printf 'wrong-pin\n' >'$W/bad.txt'; certutil -d '$DB' -f '$W/bad.txt' -K -h '$LABEL'"

# CA certificates whose keys are generated on the token (C_GenerateKeyPair, then C_Sign).
check "certutil -S: RSA-2048 key + self-signed CA on the token" C -S -h "$LABEL" -z "$W/noise" \
    -n rsa-ca -s "CN=Craton NSS RSA CA,O=Craton HSM interop" -x -t "CT,C,C" -k rsa -g 2048 \
    -Z SHA256 -v 12 --keyUsage certSigning,crlSigning -2 <<EOF
y
-1
y
EOF
check "certutil -S: EC P-256 key + self-signed CA on the token" C -S -h "$LABEL" -z "$W/noise" \
    -n ec-ca -s "CN=Craton NSS EC CA,O=Craton HSM interop" -x -t "CT,C,C" -k ec -q nistp256 \
    -Z SHA256 -v 12 --keyUsage certSigning,crlSigning -2 <<EOF
y
-1
y
EOF
check "certutil -K lists both token keys" sh -c \
    "certutil -d '$DB' -f '$W/pin.txt' -K -h '$LABEL' >'$W/keys.txt' &&
     grep -q '^< *[0-9]*> rsa .*$LABEL:rsa-ca' '$W/keys.txt' && grep -q '^< *[0-9]*> ec .*$LABEL:ec-ca' '$W/keys.txt'"
check "certutil -L -h TOKEN lists both certificates" sh -c \
    "certutil -d '$DB' -f '$W/pin.txt' -L -h '$LABEL' >'$W/certs.txt' &&
     grep -q '^$LABEL:rsa-ca ' '$W/certs.txt' && grep -q '^$LABEL:ec-ca ' '$W/certs.txt'"

for ca in rsa-ca ec-ca; do
    check "certutil -V: $ca valid as CA (signature checked)" C -V -e -u L -n "$LABEL:$ca"
    check "export $ca certificate (PEM)" sh -c "certutil -d '$DB' -L -a -n '$LABEL:$ca' >'$W/$ca.pem'"
    check "openssl verifies the self-signature of $ca" \
        openssl verify -CAfile "$W/$ca.pem" -check_ss_sig "$W/$ca.pem"
    # A leaf: key and request in NSS's own token, signed by the CA key on ours.
    check "certutil -R: leaf request (software key) for $ca" C -R -z "$W/noise" \
        -s "CN=leaf of $ca,O=Craton HSM interop" -k ec -q nistp256 -o "$W/$ca.req" -a
    check "certutil -C: $ca on the token signs the leaf" C -C -c "$LABEL:$ca" -i "$W/$ca.req" -a \
        -o "$W/$ca-leaf.pem" -m "$(date +%s)" -v 6 -Z SHA256
    check "openssl verify: leaf chains to $ca" openssl verify -CAfile "$W/$ca.pem" "$W/$ca-leaf.pem"
    check "certutil -A + -V: NSS verifies the leaf against $ca" sh -c \
        "certutil -d '$DB' -A -n 'leaf-$ca' -t ',,' -a -i '$W/$ca-leaf.pem' &&
         certutil -d '$DB' -f '$W/pin.txt' -V -u C -n 'leaf-$ca'"
done
# A changed byte in the signed part must break the chain (no false pass above).
# (one letter of the subject's "leaf of" becomes "Leaf of": the DER stays well formed; a missing
# leaf leaves an empty file, refused too, after the FAILs above)
: >"$W/leaf.der"
if openssl x509 -in "$W/rsa-ca-leaf.pem" -outform DER -out "$W/leaf.der" 2>/dev/null; then
    off=$(grep -abo 'leaf of' "$W/leaf.der" | head -1 | cut -d: -f1)
    printf 'L' | dd of="$W/leaf.der" bs=1 seek="$off" conv=notrunc 2>/dev/null
fi
check "openssl verify: changed leaf refused (signature failure)" sh -c \
    "! openssl verify -CAfile '$W/rsa-ca.pem' '$W/leaf.der' >'$W/v.txt' 2>&1 &&
     grep -q 'certificate signature failure' '$W/v.txt'"

# pk12util import: NSS derives the PBES2 key on our token (CKM_PKCS5_PBKD2) and unwraps the
# encrypted PKCS#8 key with it by C_UnwrapKey(CKM_AES_CBC_PAD). Only when the module offers
# that unwrap (older builds did not); otherwise the step is skipped with the reason (NSS's
# fallback, moving the key out under a 512-bit RSA wrap, is refused by the module).
# (certutil -K names the imported key by its CKA_LABEL, without the token prefix.)
nkeys=2
if pkcs11-tool --module "$MODULE" -M 2>/dev/null | grep -q '^ *AES-CBC-PAD,.*unwrap'; then
    nkeys=3
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/imp.key" \
        -out "$W/imp.crt" -days 2 -subj "/CN=Craton NSS import" 2>/dev/null
    openssl pkcs12 -export -inkey "$W/imp.key" -in "$W/imp.crt" -name imported \
        -passout "file:$W/p12pass.txt" -out "$W/imp.p12" \
        -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256
    check "pk12util -i -h TOKEN imports key + certificate" pk12util -d "$DB" -h "$LABEL" \
        -K "$PIN" -i "$W/imp.p12" -w "$W/p12pass.txt"
    check "imported key and certificate are on the token" sh -c \
        "certutil -d '$DB' -f '$W/pin.txt' -K -h '$LABEL' | grep -Eq '> ec .* ($LABEL:)?imported\$' &&
         certutil -d '$DB' -f '$W/pin.txt' -L -h '$LABEL' | grep -q '^$LABEL:imported '"
    check "imported token key signs a leaf (certutil -C)" sh -c \
        "certutil -d '$DB' -f '$W/pin.txt' -C -c '$LABEL:imported' -i '$W/ec-ca.req' -a \
            -o '$W/imp-leaf.pem' -m 4242 -v 6 -Z SHA256 &&
         openssl verify -partial_chain -CAfile '$W/imp.crt' '$W/imp-leaf.pem'"
else
    echo "SKIP pk12util -i -h TOKEN: the module's CKM_AES_CBC_PAD has no CKF_UNWRAP, and NSS imports"
    echo "     PKCS#12 keys with C_UnwrapKey(CKM_AES_CBC_PAD, PBKDF2 key, PKCS#8) -> CKR_MECHANISM_INVALID"
fi
refuse "pk12util -o cannot export the sensitive token key" pk12util -d "$DB" -n "$LABEL:rsa-ca" \
    -K "$PIN" -o "$W/out.p12" -w "$W/p12pass.txt"

# A second process sees the same token objects (they are token objects, not session ones).
check "pkcs11-tool sees the NSS keys and certificates" sh -c \
    "pkcs11-tool --module '$MODULE' --login --pin '$PIN' -O 2>/dev/null >'$W/objs.txt' &&
     grep -c 'Certificate Object' '$W/objs.txt' | grep -qx $nkeys &&
     grep -c 'Private Key Object' '$W/objs.txt' | grep -qx $nkeys"

check "certutil -D / -F: delete the EC CA certificate and key" C -F -h "$LABEL" -n "$LABEL:ec-ca"
check "deleted key is gone" sh -c \
    "! certutil -d '$DB' -f '$W/pin.txt' -K -h '$LABEL' | grep -q '$LABEL:ec-ca'"

if [ "$fails" -ne 0 ]; then
    echo "# $fails NSS step(s) failed"
    exit 1
fi
echo "# all NSS steps passed"
