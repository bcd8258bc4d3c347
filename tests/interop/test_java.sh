#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Java SunPKCS11 interoperability (helper interop): on a fresh token holding an RSA key with its
# certificate and an AES key (put there with openssl + pkcs11-tool), one JVM runs
# java/CratonInterop.java: KeyStore login and aliases, SecureRandom, MessageDigest, EC P-256 and
# RSA-2048 KeyPairGenerator, ECDSA/RSA/RSASSA-PSS signatures checked against SunEC/SunRsaSign in
# both directions, ECDH, RSA decryption, AES-CBC/GCM against SunJCE, KeyStore secret-key entries.
# Usage: test_java.sh MODULE_PATH        (exit 77 = skipped: no JDK with javac on this machine)
set -eu

MODULE=${1:?module path}
HERE=$(cd "$(dirname "$0")" && pwd)
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
    echo "SKIP: no JDK (java + javac) installed; apt-get install openjdk-17-jdk-headless"
    exit 77
fi
for tool in pkcs11-tool openssl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done

W=$(mktemp -d /tmp/ch-java-test-XXXXXX)
trap 'rm -rf "$W"' EXIT
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
PIN=java-user-1234
SOPIN=java-so-5678

P() { pkcs11-tool --module "$MODULE" "$@"; }
P --init-token --slot 0 --label java-interop --so-pin "$SOPIN" >/dev/null
P --init-pin --slot 0 --login --so-pin "$SOPIN" --pin "$PIN" >/dev/null

# An application's usual starting point: a key and its certificate imported under one CKA_ID.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 \
    -subj "/CN=Craton Java interop" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$W/key.pem" -outform DER -out "$W/key.der"
openssl x509 -in "$W/cert.pem" -outform DER -out "$W/cert.der"
P --login --pin "$PIN" --write-object "$W/key.der" --type privkey --id 10 --label java-rsa >/dev/null
P --login --pin "$PIN" --write-object "$W/cert.der" --type cert --id 10 --label java-rsa >/dev/null
P --login --pin "$PIN" --keygen --key-type AES:32 --id 20 --label aes-token >/dev/null

# The SunPKCS11 configuration an application would use (docs/INTEROP.md).
cat >"$W/sunpkcs11.cfg" <<EOF
name = Craton
library = $MODULE
slot = 0
# PKCS#11 makes CKA_DERIVE false unless the template asks; SunPKCS11 sends an empty private
# template, so KeyAgreement("ECDH") needs this (same with SoftHSMv2).
attributes(generate, CKO_PRIVATE_KEY, CKK_EC) = {
  CKA_DERIVE = true
}
EOF

# One JVM: the single-file source launcher compiles and runs the program.
[ -n "${CH_JAVA_LIBRARY:-}" ] && sed -i "s|^library = .*|library = $CH_JAVA_LIBRARY|" "$W/sunpkcs11.cfg"
java -Xshare:auto -XX:TieredStopAtLevel=1 "$HERE/java/CratonInterop.java" "$W/sunpkcs11.cfg" "$PIN"
