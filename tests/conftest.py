"""Shared datasets for the Python tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import settings

# Property tests (test_properties.py): a modest number of examples by default (CI), many
# more with HYPOTHESIS_PROFILE=thorough (``make check``).
settings.register_profile("ci", max_examples=int(os.environ.get("FAST_SMOTE_PROPERTY_EXAMPLES", "15")))
settings.register_profile("thorough", max_examples=int(os.environ.get("FAST_SMOTE_PROPERTY_EXAMPLES", "300")))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def make_imbalanced(counts, n_features=4, seed=0, dtype=np.float64, spread=3.0):
    """Gaussian blobs, class ``c`` with ``counts[c]`` rows around a centre of its own."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(len(counts), n_features))
    X = np.concatenate([rng.normal(size=(n, n_features)) + centres[c] for c, n in enumerate(counts)])
    y = np.repeat(np.arange(len(counts)), counts)
    order = rng.permutation(len(y))
    return X[order].astype(dtype), y[order]


def packages_imported_by(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after running ``code``."""
    report = "\nimport json, sys\nprint(json.dumps(sorted({m.partition('.')[0] for m in sys.modules})))\n"
    result = subprocess.run([sys.executable, "-c", code + report], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.fixture
def binary():
    return make_imbalanced([200, 40])


@pytest.fixture
def multiclass():
    return make_imbalanced([150, 60, 30, 20])
