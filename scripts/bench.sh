#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The full PKCS#11 benchmark (`make bench`): builds the tree (build/, or $BUILD_DIR), makes sure
# SoftHSMv2 is there, prints the date and the machine, then runs craton-hsm-bench over every row:
# our module, SoftHSMv2 and raw OpenSSL interleaved, 1 and 2 threads. Extra arguments go to the
# benchmark (e.g. `scripts/bench.sh --rows ecdsa --json`); see docs/BENCHMARKS.md.
# Environment: BUILD_DIR (default build), BENCH_SECONDS (per cell, default 2), BENCH_ROUNDS
# (slices per cell, median reported, default 5).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
seconds=${BENCH_SECONDS:-2}
rounds=${BENCH_ROUNDS:-5}
softhsm=/usr/lib/softhsm/libsofthsm2.so

bash scripts/deps.sh build
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" >/dev/null
fi
ninja -C "$build" bench/craton-hsm-bench src/module/libcraton_hsm.so \
    src/module/libcraton_hsm.so.hmac >/dev/null

if [ ! -f "$softhsm" ] && [ "$(id -u)" -eq 0 ]; then
    echo "bench: installing softhsm2 for the comparison" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends softhsm2 \
        >/dev/null || true
fi

# With --json the header goes to stderr so stdout stays one JSON document.
out=1
for a in "$@"; do
    [ "$a" = --json ] && out=2
done
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "command: $build/bench/craton-hsm-bench --seconds $seconds --rounds $rounds $*"
    echo
} >&$out
exec "$build/bench/craton-hsm-bench" --module "$PWD/$build/src/module/libcraton_hsm.so" \
    --softhsm "$softhsm" --seconds "$seconds" --rounds "$rounds" "$@"
