#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as CI runs it: installs what it needs, builds the release-style tree
# (build/) and an ASan+UBSan tree (build-asan/), runs every suite in the first and the unit
# and vector suites in the second, then prints one line: "N passed, N failed, N skipped".
# Long fuzzing and soak runs are not here: see `make fuzz` and `make soak`.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/deps.sh test || exit 1

vectors=${CRATON_VECTORS_DIR:-$root/../shared/vectors}
setup() { # dir, extra meson args...
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" -Dtests=true -Dvectors_dir="$vectors" "$@" >"$root/$dir.setup.log" 2>&1 ||
            { cat "$root/$dir.setup.log"; return 1; }
    else
        # The tree may come from scripts/demo.sh (tests off) or an older checkout.
        meson configure "$dir" -Dtests=true -Dvectors_dir="$vectors" "$@" >"$root/$dir.setup.log" 2>&1 ||
            { cat "$root/$dir.setup.log"; return 1; }
    fi
    ninja -C "$dir" >"$root/$dir.build.log" 2>&1 || { tail -50 "$root/$dir.build.log"; return 1; }
}

status=0
setup build || status=1
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false || status=1
if [ $status -ne 0 ]; then
    echo "0 passed, 1 failed"
    exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
meson test -C build --num-processes 2 --print-errorlogs --no-rebuild || status=1
meson test -C build-asan --num-processes 2 --print-errorlogs --no-rebuild \
    --suite unit --suite vectors --suite fuzz || status=1

python3 - "$root/build/meson-logs/testlog.json" "$root/build-asan/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
PY
rc=$?
[ $status -ne 0 ] && rc=1
exit $rc
