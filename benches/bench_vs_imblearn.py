"""Benchmark fast-smote against imbalanced-learn: ``fast-smote bench`` from a checkout.

The benchmark lives in the package (``fast_smote/_bench.py``), so that an installed
fast-smote runs it too; this script takes the same options, for example::

    python benches/bench_vs_imblearn.py --quick
"""

import sys

from fast_smote._cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", *sys.argv[1:]]))
