# One command each on a fresh Debian 12 machine: make demo, make test, make bench.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
PYTHON     ?= /usr/bin/python3
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Every Debian package the build, the tests, the demo and the benchmarks use.
DEB_PACKAGES := build-essential cmake ninja-build pkg-config clang \
  libclang-rt-14-dev libuv1-dev librdkafka-dev libprotobuf-dev \
  protobuf-compiler libspdlog-dev libfmt-dev libcli11-dev \
  libtomlplusplus-dev nlohmann-json3-dev libgtest-dev libgmock-dev \
  libsystemd-dev libhttp-parser-dev libjemalloc-dev kcat python3 python3-protobuf \
  python3-pytest python3-pytest-asyncio python3-confluent-kafka \
  python3-kafka python3-fastapi python3-uvicorn python3-httpx gunicorn \
  systemd util-linux procps

.PHONY: all deps build install test test-unit test-asan test-tsan test-python fuzz demo bench format clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Binaries, systemd units, sysusers.d entry and /etc/kafka-sidecar config
# (docs/operations.md). Honours DESTDIR; the prefix is the configured one:
# make install CMAKE_FLAGS="-G Ninja -DCMAKE_INSTALL_PREFIX=/usr" (fresh BUILD).
install: build
	cmake --install $(BUILD)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-python: build
	KS_BUILD_DIR=$(abspath $(BUILD)) $(PYTHON) -m pytest -q client/python/tests examples

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) $(CMAKE_FLAGS) -DSANITIZE=address,undefined
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS) --timeout 900

test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) $(CMAKE_FLAGS) -DSANITIZE=thread
	cmake --build $(BUILD_TSAN) -j $(JOBS)
	cd $(BUILD_TSAN) && TSAN_OPTIONS="halt_on_error=1 suppressions=$(abspath tools/tsan/suppressions.txt)" ctest --output-on-failure -j $(JOBS) --timeout 900

test: test-unit test-python test-asan

# libFuzzer over frame decoding + request handling of an in-process daemon
# (clang, ASan+UBSan), for FUZZ_SECONDS, starting from the committed seeds.
# New inputs go to $(BUILD_FUZZ)/corpus, never into the source tree.
fuzz: deps
	cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DSANITIZE=address,undefined -DKS_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target request_fuzzer produce_decoder_fuzzer
	mkdir -p $(BUILD_FUZZ)/corpus $(BUILD_FUZZ)/decoder-corpus
	ASAN_OPTIONS=detect_leaks=0 $(BUILD_FUZZ)/fuzz/request_fuzzer \
	  -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=30 -detect_leaks=0 \
	  -print_final_stats=1 $(BUILD_FUZZ)/corpus fuzz/corpus
	$(BUILD_FUZZ)/fuzz/produce_decoder_fuzzer -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=4096 -print_final_stats=1 $(BUILD_FUZZ)/decoder-corpus

demo: build
	bash tools/demo.sh $(BUILD)

bench: build
	bash bench/run.sh $(BUILD)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_FUZZ)
