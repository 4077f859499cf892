PYTHON ?= python

.PHONY: bench bench-quick

# fast-smote vs imbalanced-learn: every case (~6-7 min on 2 cores), results also as JSON.
bench:
	$(PYTHON) benches/bench_vs_imblearn.py --json benches/results/full.json

# CI-sized subset (cases up to 1e5 rows, fewer repeats; under 2 min).
bench-quick:
	$(PYTHON) benches/bench_vs_imblearn.py --quick
