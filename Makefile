# otlpd: `make run` and `make test` are the whole set-up.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
CONFIG     ?= configs/default.yaml
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 10

.PHONY: all deps test-deps build run test test-release test-asan test-tsan fuzz fuzz-long bench clean

all: build

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

$(BUILD)/build.ninja $(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

run: build
	mkdir -p data
	$(BUILD)/otlpd --config $(CONFIG)

test: test-deps build
	$(MAKE) test-release test-asan test-tsan
	FUZZ_SEED=1 tests/fuzz/run.sh $(FUZZ_SECONDS)

test-release:
	cd $(BUILD) && ctest --output-on-failure

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DOTLPD_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure

# ThreadSanitizer on the gRPC hand-off (gRPC thread <-> libuv loop: the gRPC
# e2e, back-pressure and otlp exporter tests) and the HTTP server, building only the
# targets those tests need. gRPC core is not instrumented; tests/tsan.supp
# silences reports inside it and its libraries.
TSAN_TARGETS = otlpd grpc_bad_client grpc_flood_client test_grpc_deadline test_grpc_conn_cap test_http_server test_diskqueue_group
TSAN_TESTS   = ^(grpc_.*|backpressure_grpc_.*|test_grpc_.*|test_http_server|otlpgrpc_.*|test_diskqueue_group|pqueue_concurrent_fsync)$$
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTLPD_TSAN=ON
	cmake --build $(TSAN_BUILD) -j$(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" ctest --output-on-failure -R '$(TSAN_TESTS)'

fuzz: deps
	tests/fuzz/run.sh 300

# Each decoder target for 10 million executions (about an hour of one core);
# the figures are recorded in tests/fuzz/README.md.
FUZZ_RUNS ?= 10000000
fuzz-long: deps
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_ONLY="$(FUZZ_ONLY)" tests/fuzz/run.sh

bench: build
	bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-fuzz
