# Ember: the two commands are `make run` and `make test` (see README.md).
# Everything else here is what they are made of.

BUILD       ?= build
BUILD_ASAN  ?= build-asan
BUILD_FUZZ  ?= build-fuzz
PORT        ?= 15002
HOST        ?= 127.0.0.1
JOBS        ?= $(shell nproc)
PYTEST      := .venv/bin/python -m pytest

.PHONY: all setup build build-asan build-fuzz run test test-unit test-client \
        test-asan test-fuzz fuzz-long bench clean protos

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: setup $(BUILD)/build.ninja
	@ninja -C $(BUILD) -j $(JOBS) | grep -v '^\[' || true
	@test -x $(BUILD)/ember

$(BUILD_ASAN)/build.ninja:
	CC=clang cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEMBER_SANITIZE=ON >/dev/null

build-asan: setup $(BUILD_ASAN)/build.ninja
	@ninja -C $(BUILD_ASAN) -j $(JOBS) | grep -v '^\[' || true
	@test -x $(BUILD_ASAN)/ember

$(BUILD_FUZZ)/build.ninja:
	CC=clang cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_FUZZ=ON \
	  -DEMBER_SANITIZE=ON >/dev/null

build-fuzz: setup $(BUILD_FUZZ)/build.ninja
	@ninja -C $(BUILD_FUZZ) -j $(JOBS) fuzzers | grep -v '^\[' || true

run: build
	$(BUILD)/ember serve --host $(HOST) --port $(PORT)

# The whole suite: unit tests and client tests on the optimised build, the
# same again under ASan+UBSan, and a short run of every fuzz target.
test: build build-asan build-fuzz
	@scripts/run-tests

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -R '^unit\.'

test-client: build
	EMBER_BIN=$(BUILD)/ember $(PYTEST) -q tests/client

test-asan: build-asan
	cd $(BUILD_ASAN) && ctest --output-on-failure -R '^unit\.'
	EMBER_BIN=$(BUILD_ASAN)/ember $(PYTEST) -q tests/client

test-fuzz: build-fuzz
	cd $(BUILD_FUZZ) && ctest --output-on-failure -R '^fuzz\.'

# Long fuzz runs (5 minutes per target by default): make fuzz-long SECONDS=300
SECONDS ?= 300
fuzz-long: build-fuzz
	@for f in $(BUILD_FUZZ)/tests/fuzz_*; do \
	  name=$$(basename $$f); mkdir -p tests/fuzz/corpus-$$name; \
	  echo "== $$name ($(SECONDS) s)"; \
	  $$f -max_total_time=$(SECONDS) -rss_limit_mb=2048 -timeout=10 tests/fuzz/corpus-$$name tests/fuzz/seeds/$$name || exit 1; \
	done

protos:
	.venv/bin/python scripts/gen_protos.py

bench:
	bench/setup
	bench/run

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
