PYTHON ?= python

.PHONY: install test lint wheel ci bench bench-quick bench-core

# Build the extension (release profile) and install it with the test dependencies.
install:
	$(PYTHON) -m pip install -e '.[test]'
	$(PYTHON) -m pip install --no-deps smote-variants==1.0.1

# The README's test command: Rust unit tests, then the Python suite.
test:
	cargo test
	$(PYTHON) -m pytest

# The linters and type checks CI runs.
lint:
	ruff check python tests benches docs
	ruff format --check python tests benches docs
	cargo clippy --release --all-targets --features python -- -D warnings
	$(PYTHON) -m mypy --strict
	$(PYTHON) -m mypy.stubtest --mypy-config-file pyproject.toml --allowlist .ci/stubtest-allowlist fast_smote

# The abi3 release wheel, in dist/.
wheel:
	maturin build --release --out dist

# What CI runs: the wheel built once and tested in a fresh virtual environment.
ci:
	.ci/run

# fast-smote vs imbalanced-learn: every case (~23 min on 2 AVX2 cores), results also as JSON.
# Needs the package installed with its bench extra: pip install '.[bench]'
bench:
	$(PYTHON) -m fast_smote bench --json benches/results/full.json

# CI-sized subset (cases up to 1e5 rows, fewer repeats; about 2.5 min).
bench-quick:
	$(PYTHON) -m fast_smote bench --quick

# Rust-level benchmarks of the k-NN engines and the generation kernel (divan).
bench-core:
	cargo bench --bench core

# Fuzz the Python entry points with atheris (pip install atheris) for FUZZ_SECONDS;
# a finding stops the run and is written as fuzz/python/crash-* (or timeout-*, oom-*).
# With FUZZ_FINDINGS=DIR, distinct findings are logged there and the run goes on.
FUZZ_SECONDS ?= 60
.PHONY: fuzz-python
fuzz-python:
	mkdir -p fuzz/python/corpus
	$(PYTHON) fuzz/python/fuzz_entry_points.py fuzz/python/corpus -artifact_prefix=fuzz/python/ \
		-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=10 -print_final_stats=1

# Fuzz the pure-Rust core with cargo fuzz (libFuzzer; needs a nightly toolchain and
# `cargo install cargo-fuzz`): every target in fuzz/fuzz_targets, one after another on
# one job, FUZZ_SECONDS each, with debug assertions (so integer overflow is a finding).
# A finding (panic, timeout over 10 s, over 4 GiB) stops the run and is written to
# fuzz/artifacts/<target>/; `cargo +nightly fuzz tmin <target> <file>` minimises it.
# Corpora grow in fuzz/corpus/<target>/ (seeded with random bytes on the first run).
FUZZ_TARGETS ?= kneighbors sparse_kneighbors generate bootstrap categorical
.PHONY: fuzz-rust
fuzz-rust:
	cargo +nightly fuzz build --release --debug-assertions
	for target in $(FUZZ_TARGETS); do \
		corpus=fuzz/corpus/$$target; mkdir -p $$corpus; \
		if [ -z "$$(ls -A $$corpus)" ]; then \
			for size in 64 256 1024 4096 16384; do \
				head -c $$size /dev/urandom > $$corpus/seed-$$size; \
			done; \
		fi; \
		cargo +nightly fuzz run --release --debug-assertions --jobs 1 $$target $$corpus -- \
			-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=10 -max_len=16384 \
			-print_final_stats=1 || exit 1; \
	done

# The reliability checks: the property tests of every sampler at HYPOTHESIS_PROFILE=thorough
# (300 examples each), then the bounded fuzzing of the Python entry points and of the core.
.PHONY: check
check:
	HYPOTHESIS_PROFILE=thorough $(PYTHON) -m pytest tests/test_properties.py
	$(MAKE) fuzz-python fuzz-rust
