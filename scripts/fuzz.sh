#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Long fuzzing, outside the default suite. With clang: libFuzzer + ASan/UBSan on each target for
# FUZZ_SECONDS (default 300) each, corpus kept in build-fuzz/corpus-<target>. Without clang: the
# replay drivers of the ASan build with CH_FUZZ_ITERATIONS (default 2,000,000) random inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/deps.sh test
secs=${FUZZ_SECONDS:-300}
test -f build-asan/build.ninja ||
    meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan >/dev/null
module=$root/build-asan/src/module/libcraton_hsm.so
if command -v clang >/dev/null 2>&1; then
    mkdir -p build-fuzz
    for t in tests/fuzz/fuzz_*.c; do
        name=$(basename "$t" .c)
        clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc -Itests/support \
            "$t" tests/support/p11_test.c -ldl -lpthread -o "build-fuzz/$name"
        mkdir -p "build-fuzz/corpus-$name"
        CRATON_HSM_MODULE=$module "build-fuzz/$name" -max_total_time="$secs" \
            "build-fuzz/corpus-$name" "tests/fuzz/corpus/${name#fuzz_}"
    done
else
    echo "fuzz: clang not found; running the replay drivers with many random inputs" >&2
    for t in build-asan/tests/fuzz/fuzz_*; do
        [ -x "$t" ] || continue
        CRATON_HSM_MODULE=$module CH_FUZZ_ITERATIONS=${CH_FUZZ_ITERATIONS:-2000000} "$t"
    done
fi
