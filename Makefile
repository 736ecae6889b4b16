# Two commands on a fresh machine: `make demo` and `make test` (see README). Everything installs itself.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 30

.PHONY: setup configure build python test test-unit test-asan fuzz demo bench clean

setup:
	@bash scripts/setup.sh

configure: setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The acgs_infer Python module alone (also part of `build`): PYTHONPATH=$(BUILD)/python python3 -c "import acgs_infer".
python: configure
	cmake --build $(BUILD) -j $(JOBS) --target acgs_infer_core

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Tests again under ASan+UBSan (CPU-only build; slow oracle-heavy tests excluded).
test-asan: setup
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACGS_SANITIZE=ON -DACGS_WITH_CUDA=OFF -DACGS_BUILD_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	ctest --test-dir build-asan --output-on-failure -j $(JOBS) -LE slow

# libFuzzer targets, each for a bounded time.
fuzz: setup
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACGS_FUZZ=ON -DACGS_WITH_CUDA=OFF -DACGS_BUILD_TESTS=OFF -DACGS_BUILD_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzzers
	bash scripts/run_fuzzers.sh build-fuzz $(FUZZ_SECONDS)

# CI's command: the Release suite, the same tests again under ASan+UBSan, then every fuzzer for FUZZ_SECONDS.
test: test-unit test-asan fuzz

demo: build
	bash scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
