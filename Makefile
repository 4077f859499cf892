PYTHON ?= python

.PHONY: install test bench bench-quick bench-core

# Build the extension (release profile) and install it with the test dependencies.
install:
	$(PYTHON) -m pip install -e '.[test]'

# The README's test command: Rust unit tests, then the Python suite.
test:
	cargo test
	$(PYTHON) -m pytest

# fast-smote vs imbalanced-learn: every case (~18 min on 2 AVX2 cores), results also as JSON.
# Needs the package installed with its bench extra: pip install '.[bench]'
bench:
	$(PYTHON) benches/bench_vs_imblearn.py --json benches/results/full.json

# CI-sized subset (cases up to 1e5 rows, fewer repeats; about 2.5 min).
bench-quick:
	$(PYTHON) benches/bench_vs_imblearn.py --quick

# Rust-level benchmarks of the k-NN engines and the generation kernel (divan).
bench-core:
	cargo bench --bench core
