PYTHON ?= python

.PHONY: install test lint wheel ci bench bench-quick bench-core

# Build the extension (release profile) and install it with the test dependencies.
install:
	$(PYTHON) -m pip install -e '.[test]'

# The README's test command: Rust unit tests, then the Python suite.
test:
	cargo test
	$(PYTHON) -m pytest

# The linters and type checks CI runs.
lint:
	ruff check python tests benches
	ruff format --check python tests benches
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
