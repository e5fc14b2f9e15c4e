# Thin wrapper around CMake and ctest; see README.md.
BUILD ?= build
JOBS ?= 2
PREFIX ?= /usr/local
CTEST_JOBS ?= 2
PREFIX ?= /usr/local
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: build, then what the tests and benchmarks run against.
BUILD_PKGS := g++ cmake make pkg-config git libcli11-dev libsimdjson-dev libfmt-dev \
  libzstd-dev catch2 libsqlite3-dev libssl-dev libxxhash-dev libre2-dev libpq-dev librdkafka-dev \
  libboost-dev
TEST_PKGS := zstd sqlite3 python3 jq groff mandoc bash-completion util-linux procps \
  coreutils diffutils openssl postgresql-15 postgresql-15-wal2json kcat zsh fish curl tmux
BENCH_PKGS := gojq miller gawk hyperfine linux-perf time
FUZZ_PKGS := clang-14 libfuzzer-14-dev
FUZZ_BUILD ?= build-fuzz
FUZZ_RUNS ?= 300000

.PHONY: all build deps deps-bench demo check bench chaos fuzz install clean

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

deps:
	@PKGS="$(BUILD_PKGS) $(TEST_PKGS)" SUDO="$(SUDO)" sh tests/support/install-packages.sh

deps-bench: deps
	@PKGS="$(BENCH_PKGS)" SUDO="$(SUDO)" sh tests/support/install-packages.sh

demo: deps build
	@SLUICE=$(BUILD)/sluice sh examples/demo.sh

check: deps build
	@cd $(BUILD) && ctest --output-on-failure --timeout 900 -j$(CTEST_JOBS)

bench: deps-bench build
	@SLUICE=$(BUILD)/sluice bash tests/bench/run.sh

chaos: deps build
	@VERBOSE=1 SLUICE=$(BUILD)/sluice CHAOS_KILLS=$${CHAOS_KILLS:-200} CHAOS_EVENTS=$${CHAOS_EVENTS:-1000000} \
	  bash tests/e2e/zero_loss.sh
	@VERBOSE=1 SLUICE=$(BUILD)/sluice CHAOS_KILLS=$${CHAOS_KILLS:-200} CHAOS_EVENTS=$${CHAOS_EVENTS:-1000000} \
	  bash tests/e2e/dedupe_reorder_kill.sh
	@VERBOSE=1 SLUICE=$(BUILD)/sluice SLUICE_BUILD_DIR=$(BUILD) CHAOS_KILLS=$${KAFKA_CHAOS_KILLS:-40} \
	  KAFKA_CHAOS_EVENTS=$${KAFKA_CHAOS_EVENTS:-300000} bash tests/e2e/kafka_chaos.sh
	@VERBOSE=1 SLUICE=$(BUILD)/sluice CHAOS_KILLS=$${PG_CHAOS_KILLS:-200} bash tests/e2e/postgres_kill.sh

# libFuzzer targets (expression parser, line reader) under ASan and UBSan, each
# run for FUZZ_RUNS inputs.
fuzz: deps
	@PKGS="$(FUZZ_PKGS)" SUDO="$(SUDO)" sh tests/support/install-packages.sh
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSLUICE_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_expr_parser fuzz_line_reader
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_RUNS)

# DESTDIR (from the environment or the command line) stages the files elsewhere.
install: build
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
