#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# OpenSSH interoperability (helper interop), without any network: on a fresh token with RSA-2048,
# EC P-256/P-384 and Ed25519 key pairs (pkcs11-tool), `ssh-keygen -D` lists the public keys (same
# fingerprints as the keys read back with pkcs11-tool), a private ssh-agent loads the module with
# `ssh-add -s` (PIN through SSH_ASKPASS), `ssh-add -L` lists the keys, and `ssh-keygen -Y sign`
# signs through the agent with each token key; `ssh-keygen -Y check-novalidate` and `-Y verify`
# accept the signatures and refuse them for changed data. A wrong PIN is refused.
# Usage: test_ssh.sh MODULE_PATH        (exit 77 = skipped: openssh-client not installed)
set -eu

MODULE=${1:?module path}
for tool in ssh-keygen ssh-agent ssh-add; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed (apt-get install openssh-client)"; exit 77; }
done
for tool in pkcs11-tool openssl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done

W=$(mktemp -d /tmp/ch-ssh-test-XXXXXX)
AGENT_PID=
cleanup() {
    if [ -n "$AGENT_PID" ]; then kill "$AGENT_PID" 2>/dev/null || true; fi
    [ -n "${CH_KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
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
PIN=ssh-user-1234
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

P --init-token --label ssh-interop --so-pin ssh-so-5678 >/dev/null 2>&1
P --init-pin --login --so-pin ssh-so-5678 --pin "$PIN" >/dev/null 2>&1
# Key pairs as a user makes them: private + public object, one CKA_ID and label each.
check "generate RSA-2048 (id 01)" P --login --pin "$PIN" --keypairgen --key-type rsa:2048 --id 01 --label ssh-rsa
check "generate EC P-256 (id 02)" P --login --pin "$PIN" --keypairgen --key-type EC:prime256v1 --id 02 --label ssh-p256
check "generate EC P-384 (id 03)" P --login --pin "$PIN" --keypairgen --key-type EC:secp384r1 --id 03 --label ssh-p384
check "generate Ed25519 (id 04)" P --login --pin "$PIN" --keypairgen --key-type EC:edwards25519 --id 04 --label ssh-ed25519

# Fingerprints expected from the token's public keys, read with pkcs11-tool and turned into
# OpenSSH keys by ssh-keygen (RSA, P-256; P-384 and Ed25519 are compared by ssh-add -L below).
for id in 01 02; do
    # (a failure here shows up as FAILs below, not as an early exit)
    P --read-object --type pubkey --id $id -o "$W/pub$id.der" >/dev/null 2>&1 &&
        openssl pkey -pubin -inform DER -in "$W/pub$id.der" -out "$W/pub$id.pem" &&
        ssh-keygen -i -m PKCS8 -f "$W/pub$id.pem" >"$W/pub$id.ssh" || : >"$W/pub$id.ssh"
done

# 1. ssh-keygen -D: the module's public keys as OpenSSH keys, no PIN needed.
check "ssh-keygen -D lists the token's public keys" sh -c "ssh-keygen -D '$MODULE' >'$W/D.txt'"
cat "$W/D.txt"
check "ssh-keygen -D: the RSA-2048 key" grep -q "^ssh-rsa .* ssh-rsa\$" "$W/D.txt"
check "ssh-keygen -D: the EC P-256 key" grep -q "^ecdsa-sha2-nistp256 .* ssh-p256\$" "$W/D.txt"
check "ssh-keygen -D: the EC P-384 key" grep -q "^ecdsa-sha2-nistp384 .* ssh-p384\$" "$W/D.txt"
for id in 01 02; do
    check "ssh-keygen -D key $id = the public key pkcs11-tool reads" sh -c \
        "test -s '$W/pub$id.ssh' && grep -qF \"\$(cut -d' ' -f1-2 '$W/pub$id.ssh')\" '$W/D.txt'"
done
if grep -q '^ssh-ed25519 ' "$W/D.txt"; then
    ok "ssh-keygen -D: the Ed25519 key"
    ED25519=1
else
    # OpenSSH 9.2 (Debian 12) reads only RSA and ECDSA keys from PKCS#11: not a module issue.
    echo "SKIP ssh-keygen -D: Ed25519 ($(ssh -V 2>&1 | cut -d, -f1) lists only RSA and ECDSA PKCS#11 keys)"
    ED25519=0
fi

# 2. A private agent, allowed to load this module (-P: the default allow-list is /usr/lib*/*).
eval "$(ssh-agent -s -a "$W/agent.sock" -P "$MODULE" -t 600)" >/dev/null
export SSH_AUTH_SOCK
AGENT_PID=$SSH_AGENT_PID
cat >"$W/askpass.sh" <<EOF
#!/bin/sh
cat '$W/askpass.pin'
EOF
chmod 700 "$W/askpass.sh"
export SSH_ASKPASS="$W/askpass.sh" SSH_ASKPASS_REQUIRE=force
unset DISPLAY

printf 'wrong-pin-0000\n' >"$W/askpass.pin"
if ssh-add -s "$MODULE" </dev/null >"$W/out.txt" 2>&1; then bad "ssh-add -s with a wrong PIN (accepted)"; else
    ok "ssh-add -s with a wrong PIN is refused"
fi
printf '%s\n' "$PIN" >"$W/askpass.pin"
check "ssh-add -s MODULE (PIN via SSH_ASKPASS)" ssh-add -s "$MODULE"
check "ssh-add -L lists the token keys" sh -c "ssh-add -L >'$W/L.txt'"
for id in 01 02; do
    check "ssh-add -L has key $id" sh -c \
        "test -s '$W/pub$id.ssh' && grep -qF \"\$(cut -d' ' -f1-2 '$W/pub$id.ssh')\" '$W/L.txt'"
done
check "ssh-add -L has the P-384 key" grep -q "^ecdsa-sha2-nistp384 " "$W/L.txt"

# 3. Signatures made by the agent with the token keys (ssh-keygen -Y sign -f PUBLIC_KEY).
printf 'signed through ssh-agent by the Craton HSM token %s\n' "$(date +%s)" >"$W/data"
printf 'changed data\n' >"$W/other"
i=0
grep -v '^ssh-ed25519 ' "$W/L.txt" >"$W/keys.txt" || true
[ "$ED25519" = 1 ] && grep '^ssh-ed25519 ' "$W/L.txt" >>"$W/keys.txt"
while read -r line; do
    i=$((i + 1))
    kt=$(printf '%s' "$line" | cut -d' ' -f1)
    printf '%s\n' "$line" >"$W/k$i.pub"
    printf 'craton@interop %s\n' "$(cut -d' ' -f1-2 "$W/k$i.pub")" >"$W/allowed$i"
    rm -f "$W/data.sig"
    check "ssh-keygen -Y sign with the agent ($kt)" ssh-keygen -Y sign -f "$W/k$i.pub" -n file "$W/data"
    check "ssh-keygen -Y check-novalidate ($kt)" sh -c \
        "ssh-keygen -Y check-novalidate -n file -s '$W/data.sig' <'$W/data'"
    check "ssh-keygen -Y verify with allowed signers ($kt)" sh -c \
        "ssh-keygen -Y verify -f '$W/allowed$i' -I craton@interop -n file -s '$W/data.sig' <'$W/data'"
    check "ssh-keygen -Y verify refuses changed data ($kt)" sh -c \
        "! ssh-keygen -Y verify -f '$W/allowed$i' -I craton@interop -n file -s '$W/data.sig' <'$W/other'"
    check "ssh-keygen -Y verify refuses another namespace ($kt)" sh -c \
        "! ssh-keygen -Y verify -f '$W/allowed$i' -I craton@interop -n git -s '$W/data.sig' <'$W/data'"
done <"$W/keys.txt"
[ "$i" -ge 3 ] && ok "signed with $i token keys" || bad "signed with only $i token keys"

# 4. An SSH certificate authority on the token: ssh-keygen -s with the module itself (-D, PIN
# through SSH_ASKPASS) and through the agent (-U) signs a user key; ssh-keygen -L parses the
# certificate, which checks the CA signature.
ssh-keygen -q -t ed25519 -N '' -C user@interop -f "$W/user" </dev/null
cut -d' ' -f1-2 "$W/pub02.ssh" >"$W/ca.pub"
check "ssh-keygen -s CA.pub -D MODULE signs a user certificate" \
    ssh-keygen -q -s "$W/ca.pub" -D "$MODULE" -I craton-ca-test -n alice -V +1h "$W/user.pub"
check "ssh-keygen -L: the certificate's CA signature checks out" sh -c \
    "ssh-keygen -L -f '$W/user-cert.pub' >'$W/cert.txt' &&
     grep -q 'Signing CA: ECDSA ' '$W/cert.txt' && grep -q 'alice' '$W/cert.txt'"
check "changed certificate is refused" sh -c \
    "awk '{print \$1, substr(\$2, 1, 200) (substr(\$2, 201, 1) == \"A\" ? \"B\" : \"A\") substr(\$2, 202)}' \
        '$W/user-cert.pub' >'$W/bad-cert.pub' && ! ssh-keygen -L -f '$W/bad-cert.pub' >/dev/null 2>&1"
rm -f "$W/user-cert.pub"
check "ssh-keygen -U -s CA.pub signs a user certificate through the agent" \
    ssh-keygen -q -U -s "$W/ca.pub" -I craton-ca-agent -n bob -V +1h "$W/user.pub"
check "ssh-keygen -L: the agent-signed certificate checks out" sh -c \
    "ssh-keygen -L -f '$W/user-cert.pub' | grep -q 'bob'"

check "ssh-add -e MODULE removes the keys" ssh-add -e "$MODULE"
check "ssh-add -L is empty afterwards" sh -c "! ssh-add -L >/dev/null 2>&1"

if [ "$fails" -ne 0 ]; then
    echo "# $fails OpenSSH step(s) failed"
    exit 1
fi
echo "# all OpenSSH steps passed"
