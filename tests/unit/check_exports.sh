#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Export check for libcraton_hsm.so (STYLE.md §7): the dynamic symbols the module defines must be
# exactly the sorted list in tests/unit/exports.txt, no more (leaked internals) and no fewer.
# Usage: check_exports.sh <path/to/libcraton_hsm.so> <path/to/exports.txt> [nm]
set -eu
lib=$1
expected=$2
nm=${3:-nm}

actual=$(mktemp)
trap 'rm -f "$actual"' EXIT INT TERM
# Columns: value type name[@version]. Keep every defined symbol, whatever its type.
LC_ALL=C "$nm" -D --defined-only "$lib" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' |
    LC_ALL=C sort -u > "$actual"

if LC_ALL=C diff -u "$expected" "$actual"; then
    echo "exports OK: $(wc -l < "$actual") symbols"
else
    echo "exported symbols of $lib differ from $expected (- expected, + actual)" >&2
    exit 1
fi
