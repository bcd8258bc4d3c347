# SPDX-License-Identifier: Apache-2.0
# Convenience targets; the build itself is meson + ninja (see README.md).
.PHONY: all demo test bench fuzz clean
all:
	bash scripts/deps.sh build
	test -f build/build.ninja || meson setup build
	ninja -C build
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
bench: all
	bash scripts/bench.sh
fuzz:
	bash scripts/fuzz.sh
clean:
	rm -rf build build-asan craton-demo
