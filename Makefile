# Top-level build: installs what is missing, then builds the three parts into build/
# and the CLI into bin/planc. `make demo` runs a real container; `make test` runs the suite.
SHELL := /bin/bash
BUILD := $(CURDIR)/build

APT_PKGS := clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 libclang-rt-14-dev musl-tools libjsmn-dev \
            busybox-static runc crun hyperfine libseccomp-dev podman containerd
# each package with the file that shows it is installed
APT_CHECK := /usr/bin/clang-14 /usr/bin/wasm-ld-14 /usr/lib/wasm32-wasi/libc.a \
             /usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a \
             /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a \
             /usr/bin/musl-gcc /usr/include/jsmn.h /bin/busybox /usr/sbin/runc /usr/bin/crun \
             /usr/bin/hyperfine /usr/include/seccomp.h /usr/bin/podman /usr/bin/conmon \
             /usr/bin/containerd /usr/bin/ctr /usr/bin/containerd-shim-runc-v2

.PHONY: all deps build wasm shim cli demo test clean vm-image vm-test
all: build

deps: build/.deps-apt build/.deps-vm node_modules/.package-lock.json

build/.deps-apt:
	@missing=0; for f in $(APT_CHECK); do [ -e $$f ] || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  echo "installing Debian packages: $(APT_PKGS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS) >/dev/null; \
	fi
	@mkdir -p build && touch $@

# what vm/build-image.sh and vm/run.sh need to build and boot the pure cgroup v2 guest
VM_PKGS := qemu-system-x86 qemu-utils mmdebstrap e2fsprogs kmod
VM_CHECK := /usr/bin/qemu-system-x86_64 /usr/bin/qemu-img /usr/bin/mmdebstrap /usr/sbin/mke2fs /usr/sbin/depmod
build/.deps-vm:
	@missing=0; for f in $(VM_CHECK); do [ -e $$f ] || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  echo "installing Debian packages: $(VM_PKGS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(VM_PKGS) >/dev/null; \
	fi
	@mkdir -p build && touch $@

# npm ci refuses this lock on some registries (an optional Windows-only dependency of vite
# that the registry no longer serves is "missing"); npm install keeps every locked version.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund || npm install --no-audit --no-fund
	@touch $@

build: deps wasm shim cli

wasm: deps
	$(MAKE) -C wasm-core BUILD=$(BUILD)

shim: deps
	$(MAKE) -C native-shim BUILD=$(BUILD)

cli: deps wasm
	node orchestrator/scripts/build.mjs

demo: build
	bash scripts/demo.sh

test: build
	npx vitest run

# the guest image (cached in build/vm/), and the guest suite spec-tests/vm-guest/ run in it
vm-image: build/.deps-vm
	bash vm/build-image.sh

vm-test: build
	bash vm/run.sh -- npx vitest run spec-tests/vm-guest

clean:
	rm -rf build bin/planc orchestrator/src/gen
