#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# craton-hsm-admin end to end (issue 6, "Done means"): initialize a token, import RSA and EC PEM
# keys and a certificate, list them, export public keys and check them with openssl, back the
# token up, delete it, restore it into a fresh storage folder (as on another host) and find the
# same objects with the same attributes; keys usable when the module offers signing. Then
# tampering: audit log byte flip / deleted line / truncation / reordering caught by
# 'audit verify' (exit 4) with the entry number; corrupted and truncated backups refused with
# the target untouched; every --json output parses with python3 -m json.tool.
# Usage: test_admin.sh ADMIN_BINARY MODULE_PATH
set -eu

ADMIN=${1:?craton-hsm-admin path}
MODULE=${2:?module path}
W=$(mktemp -d /tmp/ch-admin-test-XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 700 "$W"
fails=0
step() { printf '== %s\n' "$*"; }
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }
json_ok() { # $1 what, rest: command
    what=$1
    shift
    if "$@" >"$W/out.json" && python3 -m json.tool "$W/out.json" >/dev/null; then
        ok "--json parses: $what"
    else
        bad "--json output of '$what' is not valid JSON"
    fi
}
# expect_rc CODE what command...
expect_rc() {
    want=$1
    what=$2
    shift 2
    set +e
    "$@" >"$W/out.txt" 2>"$W/err.txt"
    got=$?
    set -e
    if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; else
        bad "$what: exit $got, expected $want"
        cat "$W/err.txt" "$W/out.txt"
    fi
}

mkconfig() { # $1 dir
    mkdir -p "$1"
    cat >"$1/craton.ini" <<EOF
[storage]
dir = $1/store
[security]
pbkdf2_iterations = 10000
max_failed_logins = 3
backoff_initial_ms = 0
backoff_max_ms = 0
[audit]
enabled = true
EOF
}

A() { "$ADMIN" --module "$MODULE" "$@"; }

# Secrets come from protected files and the environment, never the command line.
printf 'so-pin-0123\n' >"$W/so.pin"
printf 'user-pin-4567\n' >"$W/user.pin"
printf 'backup passphrase 89\n' >"$W/backup.pass"
chmod 600 "$W/so.pin" "$W/user.pin" "$W/backup.pass"

step "host A: initialize a token"
mkconfig "$W/hostA"
export CRATON_HSM_CONFIG="$W/hostA/craton.ini"
A token init --slot 0 --label "admin test" --so-pin-file "$W/so.pin"
A pin init --slot 0 --so-pin-file "$W/so.pin" --new-pin-file "$W/user.pin"

step "PIN files readable by others are refused"
cp "$W/user.pin" "$W/open.pin"
chmod 644 "$W/open.pin"
expect_rc 2 "group/other-readable PIN file refused" \
    A key list --slot 0 --pin-file "$W/open.pin"
expect_rc 2 "PIN on the command line needs the acknowledgement" \
    A key list --slot 0 --pin user-pin-4567
expect_rc 3 "wrong PIN is an authentication failure" \
    env CRATON_HSM_PIN=wrong-pin "$ADMIN" --module "$MODULE" key list --slot 0 --login

step "PIN entry on a terminal: no echo, typed twice for a new PIN"
python3 - "$ADMIN" "$MODULE" <<'EOF' && ok "terminal PIN entry without echo" || bad "terminal PIN entry"
import os, pty, sys
admin, module = sys.argv[1], sys.argv[2]
env = {k: v for k, v in os.environ.items() if not k.startswith("CRATON_HSM_") or k == "CRATON_HSM_CONFIG"}
pid, fd = pty.fork()
if pid == 0:
    os.execve(admin, [admin, "--module", module, "pin", "change", "--slot", "0"], env)
out = b""
def expect(word):
    global out
    while word not in out:
        chunk = os.read(fd, 1024)
        if not chunk:
            raise SystemExit("EOF before " + word.decode())
        out += chunk
for prompt in (b"Enter user PIN:", b"Enter new user PIN:", b"Repeat new user PIN:"):
    expect(prompt)
    os.write(fd, b"user-pin-4567\n")
try:
    while True:
        chunk = os.read(fd, 1024)
        if not chunk:
            break
        out += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
assert os.WEXITSTATUS(status) == 0, out
assert b"user-pin-4567" not in out, "PIN echoed"
EOF

step "PIN lockout, unlock, SO PIN change"
printf 'wrong-pin-000\n' >"$W/wrong.pin"
chmod 600 "$W/wrong.pin"
for i in 1 2 3; do
    expect_rc 3 "wrong user PIN $i" A key list --slot 0 --pin-file "$W/wrong.pin"
done
expect_rc 3 "user PIN locked after 3 failures" A key list --slot 0 --pin-file "$W/user.pin"
grep -q CKR_PIN_LOCKED "$W/err.txt" && ok "locked is reported as CKR_PIN_LOCKED" || bad "lock message"
A pin unlock --slot 0 --so-pin-file "$W/so.pin" --new-pin-file "$W/user.pin"
A key list --slot 0 --pin-file "$W/user.pin" >/dev/null && ok "login works after pin unlock" || bad "unlock"
printf 'so-pin-new-99\n' >"$W/so2.pin"
chmod 600 "$W/so2.pin"
A pin change --slot 0 --so --so-pin-file "$W/so.pin" --new-pin-file "$W/so2.pin"
A pin change --slot 0 --so --so-pin-file "$W/so2.pin" --new-pin-file "$W/so.pin" &&
    ok "SO PIN changed and changed back" || bad "SO PIN change"
A audit show --slot 0 --event login --json >"$W/l.json"
python3 -c "
import json, sys
e = json.load(open(sys.argv[1]))
assert sum(1 for x in e if x['rv_name'] == 'CKR_PIN_INCORRECT') >= 3, e
assert any(x['rv_name'] == 'CKR_PIN_LOCKED' for x in e), e
" "$W/l.json" && ok "failed logins and the lockout are audited" || bad "login failures not audited"

step "import RSA and EC PEM keys and a certificate"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/rsa.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/ec.pem" 2>/dev/null
openssl req -x509 -new -key "$W/rsa.pem" -subj /CN=craton-admin-test -days 30 \
    -out "$W/rsa-cert.pem" 2>/dev/null
A key import --slot 0 --pin-file "$W/user.pin" --input "$W/rsa.pem" --label rsa-key
A key import --slot 0 --pin-file "$W/user.pin" --input "$W/ec.pem" --label ec-key --id 0ec0
A key import --slot 0 --pin-file "$W/user.pin" --input "$W/rsa-cert.pem" --label rsa-key

step "DER and Ed25519 imports"
openssl genpkey -algorithm ED25519 -out "$W/ed.pem" 2>/dev/null
openssl pkey -in "$W/ec.pem" -outform DER -out "$W/ec.der"
A key import --slot 0 --pin-file "$W/user.pin" --input "$W/ed.pem" --label ed-key --quiet
A key import --slot 0 --pin-file "$W/user.pin" --input "$W/ec.der" --format der --label ec-der --quiet
for k in ed:ed-key ec:ec-der; do
    A key export-public --slot 0 --label "${k#*:}" --output "$W/x.pub.pem"
    openssl pkey -in "$W/${k%%:*}.pem" -pubout | cmp -s - "$W/x.pub.pem" &&
        ok "${k#*:} imported and exported" || bad "${k#*:} public key differs"
    A key delete --slot 0 --pin-file "$W/user.pin" --label "${k#*:}" --quiet
done
openssl pkey -in "$W/ec.pem" -aes256 -passout pass:key-file-pass -out "$W/ec-enc.pem"
printf 'key-file-pass\n' >"$W/key.pass"
chmod 600 "$W/key.pass"
A key import --slot 0 --pin-file "$W/user.pin" --input "$W/ec-enc.pem" --label ec-enc \
    --key-passphrase-file "$W/key.pass" --quiet
A key export-public --slot 0 --label ec-enc --output "$W/enc.pub.pem"
openssl pkey -in "$W/ec.pem" -pubout | cmp -s - "$W/enc.pub.pem" &&
    ok "encrypted PEM key imported" || bad "encrypted PEM key"
expect_rc 3 "wrong key passphrase" env CRATON_HSM_KEY_PASSPHRASE=nope "$ADMIN" --module "$MODULE" \
    key import --slot 0 --pin-file "$W/user.pin" --input "$W/ec-enc.pem" --label ec-enc2
A key delete --slot 0 --pin-file "$W/user.pin" --label ec-enc --quiet
printf 'not a key\n' >"$W/junk.pem"
expect_rc 2 "junk input refused" A key import --slot 0 --pin-file "$W/user.pin" --input "$W/junk.pem" --label junk

step "list"
A key list --slot 0 --pin-file "$W/user.pin" --json >"$W/before.json"
python3 - "$W/before.json" <<'EOF' && ok "5 objects with the expected classes" || bad "object list"
import json, sys
objs = json.load(open(sys.argv[1]))
got = sorted((o["class"], o["label"], o["key_type"]) for o in objs)
want = sorted([("private", "rsa-key", "rsa"), ("public", "rsa-key", "rsa"),
               ("certificate", "rsa-key", None), ("private", "ec-key", "ec"),
               ("public", "ec-key", "ec")])
assert got == want, got
ids = {o["id"] for o in objs if o["label"] == "rsa-key"}
assert len(ids) == 1, ids          # key, public key and certificate share the id
assert all(o["id"] == "0ec0" for o in objs if o["label"] == "ec-key")
priv = [o for o in objs if o["class"] == "private"]
assert all("sensitive" in o["flags"] and "private" in o["flags"] for o in priv)
assert all("extractable" not in o["flags"] for o in priv)
EOF

step "export public keys and check them with openssl"
for k in rsa ec; do
    A key export-public --slot 0 --label $k-key --output "$W/$k.pub.pem"
    openssl pkey -in "$W/$k.pem" -pubout -out "$W/$k.ref.pem"
    if cmp -s "$W/$k.pub.pem" "$W/$k.ref.pem" && openssl pkey -pubin -in "$W/$k.pub.pem" -noout; then
        ok "$k public key matches the private key file"
    else
        bad "$k exported public key differs"
    fi
done

step "key gen, set-dates, delete"
set +e
A key gen --slot 0 --pin-file "$W/user.pin" --type ec:P-256 --label gen-ec >"$W/gen.out" 2>"$W/gen.err"
rc=$?
set -e
if [ $rc -eq 0 ]; then
    A key list --slot 0 --pin-file "$W/user.pin" --label gen-ec --json >"$W/gen.json"
    python3 -c "import json,sys; assert len(json.load(open(sys.argv[1]))) == 2" "$W/gen.json" &&
        ok "key gen ec:P-256 made a key pair" || bad "generated pair not listed"
    A key delete --slot 0 --pin-file "$W/user.pin" --label gen-ec
elif [ $rc -eq 1 ] && grep -q CKR_MECHANISM_INVALID "$W/gen.err"; then
    ok "key gen: the module's CKR_MECHANISM_INVALID reported cleanly (exit 1)"
else
    bad "key gen: exit $rc"
    cat "$W/gen.err"
fi
for t in ml-dsa-65 ml-kem-768 slh-dsa-sha2-128f; do
    set +e
    A key gen --slot 0 --pin-file "$W/user.pin" --type $t --label gen-$t >"$W/gen.out" 2>"$W/gen.err"
    rc=$?
    set -e
    if [ $rc -eq 0 ]; then
        A key list --slot 0 --pin-file "$W/user.pin" --label gen-$t --json >"$W/gen.json"
        python3 - "$W/gen.json" "$t" <<'EOF' && ok "key gen $t" || bad "key gen $t: wrong objects"
import json, sys
objs, t = json.load(open(sys.argv[1])), sys.argv[2]
assert sorted(o["class"] for o in objs) == ["private", "public"], objs
assert all(o["parameter_set"] == t for o in objs), objs
kem = t.startswith("ml-kem")
priv = [o for o in objs if o["class"] == "private"][0]
assert ("decapsulate" in priv["flags"]) == kem and ("sign" in priv["flags"]) != kem, priv
EOF
        A key delete --slot 0 --pin-file "$W/user.pin" --label gen-$t --quiet
    elif [ $rc -eq 1 ] && grep -q CKR_MECHANISM_INVALID "$W/gen.err"; then
        ok "key gen $t: CKR_MECHANISM_INVALID reported cleanly"
    else
        bad "key gen $t: exit $rc"
        cat "$W/gen.err"
    fi
done
expect_rc 2 "key gen with a bad type is a usage error" \
    A key gen --slot 0 --pin-file "$W/user.pin" --type dsa:1024 --label x
A key set-dates --slot 0 --pin-file "$W/user.pin" --label ec-key --start 2026-01-01 --end 2027-12-31
A key list --slot 0 --pin-file "$W/user.pin" --label ec-key --json >"$W/dates.json"
python3 - "$W/dates.json" <<'EOF' && ok "dates set" || bad "dates not set"
import json, sys
objs = json.load(open(sys.argv[1]))
assert len(objs) == 2 and all(o["start_date"] == "2026-01-01" and o["end_date"] == "2027-12-31" for o in objs)
EOF
A key set-dates --slot 0 --pin-file "$W/user.pin" --label ec-key --start '' --end ''
A key list --slot 0 --pin-file "$W/user.pin" --label ec-key --json >"$W/dates.json"
python3 -c "import json,sys; assert all(o['start_date'] is None for o in json.load(open(sys.argv[1])))" \
    "$W/dates.json" && ok "dates cleared" || bad "dates not cleared"
A key import --slot 0 --pin-file "$W/user.pin" --input "$W/ec.pem" --label doomed --quiet
A key delete --slot 0 --pin-file "$W/user.pin" --label doomed --quiet
A key list --slot 0 --pin-file "$W/user.pin" --label doomed --json >"$W/doomed.json"
python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == []" "$W/doomed.json" &&
    ok "key delete" || bad "key delete left objects"
expect_rc 1 "deleting nothing fails" A key delete --slot 0 --pin-file "$W/user.pin" --label doomed

step "--json for every listing command"
json_ok status A status --json
json_ok slots A slots --json
json_ok "config check" A config check --json
json_ok "key list" A key list --slot 0 --json
json_ok "audit show" A audit show --json
json_ok "audit verify" A audit verify --json
json_ok selftest A selftest --json

step "backup, delete, restore on a fresh storage folder"
A backup --slot 0 --output "$W/token.bak" --passphrase-file "$W/backup.pass" --kdf-iterations 100000
A token delete --slot 0 --so-pin-file "$W/so.pin" --yes
A slots --json >"$W/deleted.json"
python3 -c "import json,sys; s=json.load(open(sys.argv[1]))[0]; assert not s['token']['initialized']" \
    "$W/deleted.json" && ok "token deleted" || bad "token still initialized after delete"

kept=$(ls "$W"/hostA/store/token-0.audit.jsonl.deleted-*)
A audit verify --file "$kept" >/dev/null && ok "the deleted token's log is kept and verifies" ||
    bad "kept log"
A audit show --file "$kept" --event token.delete --json >"$W/del.json"
python3 -c "import json,sys; assert len(json.load(open(sys.argv[1]))) == 1" "$W/del.json" &&
    ok "token.delete was audited" || bad "token.delete not in the kept log"
expect_rc 2 "--slot and --file together" A audit verify --slot 0 --file "$kept"

mkconfig "$W/hostB"
export CRATON_HSM_CONFIG="$W/hostB/craton.ini"
cp "$W/token.bak" "$W/bad-flip.bak"
printf '\001' | dd of="$W/bad-flip.bak" bs=1 seek=3000 conv=notrunc 2>/dev/null
head -c 2000 "$W/token.bak" >"$W/bad-trunc.bak"
expect_rc 4 "corrupted backup refused" A restore --input "$W/bad-flip.bak" --passphrase-file "$W/backup.pass"
expect_rc 4 "truncated backup refused" A restore --input "$W/bad-trunc.bak" --passphrase-file "$W/backup.pass"
printf 'wrong passphrase\n' >"$W/wrong.pass"
chmod 600 "$W/wrong.pass"
cp "$W/token.bak" "$W/bad-header.bak"
printf 'X' | dd of="$W/bad-header.bak" bs=1 seek=110 conv=notrunc 2>/dev/null # label byte (AAD)
expect_rc 4 "altered header refused" A restore --input "$W/bad-header.bak" --passphrase-file "$W/backup.pass"
cp "$W/token.bak" "$W/bad-tail.bak"
printf 'junk' >>"$W/bad-tail.bak"
expect_rc 4 "trailing bytes refused" A restore --input "$W/bad-tail.bak" --passphrase-file "$W/backup.pass"
printf 'hello' >"$W/foreign.bak"
expect_rc 4 "foreign file refused" A restore --input "$W/foreign.bak" --passphrase-file "$W/backup.pass"
expect_rc 4 "wrong passphrase refused" A restore --input "$W/token.bak" --passphrase-file "$W/wrong.pass"
if [ ! -e "$W/hostB/store/token-0.db" ]; then ok "target untouched"; else bad "refused restore left a database"; fi

A restore --input "$W/token.bak" --passphrase-file "$W/backup.pass"
A key list --slot 0 --pin-file "$W/user.pin" --json >"$W/after.json"
python3 - "$W/before.json" "$W/after.json" <<'EOF' && ok "same objects, same attributes after restore" || bad "objects differ after restore"
import json, sys
def norm(path):
    return sorted(json.dumps({k: v for k, v in o.items() if k != "handle"}, sort_keys=True)
                  for o in json.load(open(path)))
assert norm(sys.argv[1]) == norm(sys.argv[2])
EOF
for k in rsa ec; do
    A key export-public --slot 0 --label $k-key --output "$W/$k.after.pem"
    cmp -s "$W/$k.after.pem" "$W/$k.ref.pem" && ok "$k public key intact" || bad "$k public key changed"
done

# A restored token over an initialized one needs --force.
expect_rc 1 "restore over an initialized token needs --force" \
    A restore --input "$W/token.bak" --passphrase-file "$W/backup.pass"

step "keys usable after restore"
printf 'message to sign\n' >"$W/msg"
if pkcs11-tool --module "$MODULE" -M 2>/dev/null | grep -q "SHA256-RSA-PKCS"; then
    # By id: the certificate shares the label (and the id, but it is no private key).
    rsa_id=$(python3 -c "import json,sys; print([o['id'] for o in json.load(open(sys.argv[1])) if o['class'] == 'private' and o['label'] == 'rsa-key'][0])" "$W/after.json")
    if pkcs11-tool --module "$MODULE" --login --pin "$(cat "$W/user.pin")" --sign \
        --mechanism SHA256-RSA-PKCS --id "$rsa_id" -i "$W/msg" -o "$W/msg.sig" >"$W/p11.out" 2>&1 &&
        openssl dgst -sha256 -verify "$W/rsa.ref.pem" -signature "$W/msg.sig" "$W/msg" >/dev/null; then
        ok "restored RSA key signs, openssl verifies"
    else
        bad "restored RSA key does not sign"
        cat "$W/p11.out"
    fi
else
    echo "skip signing check: the module offers no SHA256-RSA-PKCS yet"
fi

if pkcs11-tool --module "$MODULE" -M 2>/dev/null | grep -q "ECDSA-SHA256"; then
    if pkcs11-tool --module "$MODULE" --login --pin "$(cat "$W/user.pin")" --sign \
        --mechanism ECDSA-SHA256 --signature-format openssl --id 0ec0 -i "$W/msg" \
        -o "$W/msg.ecsig" >"$W/p11.out" 2>&1 &&
        openssl dgst -sha256 -verify "$W/ec.ref.pem" -signature "$W/msg.ecsig" "$W/msg" >/dev/null; then
        ok "restored EC key signs, openssl verifies"
    else
        bad "restored EC key does not sign"
        cat "$W/p11.out"
    fi
else
    echo "skip EC signing check: the module offers no ECDSA-SHA256 yet"
fi

step "audit log tampering is detected with the entry number"
LOG="$W/hostB/store/token-0.audit.jsonl"
for i in 1 2 3; do A key list --slot 0 --pin-file "$W/user.pin" >/dev/null; done
A audit verify --slot 0 >/dev/null && ok "fresh chain verifies" || bad "fresh chain"
n=$(wc -l <"$LOG")
[ "$n" -ge 4 ] || bad "expected at least 4 audit entries, got $n"
cp "$LOG" "$W/log.orig"
tamper() { # $1 what, $2 expected entry, then a python snippet editing lines L
    what=$1
    entry=$2
    python3 - "$LOG" "$3" <<'EOF'
import sys
path, code = sys.argv[1], sys.argv[2]
L = open(path, "rb").read().split(b"\n")[:-1]
exec(code)
open(path, "wb").write(b"".join(l + b"\n" for l in L))
EOF
    set +e
    A audit verify --slot 0 --json >"$W/v.json"
    rc=$?
    set -e
    got=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['first_bad_entry'])" "$W/v.json")
    if [ $rc -eq 4 ] && [ "$got" = "$entry" ]; then ok "$what: detected at entry $got"; else
        bad "$what: exit $rc, entry $got (expected 4, $entry)"
    fi
    cp "$W/log.orig" "$LOG"
}
tamper "byte flip in entry 2" 2 'L[1] = L[1].replace(b"\"slot\":0", b"\"slot\":1", 1)'
tamper "deleted entry 3" 3 'del L[2]'
tamper "truncated (last entry gone)" "$n" 'del L[-1]'
tamper "entries 2 and 3 swapped" 2 'L[1], L[2] = L[2], L[1]'
A audit verify --slot 0 >/dev/null && ok "restored log verifies again" || bad "log restore"

step "audit show filters"
A audit show --slot 0 --event login --json >"$W/logins.json"
python3 -c "import json,sys; e=json.load(open(sys.argv[1])); assert e and all(x['event']=='login' for x in e)" \
    "$W/logins.json" && ok "audit show --event" || bad "audit show --event"
A audit show --slot 0 --since 2999-01-01 --json >"$W/none.json"
python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == []" "$W/none.json" &&
    ok "audit show --since" || bad "audit show --since"
expect_rc 2 "audit show with a bad time" A audit show --since yesterday

step "audit export"
A audit export --slot 0 --format jsonl --output "$W/export.jsonl"
cmp -s "$W/export.jsonl" "$LOG" && ok "jsonl export is the log verbatim" || bad "jsonl export differs"
A audit export --slot 0 --format syslog | grep -q '^<85>1 ' && ok "syslog export" || bad "syslog export"

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all admin checks passed"
