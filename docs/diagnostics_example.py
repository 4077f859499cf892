"""Generate the README's diagnostics image: ``python docs/diagnostics_example.py [PATH]``.

SMOTE on a generated 2-feature dataset whose minority class overlaps the majority and
has label noise inside it, then ``fast_smote.diagnose`` and its plot (the provenance
segments of 20 new rows, the distance histogram). Needs ``pip install 'fast-smote[plot]'``; writes
``docs/diagnostics-example.png`` by default and prints the report.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sklearn.datasets import make_classification

import fast_smote

DEFAULT_PATH = Path(__file__).resolve().parent / "diagnostics-example.png"


def main(path: Path) -> None:
    X, y = make_classification(
        n_samples=2000,
        n_features=2,
        n_informative=2,
        n_redundant=0,
        weights=[0.95],
        class_sep=0.8,
        flip_y=0.05,
        random_state=7,
    )
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    report = fast_smote.diagnose(X, y, X_res, y_res, sampler, warn=False)
    print(report)
    report.plot(path, segments=20)
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH)
