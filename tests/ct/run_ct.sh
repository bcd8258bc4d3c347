#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs one tests/ct program under valgrind memcheck: any branch or memory index that depends
# on memory marked CH_CT_SECRET is reported as a use of uninitialised data and fails the test.
# Exit 77 (meson: skipped) when valgrind is not installed.
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not found: constant-time check skipped"
    exit 77
fi
exec valgrind -q --error-exitcode=1 --track-origins=yes --exit-on-first-error=no "$@"
