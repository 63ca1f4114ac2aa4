# cmicro: every target installs what is missing first (scripts/install-deps is quiet when
# nothing is), so `make run` and `make test` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# Seconds per fuzz harness for `make fuzz` (make test runs each for 15 s).
FUZZ_SECONDS ?= 120
JOBS       ?= $(shell nproc)
MAKEFLAGS  += --no-print-directory
CMAKE_ARGS ?=

SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
          LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: all deps build test test-unit test-asan run format format-check clean bench bench-scale compose-test swarm-test fuzz chaos soak

all: build

deps:
	@scripts/install-deps --compose

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMICRO_SANITIZE=ON $(CMAKE_ARGS)

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) -LE 'compose|fuzz'

# Every libFuzzer harness of tests/fuzz for FUZZ_SECONDS on a copy of its seeds, built with
# clang + ASan + UBSan in FUZZ_BUILD (docs/fuzzing.md).
fuzz: deps
	@CMICRO_FUZZ_BUILD_DIR=$(CURDIR)/$(FUZZ_BUILD) JOBS=$(JOBS) tests/fuzz/run $(FUZZ_SECONDS)

run: build
	@CMICRO_BUILD_DIR=$(CURDIR)/$(BUILD) scripts/stack run

# Throughput, latency and memory against a baseline measured in the same run (bench/README.md).
bench: build
	@CMICRO_BUILD_DIR=$(CURDIR)/$(BUILD) bench/run

# blog-service's uncached request path at 1k, 10k and 100k blogs (bench/README.md).
bench-scale: build
	@CMICRO_BUILD_DIR=$(CURDIR)/$(BUILD) bench/scale

# Builds the images locally and tests deploy/compose.yaml and compose-lb.yaml for real.
compose-test: build
	@CMICRO_BUILD_DIR=$(CURDIR)/$(BUILD) deploy/test/run

# The same images on a single-node Docker Swarm: deploy/stack.yaml, rolling updates, scaling and a
# killed task under load (docs/deploy-swarm.md).
swarm-test: build
	@CMICRO_BUILD_DIR=$(CURDIR)/$(BUILD) deploy/test/swarm

# The fault suite: a stack of its own with two replicas of each service, mixed load through the
# gateway, one fault at a time, one table row each (docs/faults.md). Its short form is the
# chaos_short test of make test.
chaos: build
	@CMICRO_BUILD_DIR=$(CURDIR)/$(BUILD) tests/chaos/run full

# 10 minutes of the same load without faults: RSS and open fds of every service after the first
# minute must grow by less than 5% (docs/faults.md). Not in CI.
soak: build
	@CMICRO_BUILD_DIR=$(CURDIR)/$(BUILD) tests/chaos/run soak

format: deps
	@git ls-files '*.c' '*.h' | xargs clang-format -i

format-check: deps
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
